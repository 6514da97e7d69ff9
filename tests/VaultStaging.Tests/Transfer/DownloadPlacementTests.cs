using System.Security;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Transfer;

/// <summary>
/// How a finished download reaches its final name: over a read-only file with -Force, when the rename fails,
/// and when the target's name is near the file system's limit. Real HTTP to the emulator and real files; where
/// Linux (and a root user) would not show what Windows does, the rename goes through Windows' rules
/// (<see cref="WindowsRules"/>), the one seam.
/// </summary>
public sealed class DownloadPlacementTests : IClassFixture<EmulatorFixture>, IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vaultstaging-place-" + Guid.NewGuid().ToString("N"));

    public DownloadPlacementTests(EmulatorFixture emu)
    {
        _emu = emu;
        _emu.Reset();
        Directory.CreateDirectory(_folder);
    }

    public void Dispose()
    {
        foreach (string f in Directory.EnumerateFiles(_folder)) File.SetAttributes(f, FileAttributes.Normal);
        Directory.Delete(_folder, true);
    }

    /// <summary>What Windows does where Linux does not: a read-only file cannot be replaced (MoveFileEx/ReplaceFile: access denied).</summary>
    private sealed class WindowsRules : LocalFileSystem
    {
        public override void Replace(string source, string target)
        {
            if ((File.GetAttributes(target) & FileAttributes.ReadOnly) != 0) throw new UnauthorizedAccessException($"Access to the path '{target}' is denied.");
            base.Replace(source, target);
        }
    }

    /// <summary>A rename that fails as a file held open by another program fails on Windows.</summary>
    private sealed class RenameRefused : LocalFileSystem
    {
        public override void Move(string source, string target) => throw new UnauthorizedAccessException($"Access to the path '{target}' is denied.");
        public override void Replace(string source, string target) => throw new UnauthorizedAccessException($"Access to the path '{target}' is denied.");
    }

    private async Task<VaultClient> Jane()
    {
        var password = new SecureString();
        foreach (char c in EmulatorFixture.JanePassword) password.AppendChar(c);
        return await VaultClient.ConnectWithPasswordAsync(_emu.BaseUri, EmulatorFixture.JaneUserName, password, new VaultClientOptions(), VaultCallContext.None);
    }

    private readonly Dictionary<string, byte[]> _staged = new();

    /// <summary>A file of pseudo-random bytes staged in jane's /place folder, and the request that brings it to the test folder.</summary>
    private FileDownloadRequest Staged(string name, int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        _staged[name] = bytes;
        var item = _emu.State.CreateItemDirect("/u10001400/place/" + name, content: bytes);
        return new FileDownloadRequest("/place/" + name, size, item.ModifiedDate?.UtcDateTime, Path.Combine(_folder, name));
    }

    private string StagedSha256(string name) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(_staged[name]));

    private static string Sha256Of(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private int ContentCalls() => _emu.State.GetLog().Count(e => e.Operation == "content");

    [Fact]
    public async Task Force_replaces_a_read_only_local_file_as_Copy_Item_Force_does()
    {
        using var client = await Jane();
        var request = Staged("report.bin", 5000);
        request.Force = true;
        File.WriteAllText(request.LocalPath, "an older copy, made read-only");
        File.SetAttributes(request.LocalPath, FileAttributes.ReadOnly);

        var result = await new FileDownloader(client, new WindowsRules()).DownloadAsync(request, null, VaultCallContext.None);

        Assert.Equal("Downloaded", result.Status);
        Assert.Equal(StagedSha256("report.bin"), Sha256Of(request.LocalPath), ignoreCase: true);
        Assert.Equal([Path.GetFileName(request.LocalPath)], Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_complete_file_whose_rename_fails_is_kept_named_and_put_in_place_by_the_same_command_again()
    {
        using var client = await Jane();
        var request = Staged("held.bin", 70_000);

        var e = await Assert.ThrowsAsync<VaultException>(() => new FileDownloader(client, new RenameRefused()).DownloadAsync(request, null, VaultCallContext.None));

        Assert.Equal("LOCAL_RENAME_FAILED", e.ErrorType);
        string kept = Directory.EnumerateFiles(_folder, "*.vaultpart").Single();
        Assert.Contains(kept, e.Message);
        Assert.Equal(StagedSha256("held.bin"), Sha256Of(kept), ignoreCase: true);
        Assert.False(File.Exists(request.LocalPath));

        int before = ContentCalls();
        var again = await new FileDownloader(client).DownloadAsync(request, null, VaultCallContext.None);

        Assert.Equal("Downloaded", again.Status);
        Assert.Equal(0, again.BytesReceived);
        Assert.Equal(before, ContentCalls());
        Assert.Equal(StagedSha256("held.bin"), Sha256Of(request.LocalPath), ignoreCase: true);
        Assert.Equal(["held.bin"], Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_target_whose_name_is_near_255_characters_still_downloads_and_resumes()
    {
        using var client = await Jane();
        string name = new string('n', 246) + ".bin";   // 250 characters: the temporary name's ~40 more would pass 255
        var request = Staged(name, 20_000);

        var partial = new PartialDownload(request.LocalPath, request.Size, request.ModifiedDate);
        Assert.InRange(Path.GetFileName(partial.JournalPath).Length, 1, PartialDownload.MaxNameBytes);
        Assert.Equal(partial.TempPath, new PartialDownload(request.LocalPath, request.Size, request.ModifiedDate).TempPath);
        // A range already on disk from an earlier run is kept: the short name is the same on every run.
        partial.Open(1, _ => request.Size);
        using (var file = partial.OpenForWriting()) file.Write(_staged[name]);
        partial.MarkDone(0);

        var result = await new FileDownloader(client).DownloadAsync(request, null, VaultCallContext.None);

        Assert.Equal("Downloaded", result.Status);
        Assert.Equal(request.Size, result.BytesResumed);
        Assert.Equal(StagedSha256(name), Sha256Of(request.LocalPath), ignoreCase: true);
        Assert.Equal([name], Directory.EnumerateFileSystemEntries(_folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(240)]
    [InlineData(60)]
    public void A_temporary_name_fits_where_its_target_fits_the_classic_Windows_path_limit(int nameLength)
    {
        // A folder deep enough that the target's path is just under 260 characters.
        string folder = Path.Combine(Path.GetTempPath(), new string('f', PartialDownload.MaxClassicPath - Path.GetTempPath().Length - nameLength - 2));
        string target = Path.Combine(folder, new string('t', nameLength));
        Assert.True(target.Length <= PartialDownload.MaxClassicPath);

        var partial = new PartialDownload(target, 123_456_789, DateTime.UtcNow);

        Assert.True(Path.GetFileName(partial.JournalPath).Length <= PartialDownload.MaxNameBytes);
        Assert.True(partial.JournalPath.Length <= PartialDownload.MaxClassicPath, partial.JournalPath);
        Assert.Equal(folder, Path.GetDirectoryName(partial.TempPath));
    }
}
