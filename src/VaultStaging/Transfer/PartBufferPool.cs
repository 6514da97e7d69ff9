using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// A fixed number of part-sized buffers, handed out and taken back. Renting waits while all are out:
    /// that wait is what bounds the reader's read-ahead, so memory per file stays at a few parts (up to
    /// 50 MiB each) whatever the file's size. Buffers are made on first need, then reused, so a 500 GB file
    /// allocates no more than a 10 MB one does. Plain arrays: no package (System.Buffers) needed.
    /// </summary>
    internal sealed class PartBufferPool
    {
        /// <summary>
        /// Buffers of closed pools, kept for the next file: uploading many files one after another (or a few
        /// at a time) then reuses a handful of large arrays instead of allocating two new ones per file,
        /// which on a 2-core machine costs as much as hashing. Capped so an idle session holds little.
        /// </summary>
        const long MaxSpareBytes = 64L * 1024 * 1024;
        static readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> Spares = new ConcurrentDictionary<int, ConcurrentBag<byte[]>>();
        static long s_spareBytes;

        readonly SemaphoreSlim _free;
        int _closed;
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
            if (Spares.TryGetValue(BufferSize, out ConcurrentBag<byte[]> spares) && spares.TryTake(out buffer))
            {
                Interlocked.Add(ref s_spareBytes, -buffer.Length);
                return buffer;
            }
            return new byte[BufferSize];
        }

        public void Return(byte[] buffer)
        {
            if (buffer == null) return;
            if (Volatile.Read(ref _closed) != 0) Spare(buffer);
            else _buffers.Add(buffer);
            Interlocked.Decrement(ref _rented);
            _free.Release();
        }

        /// <summary>The reader is done: its buffers (and those still out, when they come back) go to the spares.</summary>
        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            while (_buffers.TryTake(out byte[] buffer)) Spare(buffer);
        }

        static void Spare(byte[] buffer)
        {
            if (Interlocked.Add(ref s_spareBytes, buffer.Length) > MaxSpareBytes)
            {
                Interlocked.Add(ref s_spareBytes, -buffer.Length);
                return; // over the cap: let the GC have it
            }
            Spares.GetOrAdd(buffer.Length, _ => new ConcurrentBag<byte[]>()).Add(buffer);
        }
    }
}
