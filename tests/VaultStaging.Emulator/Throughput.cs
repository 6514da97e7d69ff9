using System.Collections.Concurrent;

namespace VaultStaging.Emulator;

/// <summary>
/// GET /_emulator/throughput: the bytes of /api request bodies read (in) and response bodies written (out),
/// per quarter second of wall-clock time, so a test can see a client's bandwidth cap hold across every
/// transfer at once. DELETE clears it; so does a reset.
/// </summary>
public sealed class ThroughputLog
{
    public const int BucketMs = 250;

    private sealed class Bucket
    {
        public long In;
        public long Out;
    }

    private readonly ConcurrentDictionary<long, Bucket> _buckets = new();

    private Bucket Now() => _buckets.GetOrAdd(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / BucketMs, _ => new Bucket());

    public void Received(int bytes) => Interlocked.Add(ref Now().In, bytes);

    public void Sent(int bytes) => Interlocked.Add(ref Now().Out, bytes);

    public void Clear() => _buckets.Clear();

    /// <summary>Request body bytes read since the last clear.</summary>
    public long BytesIn => _buckets.Values.Sum(b => Interlocked.Read(ref b.In));

    /// <summary>{bucketMs, buckets: [{startMs (Unix ms), bytesIn, bytesOut}]}, oldest first, quarter seconds without bytes left out.</summary>
    public object Snapshot() => new
    {
        bucketMs = BucketMs,
        buckets = _buckets.OrderBy(b => b.Key).Select(b => new { startMs = b.Key * BucketMs, bytesIn = Interlocked.Read(ref b.Value.In), bytesOut = Interlocked.Read(ref b.Value.Out) }).ToList(),
    };
}

/// <summary>A body stream that tells <see cref="ThroughputLog"/> what passed through it.</summary>
internal sealed class CountingStream(Stream inner, Action<int> counted) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        counted(count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        counted(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private int Count(int n)
    {
        if (n > 0) counted(n);
        return n;
    }
}
