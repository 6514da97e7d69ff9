using System.Buffers;
using System.IO.Enumeration;
using System.Security.Cryptography;

namespace VaultStaging.Emulator;

// Items (GET/POST/PUT/DELETE .../file_staging/items), over the real tree of EmulatorState.Tree.cs.
// This file: download, create, move/rename, delete. EmulatorState.Listing.cs: list and cursors.
// Error types where Veeva is silent (UNCONFIRMED, see the README) come from EmulatorOptions.ErrorTypes by
// situation: a missing item, a folder downloaded, a missing parent, a bad cursor, a bad range ->
// INVALID_DATA; an /items upload over ItemMaxBytes -> EXCEEDS_FILE_MAX_SIZE; the root or a user folder
// deleted or moved, a non-empty folder deleted without recursive=true -> OPERATION_NOT_ALLOWED. A name
// that exists -> ITEM_NAME_EXISTS (documented for folders). Bad parameter values -> INVALID_DATA.
public sealed partial class EmulatorState
{
    // -----------------------------------------------------------------------------------------
    // Download
    // -----------------------------------------------------------------------------------------

    /// <summary>An open file and the bytes to send: [Start, Start + Length) of Total.</summary>
    internal sealed record Download(FileStream Stream, string AbsolutePath, string Name, long Total, long Start, long Length, bool Ranged);

    /// <summary>A range past the end with RangePastEnd = Status416.</summary>
    internal sealed class RangeNotSatisfiable(long total) : Exception("Range not satisfiable")
    {
        public long Total { get; } = total;
    }

    /// <summary>
    /// GET .../items/content/{path} with an optional Range (bytes=a-b, bytes=a-, bytes=-n; one range). A
    /// folder or a missing file: INVALID_DATA. A malformed or multiple range, or one longer than ItemMaxBytes:
    /// INVALID_DATA. A range starting at or past the end: INVALID_DATA or HTTP 416 (RangePastEnd).
    /// An end past the end of the file is cut to the end (as HTTP does).
    /// </summary>
    internal Download OpenDownload(Caller caller, string requested, string? range)
    {
        string absolute = ToAbsolute(caller, requested);
        string disk = DiskPath(absolute);
        if (Directory.Exists(disk)) throw Failure("download-folder", $"Item [{requested}] is a folder.");
        FileStream stream;
        try { stream = new FileStream(disk, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1); }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException) { throw Missing(requested); }

