using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Upload
{
    /// <summary>
    /// A fixed number of part-sized buffers, handed out and taken back. Renting waits while all are out:
    /// that wait is what bounds the reader's read-ahead, so memory per file stays at a few parts (up to
    /// 50 MiB each) whatever the file's size. Buffers are made on first need, then reused, so a 500 GB file
    /// allocates no more than a 10 MB one does. Plain arrays: no package (System.Buffers) needed.
    /// </summary>
    internal sealed class PartBufferPool
    {
        readonly SemaphoreSlim _free;
        readonly ConcurrentBag<byte[]> _buffers = new ConcurrentBag<byte[]>();
        int _allocated;
        int _rented;
        int _peakRented;

        public PartBufferPool(int capacity, int bufferSize)
        {
            if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
            if (bufferSize < 1) throw new ArgumentOutOfRangeException(nameof(bufferSize));
            Capacity = capacity;
            BufferSize = bufferSize;
            _free = new SemaphoreSlim(capacity, capacity);
        }

        public int Capacity { get; }
        public int BufferSize { get; }

        /// <summary>Buffers created so far: never more than <see cref="Capacity"/>.</summary>
        public int Allocated => Volatile.Read(ref _allocated);

        /// <summary>The most buffers that were out at once.</summary>
        public int PeakRented => Volatile.Read(ref _peakRented);

        public async Task<byte[]> RentAsync(CancellationToken cancellationToken)
        {
            await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
            int rented = Interlocked.Increment(ref _rented);
            int peak;
            while (rented > (peak = Volatile.Read(ref _peakRented)) && Interlocked.CompareExchange(ref _peakRented, rented, peak) != peak) { }
            if (_buffers.TryTake(out byte[] buffer)) return buffer;
            Interlocked.Increment(ref _allocated);
            return new byte[BufferSize];
        }

        public void Return(byte[] buffer)
        {
            if (buffer == null) return;
            _buffers.Add(buffer);
            Interlocked.Decrement(ref _rented);
            _free.Release();
        }
    }
}
