using System.Security.Cryptography;
using System.Text;

namespace VaultStaging.Emulator;

// The staged tree on disk and who sees which part of it.
//
//   {stagingRoot}/files/   Vault's "/": user folders /u{id}, committed files, items (the only visible tree)
//   {stagingRoot}/.parts/  parts of upload sessions
//   {stagingRoot}/.tmp/    files being received or assembled, folders being deleted (never visible)
//
// A non-admin's paths are relative to their own /u{id} ("/" is that folder; nothing outside it can be
// named); an admin's are from the root. Answers show a non-admin's paths relative (default) or from the
// root (NonAdminPaths = Absolute). This file also holds the control API's direct item calls.
public sealed partial class EmulatorState
{
    public string FilesRoot => Path.Combine(StagingRoot, "files");
    private string TempRoot => Path.Combine(StagingRoot, ".tmp");

    /// <summary>The disk path of an absolute staging path ("/" or "/a/b", segments already checked).</summary>
    internal string DiskPath(string absolute) =>
        absolute == "/" ? FilesRoot : Path.Combine(FilesRoot, absolute[1..].Replace('/', Path.DirectorySeparatorChar));

    private string NewTempPath(string tag)
    {
        Directory.CreateDirectory(TempRoot);
        return Path.Combine(TempRoot, $"{Guid.NewGuid():N}.{tag}");
    }

    /// <summary>Called by Reset (under the lock): the empty tree with a folder /u{id} for every user of this vault.</summary>
    private void CreateTreeLocked()
    {
        Directory.CreateDirectory(FilesRoot);
        Directory.CreateDirectory(TempRoot);
        foreach (var user in _users) CreateUserFolderLocked(user);
    }

    private void CreateUserFolderLocked(EmulatorUser user)
    {
        if (user.VaultId is null || user.VaultId == Options.VaultId) Directory.CreateDirectory(DiskPath($"/u{user.UserId}"));
    }

    /// <summary>"/" and every user's own folder: never deleted, moved or renamed through the API.</summary>
    private bool IsProtectedLocked(string absolute) => absolute == "/" || _users.Any(u => absolute == $"/u{u.UserId}");

    /// <summary>
    /// A path as the caller wrote it, made absolute (see the top of this file). When non-admins are answered from
    /// the root (NonAdminPaths = Absolute), a path of theirs that starts with their own /u{id} is taken as it is:
    /// a client may send back the path it was given (vvfst does). In that mode a folder of that very name inside
    /// their own folder cannot be named (which reading a vault makes is UNCONFIRMED).
    /// </summary>
    internal string ToAbsolute(Caller caller, string requested)
    {
        if (caller.IsAdmin) return requested;
        string own = $"/u{caller.UserId}";
        if (Options.NonAdminPaths == NonAdminPathStyle.Absolute && ItemPaths.IsSameOrInside(requested, own)) return requested;
        return requested == "/" ? own : own + requested;
    }

    /// <summary>A path (of a session or an item) as this caller sees it (see NonAdminPathStyle).</summary>
    internal string ReportedPath(string absolutePath, Caller caller)
    {
        if (caller.IsAdmin || Options.NonAdminPaths == NonAdminPathStyle.Absolute) return absolutePath;
        string folder = $"/u{caller.UserId}";
        if (absolutePath == folder) return "/";
        return absolutePath.StartsWith(folder + "/", StringComparison.Ordinal) ? absolutePath[folder.Length..] : absolutePath;
    }

