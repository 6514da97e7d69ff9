using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>
    /// Get-Content of a staged file: lines decoded from a <see cref="RangeReadStream"/>, so a large extract is
    /// never whole in memory (only -Raw, which asks for one string, holds it all). A BOM in the file decides
    /// the encoding; otherwise -Encoding, UTF-8 by default. -Tail is refused by PowerShell itself for every
    /// provider but the file system.
    /// </summary>
    internal sealed class StagingContentReader : IContentReader
    {
        readonly RangeReadStream _bytes;
        readonly StreamReader _text;
        readonly bool _raw;
        bool _rawDone;

        public StagingContentReader(CallRunner runner, VaultClient client, string path, long size, Encoding encoding, bool raw)
        {
            _bytes = new RangeReadStream(runner, client, path, size);
            _text = new StreamReader(_bytes, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 65536);
            _raw = raw;
        }

        public IList Read(long readCount)
        {
            var lines = new List<object>();
            if (_raw)
            {
                if (!_rawDone) lines.Add(_text.ReadToEnd());
                _rawDone = true;
                return lines;
            }
            while (readCount <= 0 || lines.Count < readCount)
            {
                string line = _text.ReadLine();
                if (line == null) break;
                lines.Add(line);
            }
            return lines;
        }

        public void Seek(long offset, SeekOrigin origin) =>
            throw new PSNotSupportedException("A file on a Vault drive is read from its start only.");

        public void Close() => Dispose();

        public void Dispose()
        {
            _bytes.Dispose();
            _text.Dispose();
        }
    }

    /// <summary>
    /// The bytes of a staged file, read forward in ranged downloads: 256 KiB first (Get-Content -TotalCount 5
    /// reads little), then twice as much each time up to 8 MiB, the next range fetched while the current one
    /// is read. Each range is checked by the client (Content-Range, the file's size).
    /// </summary>
    internal sealed class RangeReadStream : Stream
    {
        const int FirstRange = 256 * 1024;
        const int LargestRange = 8 * 1024 * 1024;

        readonly CallRunner _runner;
        readonly VaultClient _client;
        readonly string _path;
        readonly long _size;
        readonly CancellationTokenSource _closed = new CancellationTokenSource();
        long _next;
        int _rangeSize = FirstRange;
        byte[] _buffer = new byte[0];
        int _position;
        Task<byte[]> _ahead;

        public RangeReadStream(CallRunner runner, VaultClient client, string path, long size)
        {
            _runner = runner;
            _client = client;
            _path = path;
            _size = size;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position == _buffer.Length && !Fill()) return 0;
            int n = Math.Min(count, _buffer.Length - _position);
            Buffer.BlockCopy(_buffer, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        bool Fill()
        {
            if (_ahead == null)
            {
                if (_next >= _size) return false;
                _ahead = Fetch();
            }
            Task<byte[]> current = _ahead;
            _ahead = null;
            _buffer = _runner.Wait(current);
            _position = 0;
            if (_next < _size) _ahead = Fetch();
            return _buffer.Length > 0;
        }

        Task<byte[]> Fetch()
        {
            long offset = _next;
            int length = (int)Math.Min(_rangeSize, _size - offset);
            _next += length;
            _rangeSize = Math.Min(_rangeSize * 2, LargestRange);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_runner.Context.CancellationToken, _closed.Token);
            VaultCallContext ctx = _runner.Context.WithCancellation(stop.Token);
            return Task.Run(async () =>
            {
                using (stop)
                {
                    var bytes = new byte[length];
                    int at = 0;
                    await _client.DownloadRangeAsync(_path, offset, length, _size, (chunk, from, count, token) =>
                    {
                        Buffer.BlockCopy(chunk, from, bytes, at, count);
                        at += count;
                        return Task.CompletedTask;
                    }, ctx).ConfigureAwait(false);
                    return bytes;
                }
            });
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed.IsCancellationRequested)
            {
                _closed.Cancel();
                // A read-ahead still running is abandoned; its failure (cancelled) is nobody's concern.
                _ahead?.ContinueWith(t => t.Exception, TaskScheduler.Default);
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _size;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// Set-Content of a small file: the lines are encoded into memory (at most 50,000,000 bytes, Vault's limit
    /// for one upload) and sent in one call when Set-Content closes the writer, replacing the file. Nothing is
    /// sent when the command was stopped (Ctrl+C). Add-Content is refused: Vault cannot append.
    /// </summary>
    internal sealed class StagingContentWriter : IContentWriter
    {
        readonly VaultStagingProvider _provider;
        readonly VaultStagingProvider.Target _target;
        readonly string _staging;
        readonly Encoding _encoding;
        readonly bool _noNewline;
        readonly MemoryStream _buffer = new MemoryStream();
        bool _failed, _closed;

        public StagingContentWriter(VaultStagingProvider provider, VaultStagingProvider.Target target, string staging, Encoding encoding, bool noNewline)
        {
            _provider = provider;
            _target = target;
            _staging = staging;
            _encoding = encoding;
            _noNewline = noNewline;
            byte[] preamble = encoding.GetPreamble();
            _buffer.Write(preamble, 0, preamble.Length);
        }

        public IList Write(IList content)
        {
            foreach (object value in content)
            {
                object raw = value is PSObject pso ? pso.BaseObject : value;
                string text = raw == null ? "" : raw as string ?? LanguagePrimitives.ConvertTo<string>(raw);
                byte[] bytes = _encoding.GetBytes(_noNewline ? text : text + Environment.NewLine);
                if (_buffer.Length + bytes.Length > VaultClient.MaxDirectFileSize)
                {
                    _failed = true;
                    throw new IOException($"{_target.PathOf(_staging)} would be over {VaultClient.MaxDirectFileSize:N0} bytes, the most a Vault drive writes in one file; nothing was written. Use Send-VaultFile for larger files.");
                }
                _buffer.Write(bytes, 0, bytes.Length);
            }
            return content;
        }

        public void Seek(long offset, SeekOrigin origin)
        {
            _failed = true;
            throw new PSNotSupportedException($"Add-Content cannot append to {_target.PathOf(_staging)}: Vault cannot append to a staged file. Read it, add the lines and write it again: $lines = Get-Content '{_target.PathOf(_staging)}'; $lines + $new | Set-Content '{_target.PathOf(_staging)}'.");
        }

        public void Close()
        {
            if (_closed) return;
            _closed = true;
            if (_failed || _provider.IsStopping) return;
            _provider.UploadContent(_target, _staging, _buffer.GetBuffer(), (int)_buffer.Length);
        }

        public void Dispose() => Close();
    }
}
