using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;
using static VaultStaging.Tests.Emulator.EmulatorHttp;

namespace VaultStaging.Tests.Emulator;

/// <summary>
/// The network profile, measured. Only lower bounds on time (a loaded 2-core machine is only ever slower),
/// plus a throughput that must not pass the limit by more than 10 %.
/// </summary>
public sealed class EmulatorNetworkProfileTests : IClassFixture<EmulatorHttp>
{
    private readonly EmulatorHttp _emu;
    private readonly ITestOutputHelper _output;

    public EmulatorNetworkProfileTests(EmulatorHttp emu, ITestOutputHelper output)
    {
        _emu = emu;
        _output = output;
        _emu.Reset();
    }

    private async Task<(long Bytes, TimeSpan Elapsed)> DownloadAsync(HttpClient client, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.SendAsync(_emu.Request(HttpMethod.Get, Jane, ItemsUrl(path, content: true)), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await response.Content.ReadAsStreamAsync();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0) total += n;
        return (total, watch.Elapsed);
    }

    [Fact]
    public async Task A_20_MB_download_at_100_Mbit_takes_about_1_6_seconds()
    {
        const long size = 20_000_000;
        _emu.State.CreateItemDirect("/u10001400/big.bin", size: size, sparse: true);
        _emu.State.Options.BandwidthMbps = 100;
        using var client = _emu.NewClient();

        var (bytes, elapsed) = await DownloadAsync(client, "/big.bin");
        double mbps = bytes * 8 / elapsed.TotalSeconds / 1_000_000;
        _output.WriteLine($"{bytes} bytes in {elapsed.TotalSeconds:F2} s = {mbps:F1} Mbit/s (limit 100, ideal 1.60 s)");
        Assert.Equal(size, bytes);
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.2), $"{elapsed.TotalSeconds:F2} s");
        Assert.True(mbps <= 110, $"{mbps:F1} Mbit/s");
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"{elapsed.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task Uploads_are_paced_too_and_a_run_time_change_reaches_open_connections()
    {
        using var client = _emu.NewClient();
        var request = _emu.Request(HttpMethod.Get, Jane, ItemsUrl("/"));
        using (await client.SendAsync(request)) { } // the connection is open before the limit is set

        _emu.State.Options.BandwidthMbps = 50;
        byte[] bytes = new byte[5_000_000];
        var watch = Stopwatch.StartNew();
        var form = new MultipartFormDataContent
        {
            { new StringContent("file"), "kind" }, { new StringContent("/up.bin"), "path" }, { new ByteArrayContent(bytes), "file", "up.bin" },
        };
        var upload = _emu.Request(HttpMethod.Post, Jane, $"api/{V}/services/file_staging/items");
        upload.Content = form;
        AssertSuccess(await _emu.SendAsync(upload, client));
        double mbps = bytes.Length * 8 / watch.Elapsed.TotalSeconds / 1_000_000;
        _output.WriteLine($"upload of {bytes.Length} bytes: {watch.Elapsed.TotalSeconds:F2} s = {mbps:F1} Mbit/s (limit 50, ideal 0.80 s)");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.7), $"{watch.Elapsed.TotalSeconds:F2} s");
        Assert.True(mbps <= 55, $"{mbps:F1} Mbit/s");
    }

    [Fact]
    public async Task Latency_is_added_to_every_request_and_once_to_a_new_connection()
    {
        _emu.State.Options.LatencyMs = 150;
        using var client = _emu.NewClient();
        var watch = Stopwatch.StartNew();
        AssertSuccess(await _emu.SendAsync(_emu.Request(HttpMethod.Get, Jane, ItemsUrl("/")), client)); // new connection + request
        var first = watch.Elapsed;
        watch.Restart();
        AssertSuccess(await _emu.SendAsync(_emu.Request(HttpMethod.Get, Jane, ItemsUrl("/")), client)); // same connection
        var second = watch.Elapsed;
        _output.WriteLine($"first {first.TotalMilliseconds:F0} ms, second {second.TotalMilliseconds:F0} ms (latency 150 ms)");
        Assert.True(first >= TimeSpan.FromMilliseconds(290), $"{first.TotalMilliseconds:F0} ms");
        Assert.True(second >= TimeSpan.FromMilliseconds(145), $"{second.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Without_a_profile_transfers_are_not_held_back()
    {
        _emu.State.CreateItemDirect("/u10001400/big.bin", size: 20_000_000, sparse: true);
        using var client = _emu.NewClient();
        var (bytes, elapsed) = await DownloadAsync(client, "/big.bin");
        _output.WriteLine($"{bytes} bytes in {elapsed.TotalSeconds:F3} s without a profile");
        Assert.Equal(20_000_000, bytes);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"{elapsed.TotalSeconds:F2} s");
    }
}
