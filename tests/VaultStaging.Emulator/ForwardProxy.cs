using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace VaultStaging.Emulator;

/// <summary>
/// A forward proxy for tests, as a corporate one behaves: it tunnels CONNECT (and nothing else), asks for
/// Basic authentication (407 with Proxy-Authenticate) when it has a user, and resolves host names of its own
/// (vault.test -> 127.0.0.1) that no DNS knows, so a client can reach such a vault only through it. It counts
/// what passes: tunnels opened, refusals, bytes each way. <c>GET /_proxy/stats</c> sent to the proxy itself
/// answers those counts as JSON (no authentication), for tests in another process.
/// <code>
/// await using var proxy = ForwardProxy.Start(new ForwardProxyOptions { UserName = "p", Password = "s" });
/// </code>
/// </summary>
public sealed class ForwardProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly ForwardProxyOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Task _accepting;
    private long _tunnels, _refused, _bytesToServer, _bytesToClient;

    private ForwardProxy(ForwardProxyOptions options)
    {
        _options = options;
        _listener = new TcpListener(IPAddress.Loopback, options.Port);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = Task.Run(AcceptAsync);
    }

    public static ForwardProxy Start(ForwardProxyOptions? options = null) => new(options ?? new ForwardProxyOptions());

    /// <summary>http://127.0.0.1:PORT/: what Connect-Vault -Proxy takes.</summary>
    public Uri Address { get; }

    /// <summary>CONNECT tunnels opened (after authentication).</summary>
    public long Tunnels => Interlocked.Read(ref _tunnels);

    /// <summary>Requests answered 407 (no or wrong Proxy-Authorization).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public long BytesToServer => Interlocked.Read(ref _bytesToServer);
    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>One line per request: "CONNECT vault.test:1234 200", "CONNECT vault.test:1234 407".</summary>
    public IReadOnlyList<string> Log => _log.ToArray();

    public object Stats() => new
    {
        tunnels = Tunnels, refused = Refused, bytesToServer = BytesToServer, bytesToClient = BytesToClient, log = Log,
    };

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _connections.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                // A client that was refused may ask again on the same connection, with its credentials.
                while (!_stop.IsCancellationRequested)
                {
                    ProxyRequest? request = await ProxyRequest.ReadAsync(stream, _stop.Token);
                    if (request is null) return;
                    if (request.Method == "GET" && request.Target == "/_proxy/stats")
                    {
                        await AnswerAsync(stream, "200 OK", JsonSerializer.Serialize(Stats()), "application/json", close: true);
                        return;
                    }
                    if (!Authorized(request))
                    {
                        Interlocked.Increment(ref _refused);
                        _log.Enqueue($"{request.Method} {request.Target} 407");
                        await AnswerAsync(stream, "407 Proxy Authentication Required", "<html><body><h1>Proxy authentication required</h1></body></html>",
                            "text/html", close: false, extra: "Proxy-Authenticate: Basic realm=\"test proxy\"\r\n");
                        continue;
                    }
                    if (request.Method != "CONNECT")
                    {
                        _log.Enqueue($"{request.Method} {request.Target} 501");
                        await AnswerAsync(stream, "501 Not Implemented", "This test proxy only tunnels (CONNECT).", "text/plain", close: true);
                        return;
                    }
                    await TunnelAsync(stream, request.Target);
                    return;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private bool Authorized(ProxyRequest request)
    {
        if (_options.UserName is null) return true;
        string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(_options.UserName + ":" + _options.Password));
        return request.Headers.TryGetValue("Proxy-Authorization", out string? given) && given == expected;
    }

    private async Task TunnelAsync(NetworkStream client, string target)
    {
        int colon = target.LastIndexOf(':');
        string host = colon > 0 ? target[..colon] : target;
        int port = colon > 0 && int.TryParse(target[(colon + 1)..], out int p) ? p : 443;
        string address = _options.Hosts.TryGetValue(host, out string? mapped) ? mapped : host;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(address, port, _stop.Token);
        }
        catch (SocketException)
        {
            _log.Enqueue($"CONNECT {target} 502");
            await AnswerAsync(client, "502 Bad Gateway", $"Cannot reach {target}.", "text/plain", close: true);
            return;
        }
        Interlocked.Increment(ref _tunnels);
        _log.Enqueue($"CONNECT {target} 200");
        byte[] established = Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection established\r\n\r\n");
        await client.WriteAsync(established, _stop.Token);
        NetworkStream upstream = server.GetStream();
        Task up = PumpAsync(client, upstream, n => Interlocked.Add(ref _bytesToServer, n));
        Task down = PumpAsync(upstream, client, n => Interlocked.Add(ref _bytesToClient, n));
        await Task.WhenAny(up, down);
        server.Client.Shutdown(SocketShutdown.Both);
        await Task.WhenAll(up.ContinueWith(_ => { }), down.ContinueWith(_ => { }));
    }

    private async Task PumpAsync(Stream from, Stream to, Action<int> count)
    {
        byte[] buffer = new byte[81920];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                count(n);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task AnswerAsync(Stream stream, string status, string body, string contentType, bool close, string extra = "")
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.1 {status}\r\n{extra}Content-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\n" +
                      (close ? "Connection: close\r\n" : "") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
        await stream.WriteAsync(bytes, _stop.Token);
        await stream.FlushAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections.ToArray()).ContinueWith(_ => { });
        _stop.Dispose();
    }

    /// <summary>The head of one request to the proxy; the request line and headers only (CONNECT has no body).</summary>
    private sealed class ProxyRequest
    {
        public required string Method { get; init; }
        public required string Target { get; init; }
        public required Dictionary<string, string> Headers { get; init; }

        public static async Task<ProxyRequest?> ReadAsync(Stream stream, CancellationToken token)
        {
            // Byte by byte up to the blank line, so nothing of a tunnel's first bytes is read here.
            var head = new StringBuilder();
            byte[] one = new byte[1];
            while (!(head.Length >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await stream.ReadAsync(one, token) == 0) return null;
                head.Append((char)one[0]);
                if (head.Length > 16384) return null;
            }
            string[] lines = head.ToString().Split("\r\n");
            string[] first = lines[0].Split(' ');
            if (first.Length < 3) return null;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            return new ProxyRequest { Method = first[0], Target = first[1], Headers = headers };
        }
    }
}

/// <summary>Settings of a <see cref="ForwardProxy"/>.</summary>
public sealed class ForwardProxyOptions
{
    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The user Basic authentication asks for; null: no authentication.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>Host names only this proxy resolves, to addresses: by default vault.test -> 127.0.0.1.</summary>
    public Dictionary<string, string> Hosts { get; set; } = new(StringComparer.OrdinalIgnoreCase) { ["vault.test"] = "127.0.0.1" };
}
