using System.Diagnostics;
using System.Management.Automation;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>
/// Ctrl+C (PowerShell.Stop) during Test-VaultConnection: the command stops, and before it returns it has removed
/// its test folder and aborted its upload session, so the emulator holds what it held before.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class TestVaultConnectionStopTests(EmulatorFixture emulator)
{
    [Fact]
    public void Stop_while_a_part_is_on_the_way_removes_the_folder_and_aborts_the_session()
    {
        emulator.Reset();
        var before = Snapshot();
        // The first part is held at the emulator: the session and the folder (with small.bin) exist by then.
        string faultId = emulator.State.AddFault(new FaultSpec { Kind = "slow", Operation = "upload", DelayMs = 60_000, Count = 1 });

        StopOnceReached(faultId);

        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Stop_while_the_commit_job_is_waited_for_lets_the_job_end_then_removes_its_file_and_folder()
    {
        emulator.Reset();
        var before = Snapshot();
        // A commit job of 3 s: the first status read says QUEUED, and Ctrl+C comes during the 10-second wait for
        // the next. The job makes its file (and its folder) when it ends; a delete job (done at once here) that ran
        // before that would leave them behind.
        emulator.State.Options.JobDurationMs = 3000;
        emulator.State.Options.ItemJobDurationMs = 0;
        string faultId = emulator.State.AddFault(new FaultSpec { Kind = "slow", Operation = "job", DelayMs = 1, Count = 1 });

        StopOnceReached(faultId);

        // The emulator's jobs run on: compare once the last has ended (a commit that ended late would add its file).
        var waiting = Stopwatch.StartNew();
        while (emulator.State.GetSnapshot().Jobs.Any(j => j.Status is "QUEUED" or "RUNNING"))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "The emulator's jobs did not end.");
            Thread.Sleep(50);
        }
        Assert.Equal(before, Snapshot());
    }

    /// <summary>Runs Test-VaultConnection as jane, calls Stop() once the request the fault holds has reached the emulator.</summary>
    private void StopOnceReached(string faultId)
    {
        using var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        using var ps = host.Create();
        ps.AddCommand("Test-VaultConnection");
        IAsyncResult pending = ps.BeginInvoke();

        var waiting = Stopwatch.StartNew();
        while (emulator.State.GetFaults().Any(f => f.Id == faultId))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(60), "Test-VaultConnection never reached the call the test stops it in.");
            Assert.False(pending.IsCompleted, "Test-VaultConnection ended before the call the test stops it in.");
            Thread.Sleep(20);
        }
        Thread.Sleep(100);

        ps.Stop(); // returns once the command has returned, clean-up included
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(pending));
        Assert.Empty(ps.Streams.Error);
    }

    /// <summary>What a user could see: the staged tree (paths and sizes) and the active upload sessions.</summary>
    private string Snapshot()
    {
        string root = emulator.State.FilesRoot;
        var tree = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p) + (Directory.Exists(p) ? "/" : " " + new FileInfo(p).Length))
            .OrderBy(p => p, StringComparer.Ordinal);
        var sessions = emulator.State.GetSnapshot().Sessions.Where(s => s.State == "active").Select(s => s.Id).OrderBy(s => s, StringComparer.Ordinal);
        return string.Join("\n", tree) + "\n--\n" + string.Join("\n", sessions);
    }
}
