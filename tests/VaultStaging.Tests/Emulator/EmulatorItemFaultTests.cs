using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VaultStaging.Emulator;
using static VaultStaging.Tests.Emulator.EmulatorHttp;

namespace VaultStaging.Tests.Emulator;

/// <summary>Faults on the items calls: the kinds made for downloads, and the old kinds on the new operations.</summary>
public sealed class EmulatorItemFaultTests : IClassFixture<EmulatorHttp>
{
    private readonly EmulatorHttp _emu;
    private readonly byte[] _bytes = RandomNumberGenerator.GetBytes(200_000);

    public EmulatorItemFaultTests(EmulatorHttp emu)
    {
        _emu = emu;
        _emu.Reset();
        _emu.State.CreateItemDirect("/u10001400/f/file.bin", content: _bytes);
    }

    private HttpRequestMessage Download(string? range = null)
    {
        var request = _emu.Request(HttpMethod.Get, Jane, ItemsUrl("/f/file.bin", content: true));
        if (range is not null) request.Headers.Range = RangeHeaderValue.Parse(range);
        return request;
    }

    /// <summary>Reads the body until the end or a transport error; returns the bytes and whether it was cut.</summary>
    private static async Task<(byte[] Bytes, bool Cut)> ReadUntilCutAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        byte[] buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0) received.Write(buffer, 0, n);
            return (received.ToArray(), false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return (received.ToArray(), true);
        }
    }

    [Fact]
    public async Task Drop_on_a_download_resets_the_connection_after_part_of_the_body()
    {
        using var client = _emu.NewClient();
        _emu.State.AddFault(new FaultSpec { Kind = "drop", Operation = "content", Apply = true, AfterBytes = 5000 });
        var (bytes, cut) = await ReadUntilCutAsync(client, Download());
        Assert.True(cut);
        Assert.Equal(_bytes[..5000], bytes);

        _emu.State.AddFault(new FaultSpec { Kind = "drop", Operation = "content", Apply = true }); // default: half
        (bytes, cut) = await ReadUntilCutAsync(client, Download());
        Assert.True(cut);
        Assert.Equal(_bytes[..100_000], bytes);

        (bytes, cut) = await ReadUntilCutAsync(client, Download()); // the fault is spent
        Assert.False(cut);
        Assert.Equal(_bytes, bytes);
        Assert.Equal(["drop", "drop", null], (await _emu.LogAsync(3)).Where(e => e.Operation == "content").Select(e => e.Fault));
    }

    [Fact]
    public async Task Wrong_content_range_names_another_range_than_the_one_sent()
    {
        _emu.State.AddFault(new FaultSpec { Kind = "wrong-content-range", Operation = "content" });
        using var response = await _emu.Http.SendAsync(Download("bytes=10-19"));
        Assert.Equal("bytes 11-20/200000", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(_bytes[10..20], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Change_file_changes_size_and_modified_date_after_the_answer()
    {
        _emu.State.ModifyItem("/u10001400/f/file.bin", modified: DateTimeOffset.UtcNow.AddHours(-1));
        var before = _emu.State.GetItem("/u10001400/f/file.bin");
        _emu.State.AddFault(new FaultSpec { Kind = "change-file", Operation = "content", AppendBytes = 100 });

        using (var first = await _emu.Http.SendAsync(Download("bytes=0-99")))
        {
            Assert.Equal("bytes 0-99/200000", first.Content.Headers.ContentRange!.ToString());
            Assert.Equal(_bytes[..100], await first.Content.ReadAsByteArrayAsync());
        }
        // The file changes once the answer is out, which the client may see a moment before the server is done.
        var after = _emu.State.GetItem("/u10001400/f/file.bin");
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); after.Size != 200_100 && waited.Elapsed < TimeSpan.FromSeconds(5); after = _emu.State.GetItem("/u10001400/f/file.bin"))
            await Task.Delay(20);
        Assert.Equal(200_100, after.Size);
        Assert.True(after.ModifiedDate > before.ModifiedDate);
        using var second = await _emu.Http.SendAsync(Download("bytes=100-199"));
        Assert.Equal("bytes 100-199/200100", second.Content.Headers.ContentRange!.ToString());
        var listed = await _emu.ListAsync(Jane, "/f/file.bin");
        Assert.Equal(200_100, (long)listed["data"]![0]!["size"]!);
    }

    [Theory]
    [InlineData("corrupt-file")]
    [InlineData("corrupt-part")]
    public async Task A_corrupt_fault_on_item_create_changes_the_stored_file_and_its_md5(string kind)
    {
        _emu.State.AddFault(new FaultSpec { Kind = kind, Operation = "item-create" });
        byte[] bytes = RandomNumberGenerator.GetBytes(1000);
        var answer = await _emu.CreateFileAsync(Jane, "/c.bin", bytes);
        string md5 = (string)answer["data"]!["file_content_md5"]!;
        Assert.NotEqual(Convert.ToHexStringLower(MD5.HashData(bytes)), md5);
        byte[] stored = (byte[])bytes.Clone();
        stored[0] ^= 0xFF;
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(stored)), md5);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), _emu.State.GetItem("/u10001400/c.bin").Sha256);
    }

    [Fact]
    public async Task Old_kinds_work_on_the_new_operations()
    {
        // slow on a listing
        _emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "items", DelayMs = 300 });
        var watch = Stopwatch.StartNew();
        AssertSuccess(await _emu.ListAsync(Jane, "/f"));
        Assert.True(watch.ElapsedMilliseconds >= 290, $"{watch.ElapsedMilliseconds} ms");

        // http-status on a download: the proxy's HTML page
        _emu.State.AddFault(new FaultSpec { Kind = "http-status", Operation = "content", Status = 503, RetryAfter = "1" });
        using (var response = await _emu.Http.SendAsync(Download()))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        }

        // api-limit on a move: refused, nothing moves
        _emu.State.AddFault(new FaultSpec { Kind = "api-limit", Operation = "item-update" });
        AssertFailure(await _emu.MoveAsync(Jane, "/f/file.bin", name: "other.bin"), "API_LIMIT_EXCEEDED");
        Assert.True(_emu.State.GetItem("/u10001400/f/file.bin").Exists);

        // fail-after-apply on a delete: the job ran, the answer was lost
        _emu.State.CreateItemDirect("/u10001400/f/gone.bin", size: 1);
        _emu.State.AddFault(new FaultSpec { Kind = "fail-after-apply", Operation = "item-delete" });
        using (var response = await _emu.Http.SendAsync(_emu.Request(HttpMethod.Delete, Jane, ItemsUrl("/f/gone.bin"))))
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(_emu.State.GetItem("/u10001400/f/gone.bin").Exists);

        // pathContains also matches the decoded item path
        _emu.State.CreateItemDirect("/u10001400/a b/x.bin", size: 1);
        _emu.State.AddFault(new FaultSpec { Kind = "api-limit", PathContains = "a b" });
        AssertFailure(await _emu.ListAsync(Jane, "/a b"), "API_LIMIT_EXCEEDED");
        AssertSuccess(await _emu.ListAsync(Jane, "/a b"));
    }

    [Fact]
    public async Task Expire_session_kills_the_session_of_an_item_call()
    {
        var user = _emu.State.Users.First(u => u.UserName == Jane);
        using var login = await _emu.Http.PostAsync($"api/{V}/auth",
            new FormUrlEncodedContent([new("username", user.UserName), new("password", user.Password)]));
        string sessionId = (string)JsonNode.Parse(await login.Content.ReadAsStringAsync())!["sessionId"]!;
        HttpRequestMessage WithSession()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, ItemsUrl("/f"));
            request.Headers.TryAddWithoutValidation("Authorization", sessionId);
            return request;
        }
        AssertSuccess(await _emu.SendAsync(WithSession()));
        _emu.State.AddFault(new FaultSpec { Kind = "expire-session", Operation = "items" });
        AssertFailure(await _emu.SendAsync(WithSession()), "INVALID_SESSION_ID");
        AssertFailure(await _emu.SendAsync(WithSession()), "INVALID_SESSION_ID"); // dead for good
    }

    [Fact]
    public async Task The_log_names_item_operations_with_their_decoded_path_and_job()
    {
        await _emu.ListAsync(Jane, "/f");
        await _emu.CreateFolderAsync(Jane, "/new folder");
        long jobId = (long)(await _emu.MoveAsync(Jane, "/f/file.bin", name: "é.bin"))["data"]!["job_id"]!;
        await _emu.DeleteAsync(Jane, "/new folder");
        using (await _emu.Http.SendAsync(_emu.Request(HttpMethod.Get, Jane, ItemsUrl("/f/é.bin", content: true)))) { }

        var log = (await _emu.LogAsync(5)).Select(e => (e.Operation, e.ItemPath)).ToList();
        Assert.Equal([("items", "/f"), ("item-create", "/new folder"), ("item-update", "/f/file.bin"), ("item-delete", "/new folder"), ("content", "/f/é.bin")], log);
        Assert.Equal(jobId, _emu.State.GetLog().Single(e => e.Operation == "item-update").JobId);
        Assert.Contains("%C3%A9", _emu.State.GetLog().Last().Path); // the raw path stays as received
    }
}
