using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VaultStaging.Emulator;
using static VaultStaging.Tests.Emulator.EmulatorHttp;

namespace VaultStaging.Tests.Emulator;

/// <summary>The emulator's item create, download, move/rename, delete and jobs, over real HTTP.</summary>
public sealed class EmulatorItemWriteTests : IClassFixture<EmulatorHttp>
{
    private readonly EmulatorHttp _emu;

    public EmulatorItemWriteTests(EmulatorHttp emu)
    {
        _emu = emu;
        _emu.Reset();
    }

    // ---- Create ------------------------------------------------------------------------------

    [Fact]
    public async Task A_created_file_answers_its_md5_and_obeys_overwrite()
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(100_000);
        var created = await _emu.CreateFileAsync(Jane, "/new.bin", bytes);
        AssertSuccess(created);
        var data = created["data"]!.AsObject();
        Assert.Equal(["kind", "path", "name", "size", "file_content_md5"], data.Select(p => p.Key));
        Assert.Equal("file", (string?)data["kind"]);
        Assert.Equal("/new.bin", (string?)data["path"]);
        Assert.Equal(100_000, (long)data["size"]!);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), (string?)data["file_content_md5"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), _emu.State.GetItem("/u10001400/new.bin").Sha256);

        byte[] other = RandomNumberGenerator.GetBytes(10);
        AssertFailure(await _emu.CreateFileAsync(Jane, "/new.bin", other), "ITEM_NAME_EXISTS");
        AssertFailure(await _emu.CreateFileAsync(Jane, "/new.bin", other, overwrite: false), "ITEM_NAME_EXISTS");
        AssertSuccess(await _emu.CreateFileAsync(Jane, "/new.bin", other, overwrite: true));
        Assert.Equal(10, _emu.State.GetItem("/u10001400/new.bin").Size);

        _emu.State.Options.NonAdminPaths = NonAdminPathStyle.Absolute;
        Assert.Equal("/u10001400/abs.bin", (string?)(await _emu.CreateFileAsync(Jane, "/abs.bin", other))["data"]!["path"]);
        Assert.Equal("/u10001400/x.bin", (string?)(await _emu.CreateFileAsync(Admin, "/u10001400/x.bin", other))["data"]!["path"]);
    }

    [Fact]
    public async Task Folders_come_back_with_a_trailing_slash_and_parents_are_not_created()
    {
        var folder = await _emu.CreateFolderAsync(Jane, "/Docs");
        Assert.Equal(["kind", "path", "name"], folder["data"]!.AsObject().Select(p => p.Key));
        Assert.Equal("/Docs/", (string?)folder["data"]!["path"]);
        Assert.Equal("Docs", (string?)folder["data"]!["name"]);
        AssertFailure(await _emu.CreateFolderAsync(Jane, "/Docs"), "ITEM_NAME_EXISTS");
        AssertFailure(await _emu.CreateFolderAsync(Jane, "/No/Such"), "INVALID_DATA");
        AssertFailure(await _emu.CreateFileAsync(Jane, "/No/file.bin", [1]), "INVALID_DATA");
        AssertFailure(await _emu.CreateFileAsync(Jane, "/Docs", [1], overwrite: true), "ITEM_NAME_EXISTS");
        Assert.Equal("/Top/", (string?)(await _emu.CreateFolderAsync(Admin, "/Top"))["data"]!["path"]);
        Assert.True(_emu.State.GetItem("/Top").Exists);
    }

    [Fact]
    public async Task Bad_creates_are_refused_and_leave_nothing()
    {
        async Task<JsonObject> Post(MultipartFormDataContent form)
        {
            var request = _emu.Request(HttpMethod.Post, Jane, $"api/{V}/services/file_staging/items");
            request.Content = form;
            return await _emu.SendAsync(request);
        }
        AssertFailure(await Post(new() { { new StringContent("/k.bin"), "path" } }), "PARAMETER_REQUIRED");
        AssertFailure(await Post(new() { { new StringContent("document"), "kind" }, { new StringContent("/k.bin"), "path" } }), "INVALID_DATA");
        AssertFailure(await Post(new() { { new StringContent("file"), "kind" }, { new StringContent("/k.bin"), "path" } }), "PARAMETER_REQUIRED");
        AssertFailure(await Post(new() { { new StringContent("folder"), "kind" } }), "PARAMETER_REQUIRED");

        _emu.State.Options.ItemMaxBytes = 1000;
        AssertFailure(await _emu.CreateFileAsync(Jane, "/big.bin", new byte[1001]), "EXCEEDS_FILE_MAX_SIZE");
        AssertSuccess(await _emu.CreateFileAsync(Jane, "/max.bin", new byte[1000]));
        Assert.Equal(["/max.bin"], Paths(await _emu.ListAsync(Jane, "/")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_emu.State.StagingRoot, ".tmp")));
    }

    [Fact]
    public async Task Content_MD5_is_ignored()
    {
        var request = _emu.Request(HttpMethod.Post, Jane, $"api/{V}/services/file_staging/items");
        var file = new ByteArrayContent([1, 2, 3]);
        request.Content = new MultipartFormDataContent { { new StringContent("file"), "kind" }, { new StringContent("/m.bin"), "path" }, { file, "file", "m.bin" } };
        Assert.True(request.Content.Headers.TryAddWithoutValidation("Content-MD5", "not-an-md5"));
        AssertSuccess(await _emu.SendAsync(request));
    }

    // ---- Download ----------------------------------------------------------------------------

    private async Task<(HttpResponseMessage Response, byte[] Body)> DownloadAsync(string path, string? range = null, string user = Jane)
    {
        var request = _emu.Request(HttpMethod.Get, user, ItemsUrl(path, content: true));
        if (range is not null) request.Headers.TryAddWithoutValidation("Range", range);
        var response = await _emu.Http.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Downloads_send_the_file_or_the_range_asked()
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(100_000);
        _emu.State.CreateItemDirect("/u10001400/d/file.bin", content: bytes);

        var (whole, body) = await DownloadAsync("/d/file.bin");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes, body);
        Assert.Equal("application/octet-stream; charset=UTF-8", whole.Content.Headers.ContentType!.ToString());
        Assert.Equal("attachment;filename=\"file.bin\"", whole.Content.Headers.NonValidated["Content-Disposition"].ToString());
        Assert.Null(whole.Content.Headers.ContentRange);

        var (ranged, part) = await DownloadAsync("/d/file.bin", "bytes=10-19");
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal("bytes 10-19/100000", ranged.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[10..20], part);

        Assert.Equal(bytes[99_990..], (await DownloadAsync("/d/file.bin", "bytes=99990-")).Body);
        Assert.Equal(bytes[99_995..], (await DownloadAsync("/d/file.bin", "bytes=-5")).Body);
        var (clamped, tail) = await DownloadAsync("/d/file.bin", "bytes=99999-200000");
        Assert.Equal("bytes 99999-99999/100000", clamped.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[99_999..], tail);

        _emu.State.Options.RangeStatus = 200;
        var (as200, same) = await DownloadAsync("/d/file.bin", "bytes=10-19");
        Assert.Equal(HttpStatusCode.OK, as200.StatusCode);
        Assert.Equal("bytes 10-19/100000", as200.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[10..20], same);
    }

    [Theory]
    [InlineData("/d/file.bin", "bytes=100000-100010", "INVALID_DATA")] // starts past the end
    [InlineData("/d/file.bin", "bytes=0-1000", "INVALID_DATA")]        // 1001 bytes, over ItemMaxBytes (1000 here)
    [InlineData("/d/file.bin", "bytes=500-", "INVALID_DATA")]          // 99,500 bytes
    [InlineData("/d/file.bin", "bytes=5-2", "INVALID_DATA")]
    [InlineData("/d/file.bin", "bytes=0-1,5-6", "INVALID_DATA")]
    [InlineData("/d/file.bin", "items=0-1", "INVALID_DATA")]
    [InlineData("/d", null, "INVALID_DATA")]                           // a folder
    [InlineData("/d/none.bin", null, "INVALID_DATA")]
    public async Task Refused_downloads_answer_the_json_envelope(string path, string? range, string type)
    {
        _emu.State.CreateItemDirect("/u10001400/d/file.bin", size: 100_000);
        _emu.State.Options.ItemMaxBytes = 1000;
        var (response, body) = await DownloadAsync(path, range);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        AssertFailure(JsonNode.Parse(body)!.AsObject(), type);
    }

    [Fact]
    public async Task A_range_past_the_end_may_answer_416()
    {
        _emu.State.CreateItemDirect("/u10001400/d/file.bin", size: 100);
        _emu.State.Options.RangePastEnd = RangePastEndStyle.Status416;
        var (response, body) = await DownloadAsync("/d/file.bin", "bytes=100-");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */100", response.Content.Headers.ContentRange!.ToString());
        Assert.Empty(body);
    }

    // ---- Move, rename, delete, jobs ----------------------------------------------------------

    [Fact]
    public async Task Move_and_rename_are_jobs_that_end_as_the_rules_say()
    {
        _emu.State.CreateItemDirect("/u10001400/a/one.bin", size: 1);
        _emu.State.CreateItemDirect("/u10001400/a/two.bin", size: 2);
        _emu.State.CreateItemDirect("/u10001400/b", kind: "folder");

        var started = await _emu.MoveAsync(Jane, "/a/one.bin", name: "uno.bin");
        Assert.Equal(["job_id", "url"], started["data"]!.AsObject().Select(p => p.Key));
        long jobId = (long)started["data"]!["job_id"]!;
        Assert.Equal($"/api/{V}/services/jobs/{jobId}", (string?)started["data"]!["url"]);
        var job = await _emu.WaitJobAsync(Jane, jobId);
        Assert.Equal(["id", "status", "method", "links", "created_by", "created_date", "run_start_date", "run_end_date"], job.Select(p => p.Key));
        Assert.Equal("SUCCESS", (string?)job["status"]);
        Assert.Equal("PUT", (string?)job["method"]);
        Assert.Equal(JaneId, (long)job["created_by"]!);
        var link = job["links"]!.AsArray().Single()!.AsObject();
        Assert.Equal(["rel", "href", "method", "accept"], link.Select(p => p.Key));
        Assert.True(_emu.State.GetItem("/u10001400/a/uno.bin").Exists);

        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/a/uno.bin", parent: "/b")));
        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/b/uno.bin", parent: "/", name: "back.bin")));
        Assert.True(_emu.State.GetItem("/u10001400/back.bin").Exists);

        // Failed jobs: the name exists, the parent does not, a folder into itself. Nothing moves.
        Assert.Equal("ERRORS_ENCOUNTERED", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/back.bin", parent: "/a", name: "two.bin")));
        Assert.Equal("ERRORS_ENCOUNTERED", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/back.bin", parent: "/nowhere")));
        Assert.Equal("ERRORS_ENCOUNTERED", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/a", parent: "/a")));
        Assert.Equal("ERRORS_ENCOUNTERED", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/back.bin", name: "back.bin")));
        Assert.True(_emu.State.GetItem("/u10001400/back.bin").Exists);
        Assert.Equal(2, _emu.State.GetItem("/u10001400/a/two.bin").Size);

        // Refused at once.
        AssertFailure(await _emu.MoveAsync(Jane, "/missing.bin", name: "x"), "INVALID_DATA");
        AssertFailure(await _emu.MoveAsync(Jane, "/back.bin"), "PARAMETER_REQUIRED");
        AssertFailure(await _emu.MoveAsync(Jane, "/back.bin", name: "a/b"), "INVALID_DATA");
        AssertFailure(await _emu.MoveAsync(Jane, "/", name: "x"), "OPERATION_NOT_ALLOWED");
        AssertFailure(await _emu.MoveAsync(Admin, "/u10001500", name: "x"), "OPERATION_NOT_ALLOWED");
    }

    [Fact]
    public async Task A_move_onto_a_taken_name_replaces_the_item_there_when_the_option_says_so()
    {
        // What Vault's job does with a taken name is UNCONFIRMED: --taken-name replace is the other reading.
        _emu.State.CreateItemDirect("/u10001400/r/one.bin", size: 1);
        _emu.State.CreateItemDirect("/u10001400/r/two.bin", size: 2);
        _emu.State.CreateItemDirect("/u10001400/r/dir/inner.bin", size: 3);
        _emu.State.CreateItemDirect("/u10001400/r/other/one.bin", size: 4);
        _emu.State.Options.TakenName = TakenNameStyle.Replace;
        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/r/one.bin", name: "two.bin")));
        Assert.False(_emu.State.GetItem("/u10001400/r/one.bin").Exists);
        Assert.Equal(1, _emu.State.GetItem("/u10001400/r/two.bin").Size);
        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/r/other/one.bin", parent: "/r", name: "dir")));
        Assert.Equal(4, _emu.State.GetItem("/u10001400/r/dir").Size);
        Assert.False(_emu.State.GetItem("/u10001400/r/dir/inner.bin").Exists);
        // Onto itself is still no move.
        Assert.Equal("ERRORS_ENCOUNTERED", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/r/two.bin", name: "two.bin")));
        Assert.True(_emu.State.GetItem("/u10001400/r/two.bin").Exists);
    }

    [Fact]
    public async Task Until_a_job_ends_the_item_stays_where_it_was()
    {
        _emu.State.CreateItemDirect("/u10001400/slow.bin", size: 1);
        _emu.State.Options.ItemJobDurationMs = 800;
        var started = await _emu.MoveAsync(Jane, "/slow.bin", name: "moved.bin");
        long jobId = (long)started["data"]!["job_id"]!;
        Assert.True(_emu.State.GetItem("/u10001400/slow.bin").Exists);
        var early = await _emu.GetAsync(Jane, $"api/{V}/services/jobs/{jobId}");
        Assert.Contains((string?)early["data"]!["status"], new[] { "QUEUED", "RUNNING" });
        Assert.Null(early["data"]!["run_end_date"]);
        Assert.Equal("SUCCESS", (string?)(await _emu.WaitJobAsync(Jane, jobId))["status"]);
        Assert.False(_emu.State.GetItem("/u10001400/slow.bin").Exists);
        Assert.True(_emu.State.GetItem("/u10001400/moved.bin").Exists);
    }

    [Fact]
    public async Task Job_status_is_read_at_most_once_per_interval_and_only_by_its_creator_or_an_admin()
    {
        _emu.State.CreateItemDirect("/u10001400/j.bin", size: 1);
        long jobId = (long)(await _emu.DeleteAsync(Jane, "/j.bin"))["data"]!["job_id"]!;
        string url = $"api/{V}/services/jobs/{jobId}";
        var first = await _emu.GetAsync(Jane, url);
        Assert.Equal("SUCCESS", (string?)first["data"]!["status"]);
        Assert.Equal("DELETE", (string?)first["data"]!["method"]);
        AssertFailure(await _emu.GetAsync(Jane, url), "API_LIMIT_EXCEEDED");
        AssertFailure(await _emu.GetAsync(Bob, url), "INSUFFICIENT_ACCESS");
        await Task.Delay(350);
        AssertSuccess(await _emu.GetAsync(Admin, url));
    }

    [Fact]
    public async Task Delete_removes_files_and_folders_and_refuses_roots()
    {
        _emu.State.CreateItemDirect("/u10001400/f.bin", size: 1);
        _emu.State.CreateItemDirect("/u10001400/empty", kind: "folder");
        _emu.State.CreateItemDirect("/u10001400/full/deep/x.bin", size: 1);

        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.DeleteAsync(Jane, "/f.bin")));
        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.DeleteAsync(Jane, "/empty")));
        AssertFailure(await _emu.DeleteAsync(Jane, "/full"), "OPERATION_NOT_ALLOWED"); // non-empty, no recursive (default: failure)
        Assert.True(_emu.State.GetItem("/u10001400/full/deep/x.bin").Exists);

        _emu.State.Options.NonEmptyDelete = NonEmptyDeleteStyle.JobError;
        Assert.Equal("ERRORS_ENCOUNTERED", await _emu.JobOutcomeAsync(Jane, _emu.DeleteAsync(Jane, "/full")));
        Assert.True(_emu.State.GetItem("/u10001400/full/deep/x.bin").Exists);

        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.DeleteAsync(Jane, "/full", recursive: true)));
        Assert.Empty(Paths(await _emu.ListAsync(Jane, "/")));

        AssertFailure(await _emu.DeleteAsync(Jane, "/", recursive: true), "OPERATION_NOT_ALLOWED");
        AssertFailure(await _emu.DeleteAsync(Admin, "/", recursive: true), "OPERATION_NOT_ALLOWED");
        AssertFailure(await _emu.DeleteAsync(Admin, "/u10001400", recursive: true), "OPERATION_NOT_ALLOWED");
        AssertFailure(await _emu.DeleteAsync(Jane, "/gone.bin"), "INVALID_DATA");
        AssertFailure(await _emu.SendAsync(_emu.Request(HttpMethod.Delete, Jane, ItemsUrl("/x") + "?recursive=yes")), "INVALID_DATA");
    }

    [Fact]
    public async Task A_committed_upload_becomes_a_listed_item_and_a_commit_over_a_file_fails_its_job()
    {
        async Task<long> UploadAndCommitAsync(byte[] content, bool overwrite)
        {
            var create = _emu.Request(HttpMethod.Post, Jane, $"api/{V}/services/file_staging/upload");
            create.Content = new FormUrlEncodedContent([new("path", "/commit/c.bin"), new("size", content.Length.ToString()), new("overwrite", overwrite ? "true" : "false")]);
            string id = (string)(await _emu.SendAsync(create))["data"]!["id"]!;
            var part = _emu.Request(HttpMethod.Put, Jane, $"api/{V}/services/file_staging/upload/{Uri.EscapeDataString(id)}");
            part.Content = new ByteArrayContent(content);
            part.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            part.Headers.Add("X-VaultAPI-FilePartNumber", "1");
            AssertSuccess(await _emu.SendAsync(part));
            var commit = await _emu.SendAsync(_emu.Request(HttpMethod.Post, Jane, $"api/{V}/services/file_staging/upload/{Uri.EscapeDataString(id)}"));
            Assert.Equal(["job_id"], commit["data"]!.AsObject().Select(p => p.Key));
            return (long)commit["data"]!["job_id"]!;
        }

        byte[] first = RandomNumberGenerator.GetBytes(1000);
        var job = await _emu.WaitJobAsync(Jane, await UploadAndCommitAsync(first, overwrite: false));
        Assert.Equal("SUCCESS", (string?)job["status"]);
        Assert.Equal("POST", (string?)job["method"]);
        var listed = await _emu.ListAsync(Jane, "/commit/c.bin");
        Assert.Equal(1000, (long)listed["data"]![0]!["size"]!);
        Assert.True(_emu.State.GetStagedFile("/u10001400/commit/c.bin").Exists);

        job = await _emu.WaitJobAsync(Jane, await UploadAndCommitAsync(RandomNumberGenerator.GetBytes(10), overwrite: false));
        Assert.Equal("ERRORS_ENCOUNTERED", (string?)job["status"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first)), _emu.State.GetStagedFile("/u10001400/commit/c.bin").Sha256);
        Assert.Equal(["/u10001000", "/u10001400", "/u10001500"], Paths(await _emu.ListAsync(Admin, "/"))); // no .parts, no .tmp
    }
}
