using VaultStaging.Transfer;

namespace VaultStaging.Tests.Transfer;

/// <summary>The engine's promises, without a runspace: bounded concurrency, outcomes as work ends, and nothing left running after CancelAndWait/Dispose.</summary>
public sealed class TransferRunTests
{
    [Fact]
    public void Runs_at_most_the_throttle_limit_at_once_and_hands_out_every_outcome()
    {
        int running = 0, peak = 0;
        using var run = new TransferRun<int, int>(3, CancellationToken.None);
        run.Start(Enumerable.Range(1, 12), async (i, token) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(30, token);
            Interlocked.Decrement(ref running);
            return i * 10;
        });
        var results = new List<int>();
        while (!run.IsDone)
            if (run.TryTake(TimeSpan.FromMilliseconds(50), out var outcome)) results.Add(outcome.Result);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => i * 10).OrderBy(x => x), results.OrderBy(x => x));
        Assert.Equal(3, peak);
    }

    [Fact]
    public void A_failure_is_an_outcome_and_the_other_work_goes_on()
    {
        using var run = new TransferRun<int, int>(2, CancellationToken.None);
        run.Start([1, 2, 3], (i, token) => i == 2 ? throw new InvalidOperationException("two") : Task.FromResult(i));
        var outcomes = Drain(run);
        Assert.Equal(3, outcomes.Count);
        Assert.Equal("two", Assert.Single(outcomes, o => !o.Succeeded).Error!.Message);
    }

    [Fact]
    public void After_CancelAndWait_nothing_it_started_still_runs()
    {
        int finishedAfterReturn = 0;
        bool returned = false;
        var run = new TransferRun<int, int>(4, CancellationToken.None);
        run.Start(Enumerable.Range(1, 8), async (i, token) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                // A worker that ignored cancellation for a while still ends before CancelAndWait returns.
                Thread.Sleep(50);
                if (Volatile.Read(ref returned)) Interlocked.Increment(ref finishedAfterReturn);
            }
            return i;
        });
        Thread.Sleep(100);
        var left = run.CancelAndWait();
        Volatile.Write(ref returned, true);
        Thread.Sleep(200);
        Assert.Equal(0, finishedAfterReturn);
        Assert.Equal(8, left.Count);
        Assert.All(left, o => Assert.True(o.WasCancelled));
        run.Dispose();
    }

    [Fact]
    public void The_stop_token_it_was_made_with_cancels_the_work()
    {
        using var stop = new CancellationTokenSource();
        using var run = new TransferRun<int, int>(2, stop.Token);
        run.Start([1, 2], async (i, token) => { await Task.Delay(Timeout.Infinite, token); return i; });
        stop.Cancel();
        var outcomes = Drain(run);
        Assert.Equal(2, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.WasCancelled));
    }

    [Fact]
    public void Work_that_gives_its_place_back_lets_the_next_item_start_while_it_goes_on()
    {
        // Throttle 1: each item gives its place back, then waits for the other to have started. Had the place
        // not been given back, the first would wait for a second that cannot start, and time out.
        int started = 0, holdingPeak = 0, holding = 0;
        var bothStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var run = new TransferRun<int, int>(1, CancellationToken.None);
        run.Start([1, 2, 3], async (i, token, releaseSlot) =>
        {
            InterlockedMax(ref holdingPeak, Interlocked.Increment(ref holding));
            if (Interlocked.Increment(ref started) == 2) bothStarted.TrySetResult(true);
            await Task.Delay(20, token);
            Interlocked.Decrement(ref holding);
            releaseSlot();
            releaseSlot(); // a second call gives nothing more back
            await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), token);
            return i;
        });
        var outcomes = Drain(run);
        Assert.Equal(3, outcomes.Count(o => o.Succeeded));
        // Before giving their place back, never more than the throttle limit ran at once.
        Assert.Equal(1, holdingPeak);
    }

    private static List<TransferOutcome<int, int>> Drain(TransferRun<int, int> run)
    {
        var outcomes = new List<TransferOutcome<int, int>>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!run.IsDone && DateTime.UtcNow < deadline)
            if (run.TryTake(TimeSpan.FromMilliseconds(50), out var o)) outcomes.Add(o);
        return outcomes;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
