using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VaultStaging.Emulator;

namespace VaultStaging.Tests.Emulator;

/// <summary>
/// With --staging-root DIR the staged files and the upload sessions (with their parts) outlive the emulator: a
/// second start on the same root lists them and takes the rest of the parts and the commit, so a client can try
/// "resume after the server came back".
/// </summary>
public sealed class EmulatorRestartTests : IDisposable
{
    private const string V = EmulatorHttp.V;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vaultstaging-restart-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private EmulatorOptions Options() => new() { StagingRoot = _root, Seed = false };

    private static async Task<JsonObject> SendAsync(VaultEmulator emu, HttpMethod method, string url, HttpContent? content = null, int? partNumber = null)
    {
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emu.State.GetToken(EmulatorOptions.JaneUserName));
        if (partNumber is { } n) request.Headers.Add("X-VaultAPI-FilePartNumber", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await http.SendAsync(request);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.True((string?)answer["responseStatus"] == "SUCCESS", answer.ToJsonString());
        return answer;
    }

    private static ByteArrayContent Bytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    [Fact]
    public async Task A_session_and_its_parts_outlive_a_restart_on_the_same_staging_root_and_commit_after_it()
    {
        byte[] file = RandomNumberGenerator.GetBytes((int)EmulatorState.MinPartSize + 1000);
        byte[] first = file[..(int)EmulatorState.MinPartSize], rest = file[(int)EmulatorState.MinPartSize..];
        string id;
        await using (var emu = await VaultEmulator.StartAsync(Options()))
        {
            emu.State.CreateItemDirect("/u10001400/kept.txt", size: 7);
            var created = await SendAsync(emu, HttpMethod.Post, $"api/{V}/services/file_staging/upload",
                new FormUrlEncodedContent([new("path", "/big.bin"), new("size", file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))]));
            id = (string)created["data"]!["id"]!;
            await SendAsync(emu, HttpMethod.Put, $"api/{V}/services/file_staging/upload/{id}", Bytes(first), partNumber: 1);
        }

        await using (var emu = await VaultEmulator.StartAsync(Options()))
        {
            Assert.Equal(7, emu.State.GetItem("/u10001400/kept.txt").Size);
            var session = (await SendAsync(emu, HttpMethod.Get, $"api/{V}/services/file_staging/upload/{id}"))["data"]!;
            Assert.Equal("/big.bin", (string?)session["path"]);
            Assert.Equal(first.Length, (long)session["uploaded"]!);
            Assert.Equal(1, (int)session["uploaded_parts"]!);
            var parts = (await SendAsync(emu, HttpMethod.Get, $"api/{V}/services/file_staging/upload/{id}/parts"))["data"]!.AsArray();
            var part = Assert.Single(parts)!;
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(first)), (string?)part["part_content_md5"]);

            await SendAsync(emu, HttpMethod.Put, $"api/{V}/services/file_staging/upload/{id}", Bytes(rest), partNumber: 2);
            await SendAsync(emu, HttpMethod.Post, $"api/{V}/services/file_staging/upload/{id}");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), emu.State.GetItem("/u10001400/big.bin").Sha256);
        }

        // A committed session is not brought back by the next start; nor is anything after a reset.
        await using (var emu = await VaultEmulator.StartAsync(Options()))
        {
            Assert.Empty(emu.State.GetUploadSessions());
            Assert.True(emu.State.GetItem("/u10001400/big.bin").Exists);
            emu.State.Reset();
        }
        await using (var emu = await VaultEmulator.StartAsync(Options()))
        {
            Assert.False(emu.State.GetItem("/u10001400/big.bin").Exists);
            Assert.Empty(emu.State.GetUploadSessions());
        }
    }
}
