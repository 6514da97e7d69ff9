using System.Diagnostics;
using System.Management.Automation;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>Ctrl+C during an upload and during a job wait: stops within a second, and nothing staged is lost.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class StopLongRunningTests(EmulatorFixture emulator) : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "stop-" + Guid.NewGuid().ToString("N") + ".bin");

    public void Dispose() => File.Delete(_file);

    private void WriteFile(int bytes)
    {
        var data = new byte[bytes];
        new Random(5).NextBytes(data);
        File.WriteAllBytes(_file, data);
    }

    private static TimeSpan StopAndTime(PowerShell ps, IAsyncResult pending)
    {
        var stopping = Stopwatch.StartNew();
        ps.Stop();
        stopping.Stop();
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(pending));
        return stopping.Elapsed;
    }

    private static void WaitFor(Func<bool> condition, IAsyncResult pending, string what)
    {
        var waiting = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(15), what + " never happened.");
            Assert.False(pending.IsCompleted, "The command ended before " + what);
            Thread.Sleep(20);
        }
        Thread.Sleep(100);
    }

    [Fact]
    public void Stop_cancels_an_upload_at_once_and_leaves_it_resumable()
    {
        emulator.Reset();
        WriteFile(16 * 1024 * 1024); // 4 parts
        using var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        string faultId = emulator.State.AddFault(new FaultSpec { Kind = "slow", Operation = "upload", PartNumber = 3, DelayMs = 30_000 });

        using var ps = host.Create();
        ps.AddCommand("Send-VaultFile").AddParameter("LiteralPath", _file).AddParameter("Destination", "/stop/upload.bin").AddParameter("UploadMethod", "UploadSession");
        IAsyncResult pending = ps.BeginInvoke();
        WaitFor(() => emulator.State.GetFaults().All(f => f.Id != faultId), pending, "part 3 reached the emulator");

        TimeSpan took = StopAndTime(ps, pending);
        StopBound.Check(took);

        // The session and its first two parts are still there, and the same command finishes the job.
        emulator.State.ClearFaults();
        var again = host.Run("Send-VaultFile -LiteralPath $file -Destination /stop/upload.bin -UploadMethod UploadSession -PassThru", new Dictionary<string, object?> { ["file"] = _file });
        Assert.Empty(again.Errors);
        var result = Assert.IsType<VaultStaging.Transfer.UploadResult>(Assert.Single(again.Objects));
        Assert.True(result.Resumed);
        Assert.Equal(2, result.PartsAlreadyThere);
        Assert.True(emulator.State.GetStagedFile("/u10001400/stop/upload.bin").Exists);
    }

    [Fact]
    public void Stop_cancels_a_job_wait_at_once()
    {
        emulator.Reset();
        emulator.State.Options.JobDurationMs = 120_000;
        WriteFile(1000);
        using var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);

        using var ps = host.Create();
        ps.AddCommand("Send-VaultFile").AddParameter("LiteralPath", _file).AddParameter("Destination", "/stop/job.bin").AddParameter("UploadMethod", "UploadSession").AddParameter("Wait");
        IAsyncResult pending = ps.BeginInvoke();
        WaitFor(() => emulator.State.GetLog().Any(e => e.Operation == "job"), pending, "the first job status read");

        TimeSpan took = StopAndTime(ps, pending);
        StopBound.Check(took);
        // Stopping the wait does not stop the job: it was committed, and the session is gone.
        Assert.DoesNotContain(emulator.State.GetLog(), e => e.Operation == "abort");
    }

    [Fact]
    public void After_Stop_the_host_is_told_each_unfinished_session_and_how_to_resume_or_abort_it()
    {
        emulator.Reset();
        WriteFile(16 * 1024 * 1024);
        var console = new RecordingHost();
        using var host = new PowerShellHost(console);
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        string faultId = emulator.State.AddFault(new FaultSpec { Kind = "slow", Operation = "upload", PartNumber = 2, DelayMs = 30_000 });

        using var ps = host.Create();
        ps.AddCommand("Send-VaultFile").AddParameter("LiteralPath", _file).AddParameter("Destination", "/stop/it's here.bin").AddParameter("UploadMethod", "UploadSession");
        IAsyncResult pending = ps.BeginInvoke();
        WaitFor(() => emulator.State.GetFaults().All(f => f.Id != faultId), pending, "part 2 reached the emulator");
        StopAndTime(ps, pending);

        var session = emulator.State.GetSnapshot().Sessions.Single(s => s.Path.EndsWith("/stop/it's here.bin"));
        string warning = Assert.Single(console.Warnings);
        Assert.Contains($"Upload session {session.Id} stays active", warning);
        Assert.Contains($"To resume it, run: Send-VaultFile -LiteralPath '{_file}' -Destination '/stop/it''s here.bin' -UploadMethod UploadSession.", warning.Replace(" (or the same command again).", "."));
        Assert.Contains($"To abort it, run: Remove-VaultUploadSession -Id '{session.Id}'.", warning);
        Assert.Contains("was stopped. Upload session", warning);
    }
}