    /// <summary>"/a/b.bin" form: leading '/', no empty, '.' or '..' segments, no trailing '/', no '\' or control characters. Null if invalid.</summary>
    internal static string? NormalizePath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        string p = path.StartsWith('/') ? path : "/" + path;
        foreach (var segment in p[1..].Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == ".." || segment.Contains('\\') || segment.Any(char.IsControl))
                return null;
        }
        return p;
    }

    // -----------------------------------------------------------------------------------------
    // Control API: items made, read, changed and removed directly (paths from the root)
    // -----------------------------------------------------------------------------------------

    private static string ControlPath(string? path)
    {
        try { return ItemPaths.FromForm(path, "path") ?? "/"; }
        catch (VaultFailure f) { throw new ArgumentException(f.Message); }
    }

    /// <summary>The assembled file at an absolute staging path (e.g. /u10001400/x.bin).</summary>
    public StagedFileInfo GetStagedFile(string path)
    {
        ItemInfo? item;
        try { item = NormalizePath(path) is null ? null : GetItem(path); }
        catch (ArgumentException) { item = null; } // a path no item can have
        return item is { Exists: true, Kind: "file" }
            ? new StagedFileInfo { Exists = true, Size = item.Size, Sha256 = item.Sha256 }
            : new StagedFileInfo { Exists = false };
    }

    /// <summary>{exists, kind, size, sha256, modifiedDate} of one item (path from the root).</summary>
    public ItemInfo GetItem(string path)
    {
        string absolute = ControlPath(path);
        string disk = DiskPath(absolute);
        if (Directory.Exists(disk))
            return new ItemInfo { Exists = true, Path = absolute, Kind = "folder", ModifiedDate = WholeSeconds(Directory.GetLastWriteTimeUtc(disk)) };
        try
        {
            using var stream = new FileStream(disk, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            byte[] hash = SHA256.HashData(stream);
            return new ItemInfo
            {
                Exists = true, Path = absolute, Kind = "file", Size = stream.Length, Sha256 = Convert.ToHexStringLower(hash),
                ModifiedDate = WholeSeconds(File.GetLastWriteTimeUtc(disk)),
            };
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ItemInfo { Exists = false, Path = absolute };
        }
    }

    /// <summary>
    /// Makes a file or folder (parents created; an existing file is replaced). A file's content is
    /// <paramref name="content"/>, or <paramref name="size"/> bytes: zeros (sparse) or pseudo-random from
    /// <paramref name="seed"/> (default: from the path). Modified date: <paramref name="modified"/>, else now (emulator clock).
    /// </summary>
    public ItemInfo CreateItemDirect(string path, string kind = "file", long? size = null, byte[]? content = null, int? seed = null,
        bool sparse = false, DateTimeOffset? modified = null)
    {
        string absolute = ControlPath(path);
        if (absolute == "/") throw new ArgumentException("path must not be the root");
        if (kind is not ("file" or "folder")) throw new ArgumentException("kind must be file or folder");
        if (size < 0) throw new ArgumentException("size must not be negative");
        string disk = DiskPath(absolute);
        lock (_gate)
        {
            if (kind == "folder")
            {
                if (File.Exists(disk)) throw new ArgumentException($"A file exists at {absolute}");
                Directory.CreateDirectory(disk);
                if (modified is { } folderDate) Directory.SetLastWriteTimeUtc(disk, WholeSeconds(folderDate).UtcDateTime);
            }
            else
            {
                if (Directory.Exists(disk)) throw new ArgumentException($"A folder exists at {absolute}");
                Directory.CreateDirectory(Path.GetDirectoryName(disk)!);
                WriteContent(disk, content, size ?? 0, seed ?? SeedOf(absolute), sparse, FileMode.Create);
                File.SetLastWriteTimeUtc(disk, WholeSeconds(modified ?? NowLocked).UtcDateTime);
            }
        }
        return GetItem(absolute);
    }

    /// <summary>
    /// A tree made quickly: <paramref name="folders"/> folders <c>{root}/folder-00001</c>... each holding
    /// <paramref name="filesPerFolder"/> files <c>file-00001.bin</c>... of <paramref name="size"/> bytes
    /// (folders = 0: the files go straight into root). Content as in <see cref="CreateItemDirect"/>.
    /// </summary>
    public BulkItemsResult CreateItemsBulk(string root, int folders, int filesPerFolder, long size = 0, int? seed = null,
        bool sparse = false, DateTimeOffset? modified = null)
    {
        string absolute = ControlPath(root);
        if (folders < 0 || filesPerFolder < 0 || size < 0) throw new ArgumentException("folders, filesPerFolder and size must not be negative");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string rootDisk = DiskPath(absolute);
        Directory.CreateDirectory(rootDisk);
        // Files get the emulator's "now" only when its clock is moved; otherwise the real time is the same thing.
        DateTime? stamp = modified is { } m ? WholeSeconds(m).UtcDateTime : ClockOffset != TimeSpan.Zero ? WholeSeconds(Now).UtcDateTime : null;
        string folderFormat = "D" + Math.Max(5, folders.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        string fileFormat = "D" + Math.Max(5, filesPerFolder.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        int baseSeed = seed ?? SeedOf(absolute);

        Parallel.For(0, Math.Max(1, folders), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, f =>
        {
            string folderDisk = folders == 0 ? rootDisk : Path.Combine(rootDisk, "folder-" + (f + 1).ToString(folderFormat, System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folderDisk);
            for (int i = 0; i < filesPerFolder; i++)
            {
                string file = Path.Combine(folderDisk, "file-" + (i + 1).ToString(fileFormat, System.Globalization.CultureInfo.InvariantCulture) + ".bin");
                WriteContent(file, null, size, HashCode.Combine(baseSeed, f, i), sparse, FileMode.Create);
                if (stamp is { } t) File.SetLastWriteTimeUtc(file, t);
            }
        });
        return new BulkItemsResult
        {
            Root = absolute, Folders = folders, Files = (long)Math.Max(1, folders) * filesPerFolder, ElapsedMs = watch.ElapsedMilliseconds,
        };
    }

    /// <summary>
    /// Changes a file: new <paramref name="content"/>, or <paramref name="size"/> bytes regenerated, and/or
    /// <paramref name="appendBytes"/> bytes appended; then its modified date is <paramref name="modified"/>, or
    /// (content changed) the emulator's now, at least one second after the old date so that the change shows.
    /// </summary>
    public ItemInfo ModifyItem(string path, long? size = null, byte[]? content = null, int? seed = null, long? appendBytes = null,
        bool sparse = false, DateTimeOffset? modified = null)
    {
        string absolute = ControlPath(path);
        string disk = DiskPath(absolute);
        lock (_gate)
        {
            if (!File.Exists(disk)) throw new ArgumentException($"No file at {absolute}");
            var old = File.GetLastWriteTimeUtc(disk);
            bool changed = content is not null || size is not null || appendBytes is > 0;
            if (content is not null || size is not null)
                WriteContent(disk, content, size ?? 0, seed ?? SeedOf(absolute) + 1, sparse, FileMode.Create);
            if (appendBytes is > 0 and var append)
                WriteContent(disk, null, append, seed ?? SeedOf(absolute) + 2, sparse: false, FileMode.Append);
            if (modified is { } date) File.SetLastWriteTimeUtc(disk, WholeSeconds(date).UtcDateTime);
            else if (changed) TouchLocked(disk, old);
        }
        return GetItem(absolute);
    }

    /// <summary>Removes a file, or a folder with everything in it. False if nothing was there.</summary>
    public bool DeleteItemDirect(string path)
    {
        string absolute = ControlPath(path);
        if (absolute == "/") throw new ArgumentException("path must not be the root");
        string disk = DiskPath(absolute);
        string? trash = null;
        lock (_gate)
        {
            if (File.Exists(disk)) { File.Delete(disk); return true; }
            if (!Directory.Exists(disk)) return false;
            trash = NewTempPath("deleting");
            Directory.Move(disk, trash);
        }
        TryDeleteDirectory(trash);
        return true;
    }

    /// <summary>change-file fault: the file grows by <paramref name="appendBytes"/> and its modified date moves on.</summary>
    internal void ChangeFileForFault(string absolute, int appendBytes)
    {
        string disk = DiskPath(absolute);
        lock (_gate)
        {
            if (!File.Exists(disk)) return;
            var old = File.GetLastWriteTimeUtc(disk);
            WriteContent(disk, null, Math.Max(1, appendBytes), SeedOf(absolute) + 3, sparse: false, FileMode.Append);
            TouchLocked(disk, old);
        }
    }

    /// <summary>Modified date = the emulator's now, but at least one whole second after <paramref name="old"/>.</summary>
    private void TouchLocked(string disk, DateTime old)
    {
        var now = WholeSeconds(NowLocked).UtcDateTime;
        var later = WholeSeconds(new DateTimeOffset(old, TimeSpan.Zero)).UtcDateTime.AddSeconds(1);
        File.SetLastWriteTimeUtc(disk, now >= later ? now : later);
    }

    private static int SeedOf(string absolute) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(absolute)), 0);

    /// <summary>Writes <paramref name="content"/>, or <paramref name="size"/> zero (sparse) or pseudo-random bytes.</summary>
    private static void WriteContent(string disk, byte[]? content, long size, int seed, bool sparse, FileMode mode)
    {
        using var file = new FileStream(disk, mode, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        if (content is not null) { file.Write(content); return; }
        if (sparse) { file.SetLength(file.Length + size); return; }
        var random = new Random(seed);
        byte[] buffer = new byte[(int)Math.Min(size, 1 << 20)];
        for (long left = size; left > 0;)
        {
            int n = (int)Math.Min(buffer.Length, left);
            random.NextBytes(buffer.AsSpan(0, n));
            file.Write(buffer, 0, n);
            left -= n;
        }
    }
}
