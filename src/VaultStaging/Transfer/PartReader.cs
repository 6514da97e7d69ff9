using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// Reads the parts of a file from disk, in ascending part order, and hashes each one, ahead of the
    /// caller: while the caller sends part N, a background task reads and hashes part N+1 (up to
    /// <c>readAhead</c> parts), so the disk, the CPU and the network work at once. Vault takes the parts of
    /// one file only in numerical order, so this overlap is the only parallelism within one file.
    /// <para>
    /// Memory is bounded: at most <c>readAhead + 1</c> part buffers exist, whether held by the caller or
    /// read ahead, and they are reused. The caller must dispose each <see cref="FilePart"/> when done with
    /// it, and may hold at most <c>readAhead</c> parts when asking for the next (else it would wait for
    /// itself; <see cref="NextAsync"/> refuses instead).
    /// </para>
    /// <para>
    /// The file is opened once with <see cref="FileShare.Read"/> (others may read it, writers are refused
    /// where the OS enforces it) and its length is checked against the plan before every part and after the
    /// last: a file that grows or shrinks during the upload fails with error type FILE_CHANGED rather than
    /// staging a mix of two versions.
    /// </para>
    /// Not thread-safe: one caller asks for parts, one at a time.
    /// </summary>
    internal sealed class PartReader : IDisposable
    {
        /// <summary>
        /// FileStream's own buffer. Parts are read straight into part buffers (reads larger than the
        /// stream's buffer bypass it), so this only matters for the odd short read; large anyway so that
        /// the OS sees big sequential reads.
        /// </summary>
        const int FileBufferSize = 1024 * 1024;

        readonly string _path;
        readonly PartPlan _plan;
        readonly int[] _partNumbers;
        readonly FileStream _file;
        readonly HashAlgorithm _md5 = Md5Hex.CreateHasher();
        readonly PartBufferPool _pool;
        readonly ConcurrentQueue<ReadResult> _ready = new ConcurrentQueue<ReadResult>();
        readonly SemaphoreSlim _readyCount = new SemaphoreSlim(0);
        readonly CancellationTokenSource _stop = new CancellationTokenSource();
        readonly Task _producer;
        int _heldByCaller;
        ExceptionDispatchInfo _fault;
        bool _ended;
        int _disposed;

        /// <summary>
        /// Opens <paramref name="path"/> and starts reading ahead. <paramref name="partNumbers"/> limits
        /// the reading to those parts (ascending, as they are to be sent; e.g. what a resume still needs);
        /// by default every part of the plan. <paramref name="readAhead"/> is how many parts may be read
        /// beyond the one the caller holds: 1 overlaps reading with sending; 0 reads only on demand.
        /// </summary>
        /// <exception cref="VaultException">The file's length is not the plan's (error type FILE_CHANGED).</exception>
        public PartReader(string path, PartPlan plan, int readAhead = 1, IEnumerable<int> partNumbers = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            _plan = plan ?? throw new ArgumentNullException(nameof(plan));
            if (readAhead < 0) throw new ArgumentOutOfRangeException(nameof(readAhead), readAhead, "The read-ahead cannot be negative.");
            _partNumbers = CheckPartNumbers(partNumbers, plan);
            _path = path;

            _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, FileOptions.SequentialScan);
            try
            {
                CheckLength();
            }
            catch
            {
                _file.Dispose();
                _md5.Dispose();
                throw;
            }

            _pool = new PartBufferPool(readAhead + 1, (int)plan.LargestPartSize);
            CancellationToken stop = _stop.Token;
            _producer = Task.Run(() => ProduceAsync(stop));
        }

        /// <summary>The plan the parts follow.</summary>
        public PartPlan Plan => _plan;

        /// <summary>Part buffers allocated so far; never above read-ahead + 1 (for tests).</summary>
        internal int BuffersAllocated => _pool.Allocated;

        /// <summary>The most part buffers that were out at once (for tests).</summary>
        internal int PeakBuffersInUse => _pool.PeakRented;

        /// <summary>How many buffers the reader may have: read-ahead + 1.</summary>
        internal int BufferCapacity => _pool.Capacity;

        /// <summary>
        /// The next part, or null after the last one. Waits only if the part is not read yet. A read error
        /// (including FILE_CHANGED) is thrown here, and again on every later call.
        /// </summary>
        /// <exception cref="InvalidOperationException">The caller holds read-ahead + 1 undisposed parts: no buffer is left to read into.</exception>
        public async Task<FilePart> NextAsync(CancellationToken cancellationToken = default)
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(PartReader));
            _fault?.Throw();
            if (_ended) return null;
            // With every buffer held by the caller the next part can never be read. An end marker or a
            // fault already queued needs no buffer (the end is queued together with the last part).
            if (Volatile.Read(ref _heldByCaller) >= _pool.Capacity && _readyCount.CurrentCount == 0)
                throw new InvalidOperationException(
                    $"All {_pool.Capacity} part buffers are held by undisposed parts; dispose a part before asking for the next one.");

            await _readyCount.WaitAsync(cancellationToken).ConfigureAwait(false);
            // Woken by Dispose: fail rather than answer null, which would mean "the file is complete".
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(PartReader));
            _ready.TryDequeue(out ReadResult result);
            if (result.Fault != null)
            {
                _fault = result.Fault;
                _fault.Throw();
            }
            if (result.Part == null)
            {
                _ended = true;
                return null;
            }
            Interlocked.Increment(ref _heldByCaller);
            return result.Part;
        }

        /// <summary>Stops reading ahead and closes the file. Parts still held stay valid until disposed.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _stop.Cancel();
            try { _producer.Wait(); } catch (AggregateException) { } // its faults are reported through NextAsync
            while (_ready.TryDequeue(out ReadResult left)) left.Part?.Dispose();
            _pool.Close(); // the buffers serve the next file
            _readyCount.Release(); // wakes a NextAsync still waiting, which then throws ObjectDisposedException
            _file.Dispose();
            _md5.Dispose();
            _stop.Dispose();
        }

        async Task ProduceAsync(CancellationToken stop)
        {
            try
            {
                if (_partNumbers.Length == 0) Publish(default(ReadResult), end: true);
                for (int i = 0; i < _partNumbers.Length; i++)
                {
                    int number = _partNumbers[i];
                    byte[] buffer = await _pool.RentAsync(stop).ConfigureAwait(false);
                    FilePart part;
                    try
                    {
                        part = Read(_plan.GetPart(number), buffer);
                    }
                    catch
                    {
                        _pool.Return(buffer);
                        throw;
                    }
                    Publish(new ReadResult(part, null), end: i == _partNumbers.Length - 1);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Disposed: nobody is waiting for more.
            }
            catch (Exception ex)
            {
                Publish(new ReadResult(null, ExceptionDispatchInfo.Capture(ex)));
            }
        }

        FilePart Read(PlannedPart planned, byte[] buffer)
        {
            CheckLength();
            int length = (int)planned.Length;
            if (_file.Position != planned.Offset) _file.Position = planned.Offset;
            int total = 0;
            while (total < length)
            {
                int read = _file.Read(buffer, total, length - total);
                if (read == 0) throw FileChanged(_path, _plan.FileSize, _file.Length);
                total += read;
            }
            // Checked again after reading: a file cut short while we read would otherwise go unnoticed
            // until a later part, and the last part has no later part.
            CheckLength();
            string md5 = Md5Hex.Compute(_md5, buffer, 0, length);
            return new FilePart(planned.PartNumber, planned.Offset, length, md5, buffer, ReleaseFromCaller);
        }

        void ReleaseFromCaller(byte[] buffer)
        {
            Interlocked.Decrement(ref _heldByCaller);
            _pool.Return(buffer);
        }

        /// <summary>
        /// Queues a result; with <paramref name="end"/> also the end marker, in the same step, so a caller
        /// that has the last part always finds the end already queued.
        /// </summary>
        void Publish(ReadResult result, bool end = false)
        {
            int count = 0;
            if (result.Part != null || result.Fault != null)
            {
                _ready.Enqueue(result);
                count++;
            }
            if (end)
            {
                _ready.Enqueue(default(ReadResult));
                count++;
            }
            _readyCount.Release(count);
        }

        void CheckLength()
        {
            long length = _file.Length;
            if (length != _plan.FileSize) throw FileChanged(_path, _plan.FileSize, length);
        }

        /// <summary>The error for a local file whose size is no longer the one the upload was planned for.</summary>
        internal static VaultException FileChanged(string path, long planned, long now) =>
            new VaultException(VaultFailureKind.Client, "FILE_CHANGED",
                $"The file '{path}' changed during the upload: it was {PartPlanner.Bytes(planned)} when the upload was planned " +
                $"and is now {PartPlanner.Bytes(now)}.",
                hint: "Wait until nothing is writing to the file, then run the upload again; the unfinished upload session " +
                      "is for the old size, so it will be started over (or remove it with Remove-VaultUploadSession).");

        static int[] CheckPartNumbers(IEnumerable<int> partNumbers, PartPlan plan)
        {
            if (partNumbers == null)
            {
                var all = new int[plan.PartCount];
                for (int i = 0; i < all.Length; i++) all[i] = i + 1;
                return all;
            }
            var list = new List<int>(partNumbers);
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] < 1 || list[i] > plan.PartCount)
                    throw new ArgumentOutOfRangeException(nameof(partNumbers), list[i], $"Part numbers of this file are 1 to {plan.PartCount}.");
                if (i > 0 && list[i] <= list[i - 1])
                    throw new ArgumentException("Part numbers must be in ascending order without repeats: Vault takes parts in numerical order.", nameof(partNumbers));
            }
            return list.ToArray();
        }

        struct ReadResult
        {
            public ReadResult(FilePart part, ExceptionDispatchInfo fault)
            {
                Part = part;
                Fault = fault;
            }

            public FilePart Part { get; }
            public ExceptionDispatchInfo Fault { get; }
        }
    }
}
