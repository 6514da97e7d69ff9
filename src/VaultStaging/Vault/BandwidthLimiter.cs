using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Vault
{
    /// <summary>
    /// -MaximumBytesPerSecond: one token bucket shared by every transfer of a command, both directions
    /// (rclone --bwlimit, AzCopy --cap-mbps). Bytes are booked on a virtual clock that runs at the cap:
    /// each booking takes the next free stretch of it, so waiters are served in the order they came and no
    /// transfer starves however many run at once. A short idle credit (<see cref="Burst"/>) absorbs timer
    /// lateness without letting the average pass the cap. Streams book small slices
    /// (<see cref="SliceBytes"/>), so bytes keep moving often and a wait is never long: the call's time
    /// limit, which counts from the last byte moved, still measures a stall, not the cap.
    /// </summary>
    public sealed class BandwidthLimiter
    {
        /// <summary>How much unused time may be spent at once after a pause.</summary>
        static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(200);

        readonly object _gate = new object();
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly double _ticksPerByte;
        long _nextFree; // Stopwatch ticks: when the bytes booked so far are all paid for

        public BandwidthLimiter(long bytesPerSecond)
        {
            if (bytesPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), "The cap must be above zero.");
            BytesPerSecond = bytesPerSecond;
            _ticksPerByte = (double)Stopwatch.Frequency / bytesPerSecond;
            // At most a twentieth of a second's worth per booking, between 1 KiB and 64 KiB.
            SliceBytes = (int)Math.Max(1024, Math.Min(64 * 1024, bytesPerSecond / 20));
        }

        public long BytesPerSecond { get; }

        /// <summary>The most a stream moves between two bookings.</summary>
        public int SliceBytes { get; }

        /// <summary>Books <paramref name="bytes"/> and returns how long to wait before they may move (zero: at once).</summary>
        public TimeSpan Book(int bytes) => Book(bytes, startOfBooking: true);

        /// <summary>
        /// Books <paramref name="bytes"/> and waits: before they move (<paramref name="before"/>: the wait ends
        /// when their stretch begins) or after they moved (a read: the wait ends when their stretch ends, so the
        /// next read comes no sooner than the cap allows). Ends at once on <paramref name="cancellationToken"/>.
        /// </summary>
        public Task WaitAsync(int bytes, bool before, CancellationToken cancellationToken)
        {
            TimeSpan wait = Book(bytes, before);
            return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, cancellationToken);
        }

        /// <summary>The same for a synchronous stream call.</summary>
        public void Wait(int bytes, bool before, CancellationToken cancellationToken)
        {
            TimeSpan wait = Book(bytes, before);
            if (wait > TimeSpan.Zero && cancellationToken.WaitHandle.WaitOne(wait)) cancellationToken.ThrowIfCancellationRequested();
        }

        TimeSpan Book(int bytes, bool startOfBooking)
        {
            long now = _clock.ElapsedTicks;
            long start, end;
            lock (_gate)
            {
                long earliest = now - (long)(Burst.TotalSeconds * Stopwatch.Frequency);
                start = Math.Max(_nextFree, earliest);
                end = start + (long)(bytes * _ticksPerByte);
                _nextFree = end;
            }
            long until = startOfBooking ? start : end;
            return until <= now ? TimeSpan.Zero : TimeSpan.FromSeconds((until - now) / (double)Stopwatch.Frequency);
        }
    }
}
