using System.Security;
using System.Security.Cryptography;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Reliability;

/// <summary>
/// Every fault the emulator can inject, against every upload-session call. Each cell must end in success
/// after retries (or, where Vault's answer is truly lost, in a clearly named outcome), and an upload must
/// leave exactly the staged file, byte for byte, and no session behind.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class FaultMatrixTests : IDisposable
{
    private const string VideoId = "TpE_3roGfhpCppmk9ltKaEAbb8.kWbZEe6xDuW3lNa42801RbIEPJaWG07xvwrITJgVmXDw3UVL1w--";
    private readonly EmulatorFixture _emu;
    private readonly string _file;

    public FaultMatrixTests(EmulatorFixture emu)
    {
        _emu = emu;
        _emu.Reset();
        _file = Path.Combine(Path.GetTempPath(), "fault-matrix-" + Guid.NewGuid().ToString("N") + ".bin");
        var bytes = new byte[6 * 1024 * 1024 + 4321]; // two parts
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(_file, bytes);
    }

    public void Dispose() => File.Delete(_file);

    public static readonly string[] Kinds = ["http-status", "drop", "truncate", "slow", "expire-session", "api-limit", "burst-delay", "corrupt-part", "close-after-apply"];
    public static readonly string[] Operations = ["list", "details", "parts", "create", "upload", "commit", "abort"];

    /// <summary>Every cell under both forms Vault may list a non-admin's session paths in (UNCONFIRMED in vault-api.md).</summary>
    public static IEnumerable<object[]> Cells() =>
        from style in new[] { NonAdminPathStyle.Relative, NonAdminPathStyle.Absolute }
        from kind in Kinds from operation in Operations select new object[] { kind, operation, style };

    private static FaultSpec Fault(string kind, string operation) => new()
    {
        Kind = kind,
        Operation = operation,
        Status = kind == "http-status" ? 502 : null,
        DelayMs = kind == "slow" ? 5000 : kind == "burst-delay" ? 20 : null,
        Remaining = kind == "burst-delay" ? 1 : null,
        // drop and truncate run the request and cut its own answer: the call was applied, the answer lost.
        Apply = kind is "drop" or "truncate",
        PartNumber = kind == "corrupt-part" ? 2 : null,
    };

    private async Task<VaultClient> Jane()
    {
        var password = new SecureString();
        foreach (char c in EmulatorFixture.JanePassword) password.AppendChar(c);
        var options = new VaultClientOptions
        {
            Timeout = TimeSpan.FromSeconds(2),
            Retry = new RetryPolicy { MaximumRetryCount = 4, BaseDelay = TimeSpan.FromMilliseconds(10), MaximumDelay = TimeSpan.FromMilliseconds(50) },
        };
        return await VaultClient.ConnectWithPasswordAsync(_emu.BaseUri, EmulatorFixture.JaneUserName, password, options, VaultCallContext.None);
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task A_fault_ends_in_success_or_a_clear_outcome(string kind, string operation, NonAdminPathStyle paths)
    {
        _emu.State.Options.NonAdminPaths = paths;
        using var client = await Jane();
        _emu.State.AddFault(Fault(kind, operation));
        var ctx = VaultCallContext.None;

        switch (operation)
        {
            case "list":
                Assert.Equal(3, client.ListUploadSessions(ctx).Select(s => s.Id).Distinct().Count());
                break;
            case "details":
                Assert.Equal(VideoId, (await client.GetUploadSessionAsync(VideoId, ctx)).Id);
                break;
            case "parts":
                Assert.Equal([1, 2], client.ListUploadSessionParts(VideoId, ctx).Select(p => p.PartNumber));
                break;
            case "abort":
                await client.AbortUploadSessionAsync(VideoId, ctx);
                Assert.DoesNotContain(client.ListUploadSessions(ctx), s => s.Id == VideoId);
                break;
            default:
                var result = await new FileUploader(client, null, await client.ListUploadSessionsAsync(ctx)).UploadAsync(
                    new FileUploadRequest(_file, new FileInfo(_file).Length, "/matrix/file.bin") { Method = UploadMethod.UploadSession }, null, ctx);
                // A commit whose answer was lost after Vault took it is the one outcome without a job id: the
                // session gone and the file listed with its size (the emulator's job ends at once) say Staged.
                bool lostCommit = operation == "commit" && (kind is "drop" or "truncate" or "close-after-apply");
                Assert.Equal(lostCommit ? UploadStatus.Staged : UploadStatus.CommitAccepted, result.Status);
                // A call that was done although its answer was lost is never done again.
                if (kind is "drop" or "truncate" or "close-after-apply" && operation is "commit" or "create")
                    Assert.Equal(1, _emu.State.GetLog().Count(e => e.Operation == operation));
                var staged = _emu.State.GetStagedFile("/u10001400/matrix/file.bin");
                Assert.True(staged.Exists);
                Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(_file))), staged.Sha256, ignoreCase: true);
                // Nothing orphaned or duplicated: a second session, or one left uncommitted, would still be listed.
                Assert.Equal(3, client.ListUploadSessions(ctx).Count());
                break;
        }
    }
}
