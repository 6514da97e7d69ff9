namespace VaultStaging.Tests.Infrastructure;

/// <summary>
/// How long PowerShell.Stop() may take in the stop tests. The work each test stops would run on for 10 s or more
/// (a 30 s slow answer, a 10 s wait between job reads, a 120 s job), so a bound well below that still tells a
/// command that stopped from one that ran on, without failing when a loaded 2-core CI machine pauses for a second.
/// Ctrl+C is noticed within one 50 ms slice of the waiter (Host/CallRunner); a failure says the time Stop() took.
/// </summary>
public static class StopBound
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    public static void Check(TimeSpan took) =>
        Assert.True(took < Limit, $"Stop() took {took.TotalMilliseconds:F0} ms (bound {Limit.TotalMilliseconds:F0} ms, the work it stops lasts 10 s or more).");
}
