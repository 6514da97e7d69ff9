using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VaultStaging.Emulator;

/// <summary>
/// The network profile: a Kestrel connection middleware (<see cref="ListenOptions"/>.Use) under HTTP.
/// <list type="bullet">
/// <item>Latency (<see cref="EmulatorOptions.LatencyMs"/>): once per new TCP connection, as a handshake would
/// (the server starts reading it that much later); each /api request's own round trip is added by VaultPipeline.</item>
/// <item>Bandwidth (<see cref="EmulatorOptions.BandwidthMbps"/>): each connection's transport is wrapped, and
/// the bytes of each direction (request bytes the server reads, response bytes it writes) are pumped through
/// a pacer of that many megabits per second. Every connection gets the full rate, like a user whose own link
/// is the limit. The rate is read for every chunk, so a run-time change applies to open connections too;
/// 0 = unlimited (the pumps then only copy).</item>
/// </list>
/// </summary>
internal static class NetworkProfile
{
    public static void Use(ListenOptions listen, EmulatorState state)
    {
        listen.Use(next => async connection =>
        {
            if (state.Options.LatencyMs is > 0 and var latency)
            {
                try { await Task.Delay(latency, connection.ConnectionClosed); }
                catch (OperationCanceledException) { return; }
            }

            var original = connection.Transport;
            var throttled = new ThrottledTransport(original, () => state.Options.BandwidthMbps);
            connection.Transport = throttled;
            try
            {
                await next(connection);
            }
            finally
            {
                await throttled.StopAsync();
                connection.Transport = original;
            }
        });
    }

    /// <summary>An IDuplexPipe between HTTP and the socket, pumping each direction through its own pacer.</summary>
    private sealed class ThrottledTransport : IDuplexPipe
    {
        private static readonly PipeOptions Options = new(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);

        private readonly IDuplexPipe _socket;
        private readonly Pipe _toApp = new(Options);
        private readonly Pipe _fromApp = new(Options);
        private readonly Task _inbound;
        private readonly Task _outbound;

        public ThrottledTransport(IDuplexPipe socket, Func<double> megabitsPerSecond)
        {
            _socket = socket;
            _inbound = PumpAsync(socket.Input, _toApp.Writer, new Pacer(megabitsPerSecond));
            _outbound = PumpAsync(_fromApp.Reader, socket.Output, new Pacer(megabitsPerSecond));
        }

        public PipeReader Input => _toApp.Reader;
        public PipeWriter Output => _fromApp.Writer;

        /// <summary>HTTP is done with the connection: let the last response bytes out, stop waiting for request bytes.</summary>
        public async Task StopAsync()
        {
            await _fromApp.Writer.CompleteAsync();
            await _toApp.Reader.CompleteAsync();
            await _outbound;
            _socket.Input.CancelPendingRead();
            await _inbound;
        }

        private static async Task PumpAsync(PipeReader from, PipeWriter to, Pacer pacer)
        {
            Exception? error = null;
            try
            {
                while (true)
                {
                    var pending = from.ReadAsync();
                    if (!pending.IsCompleted) pacer.Idle(); // nothing was waiting: the link was idle meanwhile
                    var result = await pending;
                    var buffer = result.Buffer;
                    bool stop = result.IsCanceled;
                    while (!buffer.IsEmpty && !stop)
                    {
                        var chunk = buffer.Slice(0, Math.Min(pacer.ChunkBytes, buffer.Length));
                        await pacer.WaitAsync(chunk.Length);
                        foreach (var segment in chunk) to.Write(segment.Span);
                        var flush = await to.FlushAsync();
                        stop = flush.IsCompleted || flush.IsCanceled; // the other side is gone
                        buffer = buffer.Slice(chunk.End);
                    }
                    from.AdvanceTo(result.Buffer.End);
                    if (stop || result.IsCompleted) break;
                }
            }
            catch (Exception ex) // a reset or aborted connection: pass the error on, never fault the pump
            {
                error = ex;
            }
            finally
            {
                await to.CompleteAsync(error);
                await from.CompleteAsync();
            }
        }
    }

    /// <summary>
    /// Paces one direction: a chunk may leave once the chunks before it would have taken their time at the
    /// rate. The schedule is virtual, so a timer that fires late is caught up by the next chunks and the
    /// average never passes the rate; only after the link was idle does the schedule restart from now
    /// (with at most 5 ms worth of bytes let through at once).
    /// </summary>
    private sealed class Pacer(Func<double> megabitsPerSecond)
    {
        private long _due = Stopwatch.GetTimestamp();

        private double BytesPerSecond => megabitsPerSecond() * 1_000_000 / 8;

        /// <summary>About 5 ms worth of bytes (1 KiB..64 KiB); everything at once when unlimited.</summary>
        public long ChunkBytes => BytesPerSecond is > 0 and var rate ? Math.Clamp((long)(rate / 200), 1024, 65536) : long.MaxValue;

        /// <summary>The sender had nothing to send: time spent idle gives no credit beyond 5 ms.</summary>
        public void Idle() => _idle = true;

        private bool _idle = true;

        public async ValueTask WaitAsync(long bytes)
        {
            double rate = BytesPerSecond;
            if (rate <= 0) { _idle = true; return; }
            long now = Stopwatch.GetTimestamp();
            long burst = Stopwatch.Frequency / 200;
            if (_idle && _due < now - burst) _due = now - burst;
            _idle = false;
            _due += (long)(bytes / rate * Stopwatch.Frequency);
            long wait = _due - now;
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
        }
    }
}