        try
        {
            long total = stream.Length;
            string name = ItemPaths.Name(absolute);
            if (string.IsNullOrWhiteSpace(range)) return new Download(stream, absolute, name, total, 0, total, false);

            var (start, end) = ParseRange(range, total, Options.ItemMaxBytes, why => Failure("bad-range", $"Invalid Range header [{range}]: {why}."));
            if (start >= total)
            {
                if (Options.RangePastEnd == RangePastEndStyle.Status416) throw new RangeNotSatisfiable(total);
                throw Failure("bad-range", $"Range [{range}] starts at or past the end of the file ({total} bytes).");
            }
            end = Math.Min(end, total - 1);
            return new Download(stream, absolute, name, total, start, end - start + 1, true);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>(start, end) inclusive; end may be past the file. Checks the syntax and the maximum span.</summary>
    private static (long Start, long End) ParseRange(string range, long total, long maxBytes, Func<string, VaultFailure> Bad)
    {
        string r = range.Trim();
        if (!r.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) throw Bad("expected bytes={min}-{max}");
        string spec = r["bytes=".Length..].Trim();
        if (spec.Contains(',')) throw Bad("only one range is allowed");
        int dash = spec.IndexOf('-');
        if (dash < 0) throw Bad("expected bytes={min}-{max}");
        var styles = System.Globalization.NumberStyles.None;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        string first = spec[..dash].Trim(), last = spec[(dash + 1)..].Trim();
        long start, end;
        if (first.Length == 0)
        {
            // bytes=-n: the last n bytes.
            if (!long.TryParse(last, styles, culture, out long n)) throw Bad("bad number");
            if (n > maxBytes) throw Bad($"a range may be at most {maxBytes} bytes");
            return n == 0 ? (total, total) : (Math.Max(0, total - n), total - 1);
        }
        if (!long.TryParse(first, styles, culture, out start)) throw Bad("bad number");
        if (last.Length == 0) end = long.MaxValue;
        else if (!long.TryParse(last, styles, culture, out end) || end < start) throw Bad("bad number or max < min");
        long span = last.Length == 0 ? total - start : end - start + 1;
        if (span > maxBytes) throw Bad($"a range may be at most {maxBytes} bytes");
        return (start, end);
    }

    // -----------------------------------------------------------------------------------------
    // Create (synchronous)
    // -----------------------------------------------------------------------------------------

    /// <summary>The file part of an /items upload, in a temp file; TooBig when it passed ItemMaxBytes (the rest was discarded).</summary>
    internal sealed record ReceivedFile(string TempPath, long Size, string Md5, bool TooBig);

    internal sealed record CreatedItem(bool IsFolder, string AbsolutePath, string Name, long Size, string? Md5);

    /// <summary>Streams the file part to a temp file while hashing it; corrupt (fault) flips its first byte.</summary>
    internal async Task<ReceivedFile> ReceiveItemFileAsync(Stream body, bool corrupt, CancellationToken ct)
    {
        string temp = NewTempPath("receiving");
        long max = Options.ItemMaxBytes;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long received = 0;
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                int n;
                while ((n = await body.ReadAsync(buffer.AsMemory(0, buffer.Length), ct)) > 0)
                {
                    if (corrupt && received == 0) buffer[0] ^= 0xFF;
                    if (received + n <= max)
                    {
                        md5.AppendData(buffer, 0, n);
                        file.Write(buffer, 0, n);
                    }
                    received += n; // past the limit: read and dropped, so the answer still reaches the client
                }
            }
            return new ReceivedFile(temp, received, Convert.ToHexStringLower(md5.GetHashAndReset()), received > max);
        }
        catch
        {
            TryDeleteFile(temp);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// POST .../items: kind (file|folder), path, overwrite (files), the received file. The parent must exist;
    /// a file is moved into place from its temp file, so no partial file is ever visible.
    /// </summary>
    internal CreatedItem CreateItem(Caller caller, string? kind, string? path, string? overwrite, ReceivedFile? file)
    {
        if (string.IsNullOrEmpty(kind)) throw new VaultFailure("PARAMETER_REQUIRED", "Missing required parameter [kind]");
        if (kind is not ("file" or "folder")) throw new VaultFailure("INVALID_DATA", $"Invalid value [{kind}] for parameter [kind]: file or folder.");
        string requested = ItemPaths.FromForm(path, "path")!;
        if (requested == "/") throw new VaultFailure("INVALID_DATA", "Invalid value [/] for parameter [path].");
        bool replace = ParseFlag(overwrite, "overwrite");
        bool isFolder = kind == "folder";
        if (!isFolder && file is null) throw new VaultFailure("PARAMETER_REQUIRED", "Missing required parameter [file]");
        if (!isFolder && file!.TooBig)
            throw Failure("file-too-big", $"File is {file.Size} bytes; /items uploads may be at most {Options.ItemMaxBytes} bytes.");

        string absolute = ToAbsolute(caller, requested);
        string disk = DiskPath(absolute);
        lock (_gate)
        {
            string parent = ItemPaths.Parent(requested);
            if (!Directory.Exists(Path.GetDirectoryName(disk)))
                throw Failure("missing-parent", $"Folder [{parent}] does not exist.");
            if (Directory.Exists(disk) || (File.Exists(disk) && (isFolder || !replace)))
                throw new VaultFailure("ITEM_NAME_EXISTS", $"An item named [{ItemPaths.Name(requested)}] already exists in [{parent}].");
            if (isFolder)
            {
                Directory.CreateDirectory(disk);
                return new CreatedItem(true, absolute, ItemPaths.Name(absolute), 0, null);
            }
            File.SetLastWriteTimeUtc(file!.TempPath, WholeSeconds(NowLocked).UtcDateTime);
            File.Move(file.TempPath, disk, overwrite: true);
            return new CreatedItem(false, absolute, ItemPaths.Name(absolute), file.Size, file.Md5);
        }
    }

    internal static void DiscardReceived(ReceivedFile file) => TryDeleteFile(file.TempPath);

    // -----------------------------------------------------------------------------------------
    // Move/rename and delete (jobs)
    // -----------------------------------------------------------------------------------------

    /// <summary>PUT .../items/{path}: parent and/or name. Checked at once: the parameters, that the item exists. The rest by the job.</summary>
    internal async Task<long> MoveItemAsync(Caller caller, string requested, string? parentText, string? nameText)
    {
        string? parent = ItemPaths.FromForm(parentText, "parent", required: false);
        string? name = ItemPaths.NameFromForm(nameText, "name");
        if (parent is null && name is null) throw new VaultFailure("PARAMETER_REQUIRED", "Missing required parameter [parent] or [name]");
        string source = ToAbsolute(caller, requested);
        VaultJob job;
        lock (_gate)
        {
            string disk = DiskPath(source);
            if (!Directory.Exists(disk) && !File.Exists(disk)) throw Missing(requested);
            if (IsProtectedLocked(source)) throw Failure("protected-folder", $"Folder [{requested}] cannot be moved or renamed.");
            string target = ItemPaths.Join(parent is null ? ItemPaths.Parent(source) : ToAbsolute(caller, parent), name ?? ItemPaths.Name(source));
            job = NewJobLocked("move", "PUT", caller, source, MoveWork, targetPath: target);
        }
        return await StartJobAsync(job, ItemJobDurationMs);
    }

    /// <summary>The move job: fails if the item is gone, the target folder does not exist, the name is taken there, or a folder would go into itself.</summary>
    private Task<string?> MoveWork(VaultJob job, CancellationToken ct)
    {
        string source = job.Path, target = job.TargetPath!, targetParent = ItemPaths.Parent(target);
        lock (_gate)
        {
            if (!IsCurrentLocked(job)) return Task.FromResult<string?>("Emulator was reset.");
            string from = DiskPath(source), to = DiskPath(target);
            bool isFolder = Directory.Exists(from);
            string? error =
                !isFolder && !File.Exists(from) ? $"Item [{source}] no longer exists."
                : !Directory.Exists(DiskPath(targetParent)) ? $"Folder [{targetParent}] does not exist."
                : isFolder && ItemPaths.IsSameOrInside(target, source) && target != source ? $"Folder [{source}] cannot move into itself."
                : (Directory.Exists(to) || File.Exists(to)) && (Options.TakenName == TakenNameStyle.JobError || target == source) ? $"An item named [{ItemPaths.Name(target)}] already exists in [{targetParent}]."
                : null;
            if (error is not null) return Task.FromResult<string?>(error);
            if (Directory.Exists(to)) Directory.Delete(to, recursive: true);   // TakenNameStyle.Replace
            else if (File.Exists(to)) File.Delete(to);
            if (isFolder) Directory.Move(from, to);
            else File.Move(from, to);
            return Task.FromResult<string?>(null);
        }
    }

    /// <summary>DELETE .../items/{path}?recursive=true. A non-empty folder without recursive: see NonEmptyDelete.</summary>
    internal async Task<long> DeleteItemAsync(Caller caller, string requested, string? recursiveText)
    {
        bool recursive = ParseFlag(recursiveText, "recursive");
        string absolute = ToAbsolute(caller, requested);
        VaultJob job;
        lock (_gate)
        {
            if (IsProtectedLocked(absolute)) throw Failure("protected-folder", $"Folder [{requested}] cannot be deleted.");
            string disk = DiskPath(absolute);
            bool isFolder = Directory.Exists(disk);
            if (!isFolder && !File.Exists(disk)) throw Missing(requested);
            if (isFolder && !recursive && Options.NonEmptyDelete == NonEmptyDeleteStyle.Failure && HasItems(disk))
                throw Failure("non-empty-folder", $"Folder [{requested}] is not empty: delete it with recursive=true.");
            job = NewJobLocked("delete", "DELETE", caller, absolute, (j, ct) => DeleteWork(j, recursive));
        }
        return await StartJobAsync(job, ItemJobDurationMs);
    }

    private Task<string?> DeleteWork(VaultJob job, bool recursive)
    {
        string trash;
        lock (_gate)
        {
            if (!IsCurrentLocked(job)) return Task.FromResult<string?>("Emulator was reset.");
            string disk = DiskPath(job.Path);
            if (File.Exists(disk)) { File.Delete(disk); return Task.FromResult<string?>(null); }
            if (!Directory.Exists(disk)) return Task.FromResult<string?>($"Item [{job.Path}] no longer exists.");
            if (!recursive && HasItems(disk)) return Task.FromResult<string?>($"Folder [{job.Path}] is not empty and recursive is not true.");
            trash = NewTempPath("deleting");
            Directory.Move(disk, trash); // gone at once; the files go outside the lock
        }
        TryDeleteDirectory(trash);
        return Task.FromResult<string?>(null);
    }

    private static bool HasItems(string disk) => new FileSystemEnumerable<bool>(disk, (ref FileSystemEntry _) => true, WalkOptions).Any();
}
