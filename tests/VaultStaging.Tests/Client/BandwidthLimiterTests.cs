using System.Diagnostics;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>
/// -MaximumBytesPerSecond's token bucket, and the stream that books every slice with it. Times are asserted
/// from below only (a loaded machine is slower, never faster than the cap).
/// </summary>
public sealed class BandwidthLimiterTests
{
    [Fact]
    public async Task Streams_running_at_once_share_the_cap()
    {
        var limiter = new BandwidthLimiter(200_000);
        var watch = Stopwatch.StartNew();
        // Four writers of 100,000 bytes each: 400,000 bytes at 200,000 B/s take about 2 s together.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var sink = new ProgressStream(new MemoryStream(), null, limiter: limiter);
            byte[] data = new byte[100_000];
            await sink.WriteAsync(data, 0, data.Length, CancellationToken.None);
        })));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.8 * 2 - 0.2), $"400,000 bytes at 200,000 B/s took {watch.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task Reads_are_capped_and_every_slice_counts_as_a_byte_moved()
    {
        var limiter = new BandwidthLimiter(100_000);
        int moved = 0;
        var source = new ProgressStream(new MemoryStream(new byte[150_000]), () => Interlocked.Increment(ref moved), limiter: limiter);
        var watch = Stopwatch.StartNew();
        byte[] buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = await source.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None)) > 0) total += n;
        Assert.Equal(150_000, total);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.8 * 1.5 - 0.2), $"took {watch.Elapsed.TotalSeconds:0.00} s");
        // Slices of at most 5,000 bytes (a twentieth of a second): the call's idle limit sees bytes often.
        Assert.Equal(5_000, limiter.SliceBytes);
        Assert.True(moved >= 150_000 / 5_000, $"{moved} callbacks");
    }

    [Fact]
    public async Task A_wait_ends_at_once_when_the_call_is_cancelled()
    {
        var limiter = new BandwidthLimiter(1024);
        limiter.Book(100 * 1024); // the next 100 s are taken
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var sink = new ProgressStream(new MemoryStream(), null, limiter: limiter, token: cts.Token);
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sink.WriteAsync(new byte[1024], 0, 1024, CancellationToken.None));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(50), "the wait for the cap ignored the cancellation");
    }

    [Fact]
    public void A_slice_is_small_enough_to_keep_bytes_moving_and_never_below_1_KiB()
    {
        Assert.Equal(64 * 1024, new BandwidthLimiter(100L * 1024 * 1024).SliceBytes);
        Assert.Equal(1024, new BandwidthLimiter(1).SliceBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BandwidthLimiter(0));
    }
}
