using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using static VaultStaging.Tests.Emulator.EmulatorHttp;

namespace VaultStaging.Tests.Emulator;

/// <summary>The control API's item calls (/_emulator/items), and a big tree listed page by page.</summary>
public sealed class EmulatorItemsControlTests : IClassFixture<EmulatorHttp>
{
    private readonly EmulatorHttp _emu;
    private readonly ITestOutputHelper _output;

    public EmulatorItemsControlTests(EmulatorHttp emu, ITestOutputHelper output)
    {
        _emu = emu;
        _output = output;
        _emu.Reset();
    }

    private async Task<JsonNode> ControlAsync(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, "_emulator/" + path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await _emu.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Items_are_made_read_changed_and_removed_through_the_control_api()
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(300);
        var made = await ControlAsync(HttpMethod.Post, "items", new
        {
            path = "/u10001400/deep/er/file.bin", kind = "file", contentBase64 = Convert.ToBase64String(bytes), modifiedDate = "2021-02-03T04:05:06Z",
        });
        Assert.True((bool)made["exists"]!);
        Assert.Equal("file", (string?)made["kind"]);
        Assert.Equal(300, (long)made["size"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string?)made["sha256"]);
        Assert.Equal(new DateTimeOffset(2021, 2, 3, 4, 5, 6, TimeSpan.Zero), DateTimeOffset.Parse((string)made["modifiedDate"]!));
        Assert.Equal("2021-02-03T04:05:06.000Z", (string?)(await _emu.ListAsync(Jane, "/deep/er/file.bin"))["data"]![0]!["modified_date"]);

        // Seeded content is deterministic.
        var a = await ControlAsync(HttpMethod.Post, "items", new { path = "/u10001400/s1.bin", size = 5000, seed = 7 });
        var b = await ControlAsync(HttpMethod.Post, "items", new { path = "/u10001400/s2.bin", size = 5000, seed = 7 });
        Assert.Equal((string?)a["sha256"], (string?)b["sha256"]);
        Assert.Equal("folder", (string?)(await ControlAsync(HttpMethod.Post, "items", new { path = "/u10001400/empty", kind = "folder" }))["kind"]);

        var changed = await ControlAsync(HttpMethod.Post, "items/modify", new { path = "/u10001400/deep/er/file.bin", appendBytes = 50 });
        Assert.Equal(350, (long)changed["size"]!);
        Assert.True(DateTimeOffset.Parse((string)changed["modifiedDate"]!) > new DateTimeOffset(2021, 2, 3, 4, 5, 6, TimeSpan.Zero));
        changed = await ControlAsync(HttpMethod.Post, "items/modify", new { path = "/u10001400/deep/er/file.bin", size = 10, modifiedDate = "2022-01-01T00:00:00Z" });
        Assert.Equal(10, (long)changed["size"]!);
        Assert.StartsWith("2022-01-01T00:00:00", (string?)changed["modifiedDate"]);

        var read = await ControlAsync(HttpMethod.Get, "items?path=" + Uri.EscapeDataString("/u10001400/deep/er/file.bin"));
        Assert.Equal((string?)changed["sha256"], (string?)read["sha256"]);
        var staged = await ControlAsync(HttpMethod.Get, "staged?path=" + Uri.EscapeDataString("/u10001400/deep/er/file.bin"));
        Assert.Equal((string?)read["sha256"], (string?)staged["sha256"]);

        Assert.True((bool)(await ControlAsync(HttpMethod.Delete, "items?path=" + Uri.EscapeDataString("/u10001400/deep")))["removed"]!);
        Assert.False((bool)(await ControlAsync(HttpMethod.Get, "items?path=" + Uri.EscapeDataString("/u10001400/deep")))["exists"]!);
        Assert.False((bool)(await ControlAsync(HttpMethod.Delete, "items?path=" + Uri.EscapeDataString("/u10001400/deep")))["removed"]!);

        using var bad = await _emu.Http.PostAsJsonAsync("_emulator/items", new { path = "/u10001400/../x", kind = "file" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_tree_of_20000_items_is_made_in_bulk_and_listed_page_by_page()
    {
        var made = await ControlAsync(HttpMethod.Post, "items", new { root = "/u10001400/bulk", folders = 20, filesPerFolder = 1000, size = 16 });
        Assert.Equal(20_000, (long)made["files"]!);
        _output.WriteLine($"bulk: 20,000 files in {(long)made["elapsedMs"]!} ms");

        var watch = Stopwatch.StartNew();
        int pages = 0, items = 0;
        string? next = ItemsUrl("/bulk") + "?recursive=true";
        string? previous = null;
        while (next is not null)
        {
            var page = await _emu.GetAsync(Jane, next);
            pages++;
            foreach (var item in page["data"]!.AsArray())
            {
                string path = (string)item!["path"]!;
                if (previous is not null && ItemsOrder(previous, path) >= 0) Assert.Fail($"{previous} before {path}");
                previous = path;
                items++;
            }
            next = (string?)page["responseDetails"]?["next_page"];
        }
        _output.WriteLine($"listing: {items} items in {pages} pages, {watch.ElapsedMilliseconds} ms");
        Assert.Equal(20_020, items);
        Assert.Equal(21, pages);
        Assert.Equal("/bulk/folder-00020/file-01000.bin", previous);
    }

    /// <summary>Depth-first order: compare segment by segment, ordinal.</summary>
    private static int ItemsOrder(string a, string b)
    {
        string[] x = a.Split('/'), y = b.Split('/');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            int c = string.CompareOrdinal(x[i], y[i]);
            if (c != 0) return c;
        }
        return x.Length.CompareTo(y.Length);
    }
}
