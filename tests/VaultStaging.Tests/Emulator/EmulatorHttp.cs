using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using VaultStaging.Emulator;

namespace VaultStaging.Tests.Emulator;

/// <summary>
/// A private emulator for one test class, and raw Vault calls over a real HttpClient (no module code): the
/// emulator's self-tests must not share the module's guesses. Tests call <see cref="Reset"/> first.
/// </summary>
public class EmulatorHttp : IAsyncLifetime
{
    public const string V = "v25.1";
    public const string Jane = EmulatorOptions.JaneUserName;
    public const string Bob = EmulatorOptions.BobUserName;
    public const string Admin = EmulatorOptions.AdminUserName;
    public const long JaneId = 10001400;

    private VaultEmulator? _emulator;

    public VaultEmulator Emulator => _emulator ?? throw new InvalidOperationException("not started");
    public EmulatorState State => Emulator.State;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Options of this emulator; job status may be read every 0.3 s so that tests stay fast.</summary>
    protected virtual EmulatorOptions CreateOptions() => new() { JobStatusMinIntervalSeconds = 0.3 };

    public async Task InitializeAsync()
    {
        _emulator = await VaultEmulator.StartAsync(CreateOptions());
        Http = NewClient();
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_emulator is not null) await _emulator.DisposeAsync();
    }

    /// <summary>A client of its own (its own connections); Content-Disposition and other headers read as UTF-8.</summary>
    public HttpClient NewClient() => new(new SocketsHttpHandler
    {
        ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    { BaseAddress = Emulator.BaseUri, Timeout = TimeSpan.FromSeconds(60) };

    public void Reset() => State.Reset();

    public string Token(string user) => State.GetToken(user)!;

    /// <summary>"api/v25.1/services/file_staging/items" + each segment escaped (EscapeDataString: space %20, '+' %2B, UTF-8).</summary>
    public static string ItemsUrl(string path, bool content = false) =>
        $"api/{V}/services/file_staging/items" + (content ? "/content" : "") +
        string.Concat(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => "/" + Uri.EscapeDataString(s)));

    public HttpRequestMessage Request(HttpMethod method, string user, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(user));
        return request;
    }

    public async Task<JsonObject> SendAsync(HttpRequestMessage request, HttpClient? client = null)
    {
        using var response = await (client ?? Http).SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public Task<JsonObject> GetAsync(string user, string url) => SendAsync(Request(HttpMethod.Get, user, url));

    public Task<JsonObject> ListAsync(string user, string path, string query = "") =>
        GetAsync(user, ItemsUrl(path) + (query.Length > 0 ? "?" + query : ""));

    public Task<JsonObject> CreateFileAsync(string user, string path, byte[] bytes, bool? overwrite = null, string fileName = "upload.bin")
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("file"), "kind" },
            { new StringContent(path), "path" },
        };
        if (overwrite is { } o) form.Add(new StringContent(o ? "true" : "false"), "overwrite");
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        var request = Request(HttpMethod.Post, user, $"api/{V}/services/file_staging/items");
        request.Content = form;
        return SendAsync(request);
    }

    public Task<JsonObject> CreateFolderAsync(string user, string path)
    {
        var request = Request(HttpMethod.Post, user, $"api/{V}/services/file_staging/items");
        request.Content = new MultipartFormDataContent { { new StringContent("folder"), "kind" }, { new StringContent(path), "path" } };
        return SendAsync(request);
    }

    public Task<JsonObject> MoveAsync(string user, string path, string? parent = null, string? name = null)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (parent is not null) fields.Add(new("parent", parent));
        if (name is not null) fields.Add(new("name", name));
        var request = Request(HttpMethod.Put, user, ItemsUrl(path));
        request.Content = new FormUrlEncodedContent(fields);
        return SendAsync(request);
    }

    public Task<JsonObject> DeleteAsync(string user, string path, bool recursive = false) =>
        SendAsync(Request(HttpMethod.Delete, user, ItemsUrl(path) + (recursive ? "?recursive=true" : "")));

    /// <summary>Waits (without counting status reads) until the job ended, then reads its status once through the API.</summary>
    public async Task<JsonObject> WaitJobAsync(string user, long jobId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (State.GetJob(jobId) is { Status: "QUEUED" or "RUNNING" })
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} did not end");
            await Task.Delay(20);
        }
        await Task.Delay(350); // past the read interval of an earlier read
        var answer = await GetAsync(user, $"api/{V}/services/jobs/{jobId}");
        Assert.Equal("SUCCESS", (string?)answer["responseStatus"]);
        return answer["data"]!.AsObject();
    }

    /// <summary>Starts a job with <paramref name="start"/> and returns its final status text.</summary>
    public async Task<string> JobOutcomeAsync(string user, Task<JsonObject> start)
    {
        var answer = await start;
        Assert.True((string?)answer["responseStatus"] == "SUCCESS", answer.ToJsonString());
        long jobId = (long)answer["data"]!["job_id"]!;
        return (string)(await WaitJobAsync(user, jobId))["status"]!;
    }

    /// <summary>
    /// A GET sent over a plain socket with the request target exactly as given: HttpClient's Uri would
    /// unescape %2E and remove dot segments before sending. Returns (status, body).
    /// </summary>
    public async Task<(int Status, string Body)> RawGetAsync(string user, string rawTarget)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(Emulator.BaseUri.Host, Emulator.BaseUri.Port);
        using var stream = tcp.GetStream();
        string head = $"GET {rawTarget} HTTP/1.1\r\nHost: {Emulator.BaseUri.Authority}\r\nAuthorization: Bearer {Token(user)}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string text = await reader.ReadToEndAsync();
        int status = int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    public static string? ErrorType(JsonObject answer) => (string?)answer["errors"]?[0]?["type"];

    public static void AssertFailure(JsonObject answer, string type)
    {
        Assert.True((string?)answer["responseStatus"] == "FAILURE", answer.ToJsonString());
        Assert.Equal(type, ErrorType(answer));
    }

    public static void AssertSuccess(JsonObject answer) =>
        Assert.True((string?)answer["responseStatus"] == "SUCCESS", answer.ToJsonString());

    public static List<string> Paths(JsonObject answer) => answer["data"]!.AsArray().Select(i => (string)i!["path"]!).ToList();
}
