using System;
using System.IO;
using System.Threading;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// One part read from the local file, with its MD5, ready to send. The bytes live in a buffer
    /// borrowed from the <see cref="PartReader"/>: dispose the part once it is sent (and verified) so the
    /// reader can read the next one into it. Send the same part again (after an MD5 mismatch) by calling
    /// <see cref="OpenRead"/> again: nothing is read from disk twice.
    /// </summary>
    internal sealed class FilePart : IDisposable
    {
        byte[] _buffer;
        Action<byte[]> _release;

        internal FilePart(int partNumber, long offset, int length, string md5Hex, byte[] buffer, Action<byte[]> release)
        {
            PartNumber = partNumber;
            Offset = offset;
            Length = length;
            Md5Hex = md5Hex;
            _buffer = buffer;
            _release = release;
        }

        /// <summary>The part number Vault knows it by, from 1.</summary>
        public int PartNumber { get; }

        /// <summary>Where the part starts in the file.</summary>
        public long Offset { get; }

        /// <summary>The bytes in the part: the Content-Length to send.</summary>
        public int Length { get; }

        /// <summary>The MD5 of the part as 32 lowercase hex digits, to compare with Vault's <c>part_content_md5</c>.</summary>
        public string Md5Hex { get; }

        /// <summary>
        /// The buffer holding the part in its first <see cref="Length"/> bytes (it may be longer). For
        /// <c>new ByteArrayContent(part.Buffer, 0, part.Length)</c>; do not keep it past Dispose.
        /// </summary>
        public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(FilePart));

        /// <summary>
        /// A read-only stream over the part's bytes that does not own them (disposing it leaves the part
        /// usable), so each send attempt gets a fresh stream positioned at 0.
        /// </summary>
        public Stream OpenRead() => new MemoryStream(Buffer, 0, Length, writable: false, publiclyVisible: false);

        /// <summary>Gives the buffer back to the reader. Safe to call more than once.</summary>
        public void Dispose()
        {
            byte[] buffer = Interlocked.Exchange(ref _buffer, null);
            if (buffer == null) return;
            Action<byte[]> release = _release;
            _release = null;
            release?.Invoke(buffer);
        }

        public override string ToString() => $"part {PartNumber}: {Length} bytes, MD5 {Md5Hex}";
    }
}
