using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// Reads a local file for an upload and hashes every byte on the way, so a small file is read once:
    /// the MD5 of exactly what was sent is known when the answer comes. Reports each read to
    /// <c>onRead</c> (progress).
    /// </summary>
    internal sealed class HashingReadStream : Stream
    {
        readonly Stream _inner;
        readonly HashAlgorithm _md5 = Transfer.Md5Hex.CreateHasher();
        readonly Action<int> _onRead;
        string _hex;

        public HashingReadStream(Stream inner, Action<int> onRead)
        {
            _inner = inner;
            _onRead = onRead;
        }

        /// <summary>The MD5 of everything read, once the stream was read to its end or disposed.</summary>
        public string Md5Hex => _hex;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Hashed(buffer, offset, _inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Hashed(buffer, offset, await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

        int Hashed(byte[] buffer, int offset, int n)
        {
            if (n > 0)
            {
                _md5.TransformBlock(buffer, offset, n, null, 0);
                _onRead?.Invoke(n);
            }
            else if (_hex == null)
            {
                _md5.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
                _hex = Transfer.Md5Hex.ToHex(_md5.Hash);
            }
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (_hex == null)
                {
                    _md5.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
                    _hex = Transfer.Md5Hex.ToHex(_md5.Hash);
                }
                _inner.Dispose();
                _md5.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
