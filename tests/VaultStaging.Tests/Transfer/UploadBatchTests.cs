using System.Security;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Transfer;

/// <summary>A batch of uploads against the emulator: what the batch itself decides (issue 14).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class UploadBatchTests
{
    private readonly EmulatorFixture _emu;

    public UploadBatchTests(EmulatorFixture emu)
    {
        _emu = emu;
        _emu.Reset();
    }

    [Fact]
    public async Task With_Wait_a_file_waiting_for_its_commit_job_lets_the_next_file_start()
    {
        _emu.State.Options.JobDurationMs = 1500;
        _emu.State.Options.JobStatusMinIntervalSeconds = 1;
        var password = new SecureString();
        foreach (char c in EmulatorFixture.JanePassword) password.AppendChar(c);
        using var client = await VaultClient.ConnectWithPasswordAsync(_emu.BaseUri, EmulatorFixture.JaneUserName, password,
            new VaultClientOptions { JobStatusInterval = TimeSpan.FromSeconds(1) }, VaultCallContext.None);
        using var first = new TempFile(6 * 1024 * 1024 + 10, seed: 1);
        using var second = new TempFile(6 * 1024 * 1024 + 20, seed: 2);
        var files = new[] { first, second }.Select((f, i) => new FileUploadRequest(f.Path, f.Bytes.Length, $"/batch/file-{i + 1}.bin")
        {
            Method = UploadMethod.UploadSession,
            WaitForJob = true,
        }).ToList();

        using (var batch = new UploadBatch(client, null, files, throttleLimit: 1, VaultCallContext.None))
        {
            batch.Start();
            var outcomes = new List<TransferOutcome<FileUploadRequest, UploadResult>>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!batch.Run.IsDone && DateTime.UtcNow < deadline)
                if (batch.Run.TryTake(TimeSpan.FromMilliseconds(50), out var outcome)) outcomes.Add(outcome);
            Assert.Equal(2, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal(UploadStatus.Staged, o.Result?.Status));
        }

        // -ThrottleLimit 1, yet the second file's upload session was made while the first file's job was still
        // being waited for: the first file gave its place back once its commit was accepted.
        var log = _emu.State.GetLog();
        long secondCreate = log.Where(e => e.Operation == "create").Select(e => e.Seq).Max();
        long firstCommit = log.Where(e => e.Operation == "commit").Select(e => e.Seq).Min();
        long firstJob = log.Single(e => e.Seq == firstCommit).JobId!.Value;
        long firstJobLastRead = log.Where(e => e.Operation == "job" && e.JobId == firstJob).Select(e => e.Seq).Max();
        Assert.True(secondCreate < firstJobLastRead, $"The second file's session was made (log #{secondCreate}) only after the first job's last read (#{firstJobLastRead}).");
    }
}
