using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VaultStaging.Emulator;
using static VaultStaging.Tests.Emulator.EmulatorHttp;

namespace VaultStaging.Tests.Emulator;

/// <summary>The emulator's items calls (list, paging, paths, names), over real HTTP: its own self-tests.</summary>
public sealed partial class EmulatorItemsTests : IClassFixture<EmulatorHttp>
{
    private readonly EmulatorHttp _emu;

    public EmulatorItemsTests(EmulatorHttp emu)
    {
        _emu = emu;
        _emu.Reset();
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$")]
    private static partial Regex VaultDate();

    [Fact]
    public async Task Reset_makes_a_folder_for_every_user_of_this_vault()
    {
        var answer = await _emu.ListAsync(Admin, "/");
        AssertSuccess(answer);
        Assert.Equal(["/u10001000", "/u10001400", "/u10001500"], Paths(answer)); // not the outsider of another vault
        Assert.All(answer["data"]!.AsArray(), i => Assert.Equal(["kind", "path", "name"], i!.AsObject().Select(p => p.Key)));
        Assert.Null(answer["responseDetails"]);
        Assert.Equal(Path.Combine(_emu.State.StagingRoot, "files"), _emu.State.FilesRoot); // parts and temp files live beside the tree
    }

    [Fact]
    public async Task A_non_admin_lists_their_own_folder_in_both_path_styles()
    {
        _emu.State.CreateItemDirect("/u10001400/Folder/x.bin", size: 10);

        var top = await _emu.ListAsync(Jane, "/");
        Assert.Equal(["/Folder"], Paths(top));
        var all = await _emu.ListAsync(Jane, "", "recursive=true");
        Assert.Equal(["/Folder", "/Folder/x.bin"], Paths(all));

        _emu.State.Options.NonAdminPaths = NonAdminPathStyle.Absolute;
        Assert.Equal(["/u10001400/Folder", "/u10001400/Folder/x.bin"], Paths(await _emu.ListAsync(Jane, "/", "recursive=true")));
        Assert.Equal(["/u10001400/Folder/x.bin"], Paths(await _emu.ListAsync(Jane, "/Folder")));

        // The admin writes from the root; Bob cannot reach Jane's folder (his "/" is /u10001500).
        Assert.Equal(["/u10001400/Folder/x.bin"], Paths(await _emu.ListAsync(Admin, "/u10001400/Folder")));
        AssertFailure(await _emu.ListAsync(Bob, "/Folder"), "INVALID_DATA");
        AssertFailure(await _emu.ListAsync(Bob, "/u10001400"), "INVALID_DATA");
        Assert.Empty(Paths(await _emu.ListAsync(Bob, "/")));
    }

    [Fact]
    public async Task A_file_path_lists_that_one_file_with_size_and_modified_date()
    {
        var modified = new DateTimeOffset(2020, 10, 7, 16, 28, 38, 500, TimeSpan.Zero);
        _emu.State.CreateItemDirect("/u10001400/f/data.csv", size: 1234, modified: modified);

        var answer = await _emu.ListAsync(Jane, "/f/data.csv");
        var item = Assert.Single(answer["data"]!.AsArray())!.AsObject();
        Assert.Equal(["kind", "path", "name", "size", "modified_date"], item.Select(p => p.Key));
        Assert.Equal("file", (string?)item["kind"]);
        Assert.Equal("/f/data.csv", (string?)item["path"]);
        Assert.Equal("data.csv", (string?)item["name"]);
        Assert.Equal(1234, (long)item["size"]!);
        Assert.Equal("2020-10-07T16:28:38.000Z", (string?)item["modified_date"]);
    }

    [Fact]
    public async Task Listings_are_depth_first_with_names_in_ordinal_order()
    {
        foreach (var p in new[] { "a/b.bin", "a-c.bin", "B.bin", "a/a/z.bin" })
            _emu.State.CreateItemDirect("/u10001400/o/" + p, size: 1);

        Assert.Equal(["/o/B.bin", "/o/a", "/o/a/a", "/o/a/a/z.bin", "/o/a/b.bin", "/o/a-c.bin"],
            Paths(await _emu.ListAsync(Jane, "/o", "recursive=true")));
        Assert.Equal(["/o/B.bin", "/o/a", "/o/a-c.bin"], Paths(await _emu.ListAsync(Jane, "/o", "recursive=false")));
        Assert.All((await _emu.ListAsync(Jane, "/o", "recursive=true"))["data"]!.AsArray().Where(i => (string?)i!["kind"] == "file"),
            i => Assert.Matches(VaultDate(), (string)i!["modified_date"]!));
    }

    [Fact]
    public async Task Pages_follow_next_page_from_a_snapshot_taken_at_the_first_page()
    {
        for (int i = 0; i < 25; i++) _emu.State.CreateItemDirect($"/u10001400/p/f{i:D2}.bin", size: i);

        var first = await _emu.ListAsync(Jane, "/p", "limit=10");
        Assert.Equal(10, first["data"]!.AsArray().Count);
        string? next = (string)first["responseDetails"]!["next_page"]!;
        Assert.StartsWith(_emu.Emulator.BaseUrl + "/api/", next);
        Assert.Contains("cursor=", next);

        // Changes after the first page do not show in its later pages.
        _emu.State.CreateItemDirect("/u10001400/p/new.bin", size: 1);
        _emu.State.DeleteItemDirect("/u10001400/p/f24.bin");

        var paths = Paths(first);
        while (next is not null)
        {
            var page = await _emu.GetAsync(Jane, next);
            AssertSuccess(page);
            paths.AddRange(Paths(page));
            next = (string?)page["responseDetails"]?["next_page"];
            if (next is null) Assert.Null(page["responseDetails"]);
        }
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"/p/f{i:D2}.bin"), paths);
    }

    [Fact]
    public async Task A_cursor_lives_30_minutes_of_the_emulator_clock_and_belongs_to_its_user()
    {
        for (int i = 0; i < 3; i++) _emu.State.CreateItemDirect($"/u10001400/c/f{i}.bin", size: 1);
        var first = await _emu.ListAsync(Jane, "/c", "limit=1");
        string next = (string)first["responseDetails"]!["next_page"]!;

        AssertFailure(await _emu.GetAsync(Bob, next), "INVALID_DATA");
        _emu.State.AdvanceClock(TimeSpan.FromMinutes(29));
        var second = await _emu.GetAsync(Jane, next);
        Assert.Equal(["/c/f1.bin"], Paths(second));
        string third = (string)second["responseDetails"]!["next_page"]!;

        _emu.State.AdvanceClock(TimeSpan.FromMinutes(30));
        AssertFailure(await _emu.GetAsync(Jane, third), "INVALID_DATA");
        AssertFailure(await _emu.GetAsync(Jane, ItemsUrl("/c") + "?cursor=bm90LWEtY3Vyc29y"), "INVALID_DATA");
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=1001")]
    [InlineData("?limit=ten")]
    [InlineData("?recursive=maybe")]
    [InlineData("/missing")]
    [InlineData("/%2E%2E/u10001500")]
    [InlineData("/../u10001500")]
    [InlineData("/./x")]
    [InlineData("/a%2Fb")]
    [InlineData("/x//y")]
    [InlineData("/bad%ZZescape")]
    [InlineData("/%FF")]
    public async Task Bad_list_requests_answer_INVALID_DATA(string tail)
    {
        _emu.State.CreateItemDirect("/u10001400/x/y/z.bin", size: 1);
        string url = tail.StartsWith('?') ? ItemsUrl("/x") + tail : $"api/{V}/services/file_staging/items{tail}";
        var (status, body) = await _emu.RawGetAsync(Jane, "/" + url); // sent as written: no client-side dot-segment removal
        Assert.Equal(200, status);
        AssertFailure(JsonNode.Parse(body)!.AsObject(), "INVALID_DATA");
    }

    public static readonly TheoryData<string> OddNames =
    [
        "a b", "hash#1", "100%", "1+1", "what?", "ünïcødé-名前", "emoji 😀", "semi;colon", "it's", "[x]{y}", "a,b=c&d", "trailing space ",
    ];

    [Theory]
    [MemberData(nameof(OddNames))]
    public async Task Odd_names_round_trip(string name)
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(100);
        string path = "/odd/" + name;
        await _emu.CreateFolderAsync(Jane, "/odd");
        var created = await _emu.CreateFileAsync(Jane, path, bytes);
        AssertSuccess(created);
        Assert.Equal(path, (string?)created["data"]!["path"]);
        Assert.Equal(name, (string?)created["data"]!["name"]);
        Assert.True(_emu.State.GetItem("/u10001400" + path).Exists);

        Assert.Equal([path], Paths(await _emu.ListAsync(Jane, "/odd")));
        var one = await _emu.ListAsync(Jane, path);
        Assert.Equal(name, (string?)one["data"]![0]!["name"]);

        using var response = await _emu.Http.SendAsync(_emu.Request(HttpMethod.Get, Jane, ItemsUrl(path, content: true)));
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        string disposition = response.Content.Headers.NonValidated["Content-Disposition"].ToString();
        Assert.Equal($"attachment;filename=\"{name}\"", disposition);
        Assert.Contains(_emu.State.GetLog(), e => e.Operation == "content" && e.ItemPath == path);
    }

    [Fact]
    public async Task A_literal_plus_in_the_url_is_a_plus_and_percent_escapes_are_decoded_once()
    {
        _emu.State.CreateItemDirect("/u10001400/1+1", size: 1);
        _emu.State.CreateItemDirect("/u10001400/%41", size: 2);
        Assert.Equal(["/1+1"], Paths(await _emu.GetAsync(Jane, $"api/{V}/services/file_staging/items/1+1")));
        Assert.Equal(["/%41"], Paths(await _emu.GetAsync(Jane, $"api/{V}/services/file_staging/items/%2541")));
        AssertFailure(await _emu.GetAsync(Jane, $"api/{V}/services/file_staging/items/1%201"), "INVALID_DATA");
    }

    [Fact]
    public async Task Session_objects_lose_name_and_overwrite_with_session_fields_seed()
    {
        var full = (await _emu.GetAsync(Jane, $"api/{V}/services/file_staging/upload"))["data"]!.AsArray();
        Assert.All(full, s => { Assert.NotNull(s!["name"]); Assert.NotNull(s["overwrite"]); });

        _emu.State.Options.SessionFields = SessionFieldsStyle.Seed;
        var seed = (await _emu.GetAsync(Jane, $"api/{V}/services/file_staging/upload"))["data"]!.AsArray();
        Assert.Equal(3, seed.Count);
        Assert.All(seed, s => { Assert.Null(s!["name"]); Assert.Null(s["overwrite"]); Assert.NotNull(s["path"]); });
    }

    [Fact]
    public async Task Options_round_trip_through_the_control_api()
    {
        using var body = new StringContent("""
            {"sessionFields":"seed","rangeStatus":200,"rangePastEnd":"416","nonEmptyDelete":"job-error","itemJobDurationMs":250,
             "itemMaxBytes":52428800,"latencyMs":0,"bandwidthMbps":0}
            """);
        using var response = await _emu.Http.PostAsync("_emulator/options", body);
        var options = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("seed", (string?)options["sessionFields"]);
        Assert.Equal(200, (int)options["rangeStatus"]!);
        Assert.Equal("416", (string?)options["rangePastEnd"]);
        Assert.Equal("job-error", (string?)options["nonEmptyDelete"]);
        Assert.Equal(250, (int)options["itemJobDurationMs"]!);
        Assert.Equal(52428800, (long)options["itemMaxBytes"]!);
        Assert.Equal(NonEmptyDeleteStyle.JobError, _emu.State.Options.NonEmptyDelete);
        Assert.Equal(RangePastEndStyle.Status416, _emu.State.Options.RangePastEnd);

        using var bad = await _emu.Http.PostAsync("_emulator/options", new StringContent("""{"rangeStatus":204}"""));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(200, _emu.State.Options.RangeStatus);
    }
}
