using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// The memory that ranges fetched ahead of their turn may hold, shared by every file of one command. A range
    /// that finds it full stops reading from its connection until the ranges before it are on disk.
    /// </summary>
    internal sealed class ReorderWindow
    {
        /// <summary>The size of a held piece (one read of a download gives at most this much).</summary>
        internal const int PieceSize = 81920;

        /// <summary>Pieces of ended commands, kept for the next (as PartBufferPool keeps its buffers), capped so an idle session holds little.</summary>
        const int MaxSparePieces = (int)(64L * 1024 * 1024 / PieceSize);
        static readonly ConcurrentBag<byte[]> Spares = new ConcurrentBag<byte[]>();

        readonly object _gate = new object();
        long _free;
        long _held;
        TaskCompletionSource<bool> _changed = NewSignal();

        public ReorderWindow(long bytes)
        {
            Bytes = bytes;
            _free = bytes;
        }

        public long Bytes { get; }

        /// <summary>The most bytes held at once so far (what the bound is checked against).</summary>
        public long PeakHeld { get; private set; }

        /// <summary>Completes the next time bytes are given back.</summary>
        public Task Changed
        {
            get { lock (_gate) return _changed.Task; }
        }

        /// <summary>
        /// A piece of <see cref="PieceSize"/> bytes, or null when the window is full. Pieces are used again:
        /// holding ranges back makes no garbage, and what is counted is what is held.
        /// </summary>
        public byte[] TryTake()
        {
            lock (_gate)
            {
                if (_free < PieceSize) return null;
                _free -= PieceSize;
                _held += PieceSize;
                if (_held > PeakHeld) PeakHeld = _held;
                return Spares.TryTake(out byte[] spare) ? spare : new byte[PieceSize];
            }
        }

        public void Give(byte[] piece)
        {
            TaskCompletionSource<bool> waiting;
            lock (_gate)
            {
                _free += PieceSize;
                _held -= PieceSize;
                if (Spares.Count < MaxSparePieces) Spares.Add(piece);
                waiting = _changed;
                _changed = NewSignal();
            }
            waiting.TrySetResult(true);
        }

        internal static TaskCompletionSource<bool> NewSignal() => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Writes the ranges of one file to its temporary file in ascending order of offset while they are fetched
    /// at the same time: on NTFS a write far past the data written so far makes Windows fill the gap with zeros
    /// first, at once, so out of order most of a large file would be written twice. The lowest range not yet on
    /// disk (the frontier) writes straight through; a range ahead of it keeps its bytes in memory, within the
    /// command's <see cref="ReorderWindow"/>, and waits (reading no more) when that is full. Each range, once on
    /// disk and flushed, is handed to <c>rangeWritten</c> (the journal). Only one writer touches the file at a
    /// time: the frontier's fetcher, or, for a range already complete when its turn comes, the fetcher that
    /// finished the range before it.
    /// </summary>
    internal sealed class OrderedRangeWriter : IDisposable
    {
        sealed class Range
        {
            public long Offset;
            public long Written;   // bytes on disk
            public readonly List<KeyValuePair<byte[], int>> Held = new List<KeyValuePair<byte[], int>>(); // piece, bytes in it
            public bool Received;  // every byte arrived (held or written)
        }

        readonly Stream _file;
        readonly ReorderWindow _window;
        readonly Action<int> _rangeWritten;
        readonly List<int> _order;
        readonly Dictionary<int, Range> _ranges = new Dictionary<int, Range>();
        readonly object _gate = new object();
        int _frontier; // position in _order of the lowest range not yet on disk
        TaskCompletionSource<bool> _advanced = ReorderWindow.NewSignal();

        /// <param name="file">The temporary file, seekable.</param>
        /// <param name="ranges">The ranges to write: index and offset, in ascending order.</param>
        /// <param name="window">The memory ranges ahead of their turn may hold.</param>
        /// <param name="rangeWritten">Called with a range's index once all its bytes are on disk and flushed.</param>
        public OrderedRangeWriter(Stream file, IReadOnlyList<KeyValuePair<int, long>> ranges, ReorderWindow window, Action<int> rangeWritten)
        {
            _file = file;
            _window = window;
            _rangeWritten = rangeWritten;
            _order = new List<int>(ranges.Count);
            foreach (KeyValuePair<int, long> r in ranges)
            {
                _order.Add(r.Key);
                _ranges[r.Key] = new Range { Offset = r.Value };
            }
        }

        bool IsFrontier(int index) => _frontier < _order.Count && _order[_frontier] == index;

        /// <summary>The next bytes of range <paramref name="index"/>, in the order they came.</summary>
        public async Task WriteAsync(int index, byte[] buffer, int start, int count, CancellationToken token)
        {
            Range range = _ranges[index];
            while (count > 0)
            {
                Task windowChanged = _window.Changed;
                Task advanced;
                bool frontier;
                lock (_gate)
                {
                    advanced = _advanced.Task;
                    frontier = IsFrontier(index);
                    if (!frontier)
                    {
                        // Ahead of its turn: into the room left in its last piece, then into new pieces.
                        KeyValuePair<byte[], int> last = range.Held.Count > 0 ? range.Held[range.Held.Count - 1] : default(KeyValuePair<byte[], int>);
                        int room = last.Key == null ? 0 : ReorderWindow.PieceSize - last.Value;
                        if (room == 0)
                        {
                            byte[] piece = _window.TryTake();
                            if (piece != null)
                            {
                                range.Held.Add(last = new KeyValuePair<byte[], int>(piece, 0));
                                room = ReorderWindow.PieceSize;
                            }
                        }
                        if (room > 0)
                        {
                            int n = Math.Min(room, count);
                            Buffer.BlockCopy(buffer, start, last.Key, last.Value, n);
                            range.Held[range.Held.Count - 1] = new KeyValuePair<byte[], int>(last.Key, last.Value + n);
                            start += n;
                            count -= n;
                            continue;
                        }
                    }
                }
                if (frontier)
                {
                    // Its turn: what it held while it waited goes first, then these bytes.
                    await WriteHeldAsync(range, token).ConfigureAwait(false);
                    await WriteAtAsync(range, buffer, start, count, token).ConfigureAwait(false);
                    return;
                }
                // The window is full: read no more until memory is given back or this range's turn comes.
                await WaitAnyAsync(windowChanged, advanced, token).ConfigureAwait(false);
            }
        }

        /// <summary>Every byte of range <paramref name="index"/> has come: on disk now if it is its turn, else when it is.</summary>
        public async Task CompleteAsync(int index, CancellationToken token)
        {
            lock (_gate)
            {
                _ranges[index].Received = true;
                if (!IsFrontier(index)) return; // the range before it writes it when it is done
            }
            // This range, then every range after it that is complete already, goes to disk in order.
            while (true)
            {
                Range range;
                lock (_gate) range = _ranges[_order[_frontier]];
                await WriteHeldAsync(range, token).ConfigureAwait(false);
                await _file.FlushAsync(token).ConfigureAwait(false);
                if (_file is FileStream fs) fs.Flush(true);
                _rangeWritten(_order[_frontier]);
                TaskCompletionSource<bool> advanced;
                lock (_gate)
                {
                    _frontier++;
                    advanced = _advanced;
                    _advanced = ReorderWindow.NewSignal();
                    if (_frontier == _order.Count || !_ranges[_order[_frontier]].Received) range = null;
                }
                advanced.TrySetResult(true);
                if (range == null) return;
            }
        }

        async Task WriteHeldAsync(Range range, CancellationToken token)
        {
            while (true)
            {
                KeyValuePair<byte[], int>[] held;
                lock (_gate)
                {
                    if (range.Held.Count == 0) return;
                    held = range.Held.ToArray();
                    range.Held.Clear();
                }
                int given = 0;
                try
                {
                    for (; given < held.Length; given++)
                    {
                        await WriteAtAsync(range, held[given].Key, 0, held[given].Value, token).ConfigureAwait(false);
                        _window.Give(held[given].Key);
                    }
                }
                finally
                {
                    // A failed write: the memory of what was not written goes back all the same.
                    for (int rest = given; rest < held.Length; rest++) _window.Give(held[rest].Key);
                }
            }
        }

        async Task WriteAtAsync(Range range, byte[] buffer, int start, int count, CancellationToken token)
        {
            _file.Position = range.Offset + range.Written;
            await _file.WriteAsync(buffer, start, count, token).ConfigureAwait(false);
            range.Written += count;
        }

        static async Task WaitAnyAsync(Task a, Task b, CancellationToken token)
        {
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (token.Register(() => cancelled.TrySetResult(true)))
                await Task.WhenAny(a, b, cancelled.Task).ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
        }

        /// <summary>Gives back the memory of ranges that will not be written (a failure or Ctrl+C); call once every range has ended.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                foreach (Range range in _ranges.Values)
                {
                    foreach (KeyValuePair<byte[], int> piece in range.Held) _window.Give(piece.Key);
                    range.Held.Clear();
                }
            }
        }
    }
}
