using System.Collections.Concurrent;
using System.Security;
using System.Security.Cryptography;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Transfer;

/// <summary>
/// The ranges of a file are fetched at the same time but reach the disk in ascending order (on NTFS a write far
/// past the data written so far zero-fills the gap first), within the reorder window's memory. Real HTTP to the
/// emulator; the temporary file is a real file behind a stream that records where each write lands.
/// </summary>
public sealed class DownloadOrderTests : IClassFixture<EmulatorFixture>, IDisposable
{
    private const int Range = 64 * 1024;
    private readonly EmulatorFixture _emu;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vaultstaging-order-" + Guid.NewGuid().ToString("N"));

    public DownloadOrderTests(EmulatorFixture emu)
    {
        _emu = emu;
        _emu.Reset();
        Directory.CreateDirectory(_folder);
    }

    public void Dispose() => Directory.Delete(_folder, true);

    /// <summary>Where each write to the temporary file landed: (offset, bytes), in the order they were made.</summary>
    private sealed class RecordingFiles : LocalFileSystem
    {
        public readonly ConcurrentQueue<(long Offset, int Count)> Writes = new();
        public int OpenStreams;

        public override Stream OpenForWriting(string path)
        {
            Interlocked.Increment(ref OpenStreams);
            return new Recording(base.OpenForWriting(path), Writes, () => Interlocked.Decrement(ref OpenStreams));
        }

        private sealed class Recording(Stream inner, ConcurrentQueue<(long, int)> writes, Action closed) : Stream
        {
            public override bool CanRead => false;
            public override bool CanSeek => true;
            public override bool CanWrite => true;
            public override long Length => inner.Length;
            public override long Position { get => inner.Position; set => inner.Position = value; }
            public override void Flush() => inner.Flush();
            public override Task FlushAsync(CancellationToken token) => inner.FlushAsync(token);
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
            public override void SetLength(long value) => inner.SetLength(value);

            public override void Write(byte[] buffer, int offset, int count)
            {
                writes.Enqueue((inner.Position, count));
                inner.Write(buffer, offset, count);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken token)
            {
                writes.Enqueue((inner.Position, count));
                return inner.WriteAsync(buffer, offset, count, token);
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                    closed();
                }
                base.Dispose(disposing);
            }
        }
    }

    /// <summary>Counts the downloads on the wire at once, below the client.</summary>
    private sealed class InFlightCounter() : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 64 })
    {
        private int _now;
        public int Peak;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            bool download = request.Headers.Range is not null;
            if (download)
            {
                int now = Interlocked.Increment(ref _now);
                int peak;
                while (now > (peak = Volatile.Read(ref Peak)) && Interlocked.CompareExchange(ref Peak, now, peak) != peak) { }
            }
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (download && response.Content is not null) await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }
            finally
            {
                if (download) Interlocked.Decrement(ref _now);
            }
        }
    }

    private async Task<(VaultClient Client, InFlightCounter Counter)> Jane()
    {
        var password = new SecureString();
        foreach (char c in EmulatorFixture.JanePassword) password.AppendChar(c);
        var counter = new InFlightCounter();
        var client = await VaultClient.ConnectWithPasswordAsync(_emu.BaseUri, EmulatorFixture.JaneUserName, password, new VaultClientOptions(), VaultCallContext.None, counter);
        return (client, counter);
    }

    [Fact]
    public async Task Ranges_fetched_at_once_reach_the_file_in_ascending_order_within_the_window()
    {
        var (client, counter) = await Jane();
        using var _ = client;
        var bytes = new byte[20 * Range + 123];
        new Random(7).NextBytes(bytes);
        var item = _emu.State.CreateItemDirect("/u10001400/order/file.bin", content: bytes);
        // The first range is answered last: the ranges after it arrive first and must wait their turn.
        _emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "content", RangeStart = 0, DelayMs = 1500 });
        var files = new RecordingFiles();
        long window = 4 * Range;
        var downloader = new FileDownloader(client, files, rangeSize: Range, windowBytes: window);
        var request = new FileDownloadRequest("/order/file.bin", bytes.Length, item.ModifiedDate?.UtcDateTime, Path.Combine(_folder, "file.bin"));

        var result = await downloader.DownloadAsync(request, null, VaultCallContext.None);

        Assert.Equal("Downloaded", result.Status);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(File.ReadAllBytes(request.LocalPath)));
        // Every write starts where the one before it ended: ascending, no gap, no byte written twice.
        long expected = 0;
        foreach (var (offset, count) in files.Writes)
        {
            Assert.Equal(expected, offset);
            expected += count;
        }
        Assert.Equal(bytes.Length, expected);
        Assert.InRange(counter.Peak, 2, FileDownloader.RangesInFlight);      // fetched at the same time
        Assert.InRange(downloader.PeakHeldBytes, 1, window);                 // held back, within the window
    }

    [Fact]
    public async Task A_range_ahead_of_its_turn_waits_when_the_window_is_full_and_nothing_is_lost()
    {
        var (client, _) = await Jane();
        using var __ = client;
        var bytes = new byte[12 * Range];
        new Random(8).NextBytes(bytes);
        var item = _emu.State.CreateItemDirect("/u10001400/order/tight.bin", content: bytes);
        _emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "content", RangeStart = 0, DelayMs = 1000 });
        // A window smaller than one range: whatever comes ahead of the first range waits for it.
        var downloader = new FileDownloader(client, new RecordingFiles(), rangeSize: Range, windowBytes: Range / 2);
        var request = new FileDownloadRequest("/order/tight.bin", bytes.Length, item.ModifiedDate?.UtcDateTime, Path.Combine(_folder, "tight.bin"));

        var result = await downloader.DownloadAsync(request, null, VaultCallContext.None);

        Assert.Equal("Downloaded", result.Status);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(File.ReadAllBytes(request.LocalPath)));
        Assert.InRange(downloader.PeakHeldBytes, 0, Range / 2);
    }

    [Fact]
    public async Task A_failed_range_fails_the_file_with_its_own_error_after_every_other_range_has_ended()
    {
        var (client, _) = await Jane();
        using var __ = client;
        var bytes = new byte[13 * Range];
        new Random(9).NextBytes(bytes);
        var item = _emu.State.CreateItemDirect("/u10001400/order/failing.bin", content: bytes);
        // More ranges than go at once; one fails at once, the others are slow to answer.
        _emu.State.AddFault(new FaultSpec { Kind = "http-status", Operation = "content", RangeStart = 0, Status = 500 });
        _emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "content", DelayMs = 800, Count = -1 });
        var files = new RecordingFiles();
        var downloader = new FileDownloader(client, files, rangeSize: Range);
        var request = new FileDownloadRequest("/order/failing.bin", bytes.Length, item.ModifiedDate?.UtcDateTime, Path.Combine(_folder, "failing.bin"));

        var e = await Assert.ThrowsAsync<VaultException>(() => downloader.DownloadAsync(request, null, VaultCallContext.None));
        int writes = files.Writes.Count;

        Assert.Equal("HTTP_ERROR", e.ErrorType);          // the failure itself, not the cancellation it caused
        Assert.Equal(0, files.OpenStreams);                // every range had ended: nothing can write any more
        await Task.Delay(1000);
        Assert.Equal(writes, files.Writes.Count);
        Assert.False(File.Exists(request.LocalPath));
    }
}
