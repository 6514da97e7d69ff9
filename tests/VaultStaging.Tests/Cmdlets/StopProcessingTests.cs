using System.Diagnostics;
using System.Management.Automation;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>Ctrl+C (PowerShell.Stop, which calls StopProcessing) cancels a request in flight at once.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class StopProcessingTests(EmulatorFixture emulator)
{
    [Fact]
    public void Stop_cancels_a_slow_list_at_once()
    {
        emulator.Reset();
        using var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.AdminUserName, EmulatorFixture.AdminPassword);

        string faultId = emulator.State.AddFault(new FaultSpec { Kind = "slow", Operation = "list", DelayMs = 30_000, Count = 1 });

        using var ps = host.Create();
        ps.AddCommand("Get-VaultUploadSession");
        IAsyncResult pending = ps.BeginInvoke();

        // Wait until the list request is at the emulator (a count-1 fault is removed when a request takes it).
        var waiting = Stopwatch.StartNew();
        while (emulator.State.GetFaults().Any(f => f.Id == faultId))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(15), "Get-VaultUploadSession never sent its list request.");
            // (Never enumerate ps.Streams.* here: a PSDataCollection's enumerator blocks while the pipeline runs.)
            Assert.False(pending.IsCompleted, "Get-VaultUploadSession ended before its list request reached the emulator.");
            Thread.Sleep(20);
        }
        Thread.Sleep(100); // well inside the 30 s delay

        var stopping = Stopwatch.StartNew();
        ps.Stop();
        stopping.Stop();

        StopBound.Check(stopping.Elapsed);
        var state = ps.InvocationStateInfo;
        Assert.True(state.State == PSInvocationState.Stopped,
            $"State {state.State} after Stop() ({stopping.Elapsed.TotalMilliseconds:F0} ms, {waiting.Elapsed.TotalMilliseconds:F0} ms after BeginInvoke); " +
            $"reason: {state.Reason?.GetType().Name} {state.Reason?.Message}.");
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(pending));
        Assert.Empty(ps.Streams.Error); // stopping is not a failure

        // The runspace and its connection are still good: the next list answers at once with the seed's sessions.
        var again = host.Run("Get-VaultUploadSession");
        Assert.Null(again.Terminating);
        Assert.Empty(again.Errors);
        Assert.Equal(3, again.Objects.OfType<VaultStaging.UploadSession>().Count());
    }
}
