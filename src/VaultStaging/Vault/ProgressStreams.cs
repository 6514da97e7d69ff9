using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Vault
{
    /// <summary>
    /// A stream that calls back whenever bytes move through it, in slices small enough that a slow link
    /// still reports often: the attempt's time limit restarts on each, so it measures a stall, not a size.
    /// With a <see cref="BandwidthLimiter"/> (-MaximumBytesPerSecond) every slice is booked with it: a write
    /// waits before its slice moves, a read after. A wait for the cap is no stall, so the callback comes
    /// after it too; the wait ends at once when the attempt is cancelled (Ctrl+C, its time limit).
    /// </summary>
    internal sealed class ProgressStream : Stream
    {
        /// <summary>Writes are cut into slices of this size so the callback comes at least this often.</summary>
        const int Slice = 64 * 1024;

        readonly Stream _inner;
        readonly Action _moved;
        readonly bool _leaveOpen;
        readonly BandwidthLimiter _limiter;
        readonly CancellationToken _token;

        /// <summary>Bytes written through this stream.</summary>
        public long Written { get; private set; }

        public ProgressStream(Stream inner, Action moved, bool leaveOpen = false, BandwidthLimiter limiter = null, CancellationToken token = default)
        {
            _inner = inner ?? throw new ArgumentNullException(nameof(inner));
            _moved = moved;
            _leaveOpen = leaveOpen;
            _limiter = limiter;
            _token = token;
        }

        int SliceOf(int count) => Math.Min(count, _limiter?.SliceBytes ?? Slice);

        public override bool CanRead => _inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => _inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _inner.Read(buffer, offset, _limiter == null ? count : SliceOf(count));
            if (n > 0 && _limiter != null)
            {
                _moved?.Invoke();
                _limiter.Wait(n, before: false, _token);
            }
            if (n > 0) _moved?.Invoke();
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            // A reader that passes no token (the StreamReader under a JSON reader) reads with the stream's: a read
            // that waits is then stopped by the HTTP stack itself, and one asked for after a stop never starts.
            if (!cancellationToken.CanBeCanceled) cancellationToken = _token;
            int n = await _inner.ReadAsync(buffer, offset, _limiter == null ? count : SliceOf(count), cancellationToken).ConfigureAwait(false);
            if (n > 0 && _limiter != null)
            {
                _moved?.Invoke();
                using (var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _token))
                    await _limiter.WaitAsync(n, before: false, both.Token).ConfigureAwait(false);
            }
            if (n > 0) _moved?.Invoke();
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                int n = SliceOf(count);
                _limiter?.Wait(n, before: true, _token);
                _inner.Write(buffer, offset, n);
                Written += n;
                _moved?.Invoke();
                offset += n;
                count -= n;
            }
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                int n = SliceOf(count);
                if (_limiter != null)
                {
                    using (var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _token))
                        await _limiter.WaitAsync(n, before: true, both.Token).ConfigureAwait(false);
                    _moved?.Invoke(); // the wait was the cap's, not a stall
                }
                await _inner.WriteAsync(buffer, offset, n, cancellationToken).ConfigureAwait(false);
                Written += n;
                _moved?.Invoke();
                offset += n;
                count -= n;
            }
        }

        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_leaveOpen) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// A request body that reports its bytes as they are written to the connection (see
    /// <see cref="ProgressStream"/>), and when it is all written, how many bytes it had.
    /// </summary>
    internal sealed class ProgressContent : HttpContent
    {
        readonly HttpContent _inner;
        readonly Action _moved;
        readonly Action<long> _written;
        readonly BandwidthLimiter _limiter;
        readonly CancellationToken _token;

        public ProgressContent(HttpContent inner, Action moved, Action<long> written, BandwidthLimiter limiter = null, CancellationToken token = default)
        {
            _inner = inner;
            _moved = moved;
            _written = written;
            _limiter = limiter;
            _token = token;
            foreach (var header in inner.Headers)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                    Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext context)
        {
            var counting = new ProgressStream(stream, _moved, leaveOpen: true, _limiter, _token);
            await _inner.CopyToAsync(counting).ConfigureAwait(false);
            _written?.Invoke(counting.Written);
        }

        protected override bool TryComputeLength(out long length)
        {
            long? known = _inner.Headers.ContentLength;
            length = known ?? -1;
            return known.HasValue;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
