using System.Net;
using System.Text;
using VaultStaging.Emulator;
using static VaultStaging.Tests.Emulator.EmulatorHttp;

namespace VaultStaging.Tests.Emulator;

/// <summary>
/// format_result=csv on a listing (documented by Veeva: "the response includes a job_id"): the job's status, once
/// SUCCESS, carries a link with rel "results" and accept text/csv (what vvfst downloads), which gives the listing.
/// </summary>
public sealed class EmulatorListingExportTests : IClassFixture<EmulatorHttp>
{
    private readonly EmulatorHttp _emu;

    public EmulatorListingExportTests(EmulatorHttp emu)
    {
        _emu = emu;
        _emu.Reset();
        _emu.State.Options.JobStatusMinIntervalSeconds = 0.3;
        _emu.State.CreateItemDirect("/u10001400/x/b", size: 69650794, modified: new DateTimeOffset(2020, 10, 20, 0, 51, 48, TimeSpan.Zero));
        _emu.State.CreateItemDirect("/u10001400/x/sub/c \"q\".txt", size: 3, modified: new DateTimeOffset(2021, 1, 2, 3, 4, 5, TimeSpan.Zero));
    }

    private async Task<(HttpStatusCode Status, string? Type, string Body)> GetAsync(string url)
    {
        using var response = await _emu.Http.SendAsync(_emu.Request(HttpMethod.Get, Jane, url));
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(ListingFormStyle.Reference)]
    [InlineData(ListingFormStyle.Recorded)]
    public async Task A_csv_listing_is_a_job_whose_results_link_gives_the_csv(ListingFormStyle form)
    {
        _emu.State.Options.ListingForm = form;
        var started = await _emu.ListAsync(Jane, "/x", "recursive=true&format_result=csv");
        AssertSuccess(started);
        long jobId = (long)started["data"]!["job_id"]!;
        Assert.Equal($"/api/{V}/services/jobs/{jobId}", (string?)started["data"]!["url"]);

        var status = await _emu.WaitJobAsync(Jane, jobId);
        Assert.Equal("SUCCESS", (string?)status["status"]);
        Assert.Equal("GET", (string?)status["method"]);
        var results = Assert.Single(status["links"]!.AsArray(), l => (string?)l!["rel"] == "results")!;
        Assert.Equal("GET", (string?)results["method"]);
        Assert.Equal("text/csv", (string?)results["accept"]);
        string href = (string)results["href"]!;
        Assert.StartsWith("/api/", href); // host-relative, as vvfst expects (it prefixes https://{vault})

        var (code, type, body) = await GetAsync(href.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("text/csv", type);
        string[] lines = body.TrimEnd('\n').Split('\n');
        Assert.Equal("\"kind\",\"path\",\"name\",\"size\",\"modified_date\"", lines[0]);
        Assert.Contains("\"file\",\"/x/b\",\"b\",\"69650794\",\"2020-10-20T00:51:48.000Z\"", lines);
        Assert.Contains("\"file\",\"/x/sub/c \"\"q\"\".txt\",\"c \"\"q\"\".txt\",\"3\",\"2021-01-02T03:04:05.000Z\"", lines);
        if (form == ListingFormStyle.Reference) Assert.Contains("\"folder\",\"/x/sub\",\"sub\",\"\",\"\"", lines);
        else Assert.DoesNotContain(lines, l => l.StartsWith("\"folder\"", StringComparison.Ordinal));
        Assert.Equal(form == ListingFormStyle.Reference ? 4 : 3, lines.Length);
    }

    [Fact]
    public async Task An_export_of_a_missing_path_or_another_format_is_refused_at_once_and_results_are_the_creators()
    {
        AssertFailure(await _emu.ListAsync(Jane, "/nope", "format_result=csv"), "INVALID_DATA");
        AssertFailure(await _emu.ListAsync(Jane, "/x", "format_result=xlsx"), "INVALID_DATA");
        Assert.Empty(_emu.State.GetJobs());

        var started = await _emu.ListAsync(Jane, "/x", "format_result=csv");
        long jobId = (long)started["data"]!["job_id"]!;
        await _emu.WaitJobAsync(Jane, jobId);
        using var bobs = await _emu.Http.SendAsync(_emu.Request(HttpMethod.Get, Bob, $"api/{V}/services/jobs/{jobId}/results"));
        AssertFailure(System.Text.Json.Nodes.JsonNode.Parse(await bobs.Content.ReadAsStringAsync())!.AsObject(), "INSUFFICIENT_ACCESS");
        var (_, _, plain) = await GetAsync($"api/{V}/services/jobs/{jobId}/results");
        Assert.Equal(3, plain.TrimEnd('\n').Split('\n').Length); // not recursive: the file b and the folder sub
    }
}
