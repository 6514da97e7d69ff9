// The floors of the VaultStaging benchmark (tests/bench/Invoke-Benchmark.ps1). Each command times its
// own work with a Stopwatch (process start and JIT of the warm-up are not counted) and prints one JSON
// line on stdout.
//
//   list   <baseUrl> <sessionId> <calls> [warmup]   List Upload Sessions <calls> times into typed objects
//   upload <baseUrl> <sessionId> <file> <partSize> <path>   create, PUT every part (no hashing), commit
//   md5    <file> <partSize>                        read the file part by part and MD5 each part
//   read   <file> <partSize>                        read the file part by part (disk / page cache only)

using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

static class Program
{
    static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowReadingFromString };

    static async Task<int> Main(string[] args)
    {
        try
        {
            switch (args.Length > 0 ? args[0] : "")
            {
                case "list": await ListAsync(args[1], args[2], int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 5); return 0;
                case "upload": await UploadAsync(args[1], args[2], args[3], long.Parse(args[4]), args[5]); return 0;
                case "md5": ReadParts(args[1], long.Parse(args[2]), hash: true); return 0;
                case "read": ReadParts(args[1], long.Parse(args[2]), hash: false); return 0;
                default:
                    Console.Error.WriteLine("usage: BenchFloor list|upload|md5|read ...");
                    return 2;
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 1;
        }
    }

    static HttpClient NewClient(string baseUrl, string sessionId)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", sessionId);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return http;
    }

    // ---- list --------------------------------------------------------------------------------

    sealed class Session
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("path")] public string? Path { get; set; }
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("owner")] public long? Owner { get; set; }
        [JsonPropertyName("size")] public long Size { get; set; }
        [JsonPropertyName("uploaded")] public long Uploaded { get; set; }
        [JsonPropertyName("uploaded_parts")] public int UploadedParts { get; set; }
        [JsonPropertyName("created_date")] public DateTime? CreatedDate { get; set; }
        [JsonPropertyName("last_uploaded_date")] public DateTime? LastUploadedDate { get; set; }
        [JsonPropertyName("expiration_date")] public DateTime? ExpirationDate { get; set; }
        [JsonPropertyName("overwrite")] public bool? Overwrite { get; set; }
    }

    sealed class ListAnswer
    {
        [JsonPropertyName("responseStatus")] public string? ResponseStatus { get; set; }
        [JsonPropertyName("data")] public List<Session>? Data { get; set; }
    }

    static async Task ListAsync(string baseUrl, string sessionId, int calls, int warmup)
    {
        using HttpClient http = NewClient(baseUrl, sessionId);
        const string uri = "api/v26.1/services/file_staging/upload";
        int objects = 0;
        // Warm up for at least a second as well as <warmup> calls: tiered JIT promotes hot methods only
        // after 30 calls and a 100 ms delay, and the PowerShell contenders run in a long-lived, warm process.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < warmup || warm.ElapsedMilliseconds < 1000; i++)
        {
            await ListOnceAsync(http, uri);
            if (i % 50 == 49) await Task.Delay(50);
        }
        var firsts = new double[calls];
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            List<Session> data = await ListOnceAsync(http, uri);
            // The floor reads the whole (small) answer before its first object, like ReadFromJsonAsync does.
            firsts[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            objects += data.Count;
        }
        watch.Stop();
        Array.Sort(firsts);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            totalMs = watch.Elapsed.TotalMilliseconds,
            firstObjectMs = firsts[calls / 2],
            objects,
        }));
    }

    static async Task<List<Session>> ListOnceAsync(HttpClient http, string uri)
    {
        using HttpResponseMessage response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using Stream body = await response.Content.ReadAsStreamAsync();
        ListAnswer answer = await JsonSerializer.DeserializeAsync<ListAnswer>(body, Json) ?? throw new InvalidDataException("empty answer");
        if (answer.ResponseStatus != "SUCCESS" || answer.Data == null) throw new InvalidDataException("List failed: " + answer.ResponseStatus);
        return answer.Data;
    }

    // ---- upload ------------------------------------------------------------------------------

    static async Task UploadAsync(string baseUrl, string sessionId, string file, long partSize, string path)
    {
        using HttpClient http = NewClient(baseUrl, sessionId);
        const string upload = "api/v26.1/services/file_staging/upload";
        long size = new FileInfo(file).Length;
        var watch = Stopwatch.StartNew();

        using JsonDocument created = await SendAsync(http, new HttpRequestMessage(HttpMethod.Post, upload)
        {
            Content = new FormUrlEncodedContent([new("path", path), new("size", size.ToString()), new("overwrite", "true")]),
        });
        string id = created.RootElement.GetProperty("data").GetProperty("id").GetString()!;

        var buffer = new byte[partSize];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        int parts = 0;
        for (long offset = 0; offset < size; offset += partSize)
        {
            int length = (int)Math.Min(partSize, size - offset);
            stream.ReadExactly(buffer, 0, length);
            var content = new ByteArrayContent(buffer, 0, length);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var put = new HttpRequestMessage(HttpMethod.Put, upload + "/" + Uri.EscapeDataString(id)) { Content = content };
            put.Headers.TryAddWithoutValidation("X-VaultAPI-FilePartNumber", (++parts).ToString());
            (await SendAsync(http, put)).Dispose();
        }
        double partsMs = watch.Elapsed.TotalMilliseconds;

        (await SendAsync(http, new HttpRequestMessage(HttpMethod.Post, upload + "/" + Uri.EscapeDataString(id)))).Dispose();
        watch.Stop();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            totalMs = watch.Elapsed.TotalMilliseconds,
            partsMs,
            commitMs = watch.Elapsed.TotalMilliseconds - partsMs,
            parts,
            bytes = size,
        }));
    }

    static async Task<JsonDocument> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        using (HttpResponseMessage response = await http.SendAsync(request))
        {
            response.EnsureSuccessStatusCode();
            var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            string? status = doc.RootElement.GetProperty("responseStatus").GetString();
            if (status != "SUCCESS") throw new InvalidDataException($"{request.Method} {request.RequestUri} answered {doc.RootElement.GetRawText()}");
            return doc;
        }
    }

    // ---- md5 / read --------------------------------------------------------------------------

    static void ReadParts(string file, long partSize, bool hash)
    {
        var buffer = new byte[partSize];
        long size = new FileInfo(file).Length;
        using var md5 = MD5.Create();
        var watch = Stopwatch.StartNew();
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
        {
            for (long offset = 0; offset < size; offset += partSize)
            {
                int length = (int)Math.Min(partSize, size - offset);
                stream.ReadExactly(buffer, 0, length);
                if (hash) md5.ComputeHash(buffer, 0, length);
            }
        }
        watch.Stop();
        Console.WriteLine(JsonSerializer.Serialize(new { totalMs = watch.Elapsed.TotalMilliseconds, bytes = size }));
    }
}
