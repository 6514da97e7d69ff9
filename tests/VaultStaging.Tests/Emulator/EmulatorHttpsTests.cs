using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Text.Json.Nodes;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Emulator;

/// <summary>
/// The emulator over https (--tls-cert/--tls-key), for clients that insist on https as Veeva's does: its answers'
/// links say https, and the module's own client lists, sends and receives over it, trusting the test certificate
/// through its handler seam.
/// </summary>
public sealed class EmulatorHttpsTests : IDisposable
{
    private readonly TestCertificate _tls = new();

    public void Dispose() => _tls.Dispose();

    private EmulatorOptions HttpsOptions() => new()
    {
        Urls = "https://127.0.0.1:0",
        TlsCertificatePath = _tls.CertificatePath,
        TlsKeyPath = _tls.KeyPath,
        ListPageSize = 1,
        JobStatusMinIntervalSeconds = 0.3,
    };

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    [Fact]
    public async Task Serves_https_with_the_pem_certificate_and_its_next_page_links_say_https()
    {
        await using var emu = await VaultEmulator.StartAsync(HttpsOptions());
        Assert.StartsWith("https://127.0.0.1:", emu.BaseUrl, StringComparison.Ordinal);
        emu.State.CreateItemDirect("/u10001400/a.txt", size: 3);
        emu.State.CreateItemDirect("/u10001400/b.txt", size: 3);
        using var http = new HttpClient(_tls.NewHandler()) { BaseAddress = emu.BaseUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emu.State.GetToken(EmulatorOptions.JaneUserName));

        var sessions = JsonNode.Parse(await http.GetStringAsync("api/v26.1/services/file_staging/upload"))!;
        var items = JsonNode.Parse(await http.GetStringAsync("api/v26.1/services/file_staging/items/?limit=1"))!;

        Assert.StartsWith(emu.BaseUrl + "/api/", (string?)sessions["responseDetails"]?["next_page"]);
        Assert.StartsWith(emu.BaseUrl + "/api/", (string?)items["responseDetails"]?["next_page"]);
        var versions = JsonNode.Parse(await http.GetStringAsync("api/"))!["values"]!.AsObject();
        Assert.All(versions, v => Assert.StartsWith("https://", (string?)v.Value));
    }

    [Fact]
    public async Task The_module_client_lists_sends_and_receives_over_https()
    {
        await using var emu = await VaultEmulator.StartAsync(HttpsOptions());
        var options = new VaultClientOptions { Retry = new RetryPolicy { MaximumRetryCount = 0 } };
        using var client = await VaultClient.ConnectWithPasswordAsync(emu.BaseUri, EmulatorOptions.JaneUserName,
            Secure(emu.State.Users.First(u => u.UserName == EmulatorOptions.JaneUserName).Password), options, VaultCallContext.None, _tls.NewHandler());

        Assert.Equal(3, client.ListUploadSessions(VaultCallContext.None).Count()); // the seed's three, one page each
        await client.CreateFolderAsync("/secure", VaultCallContext.None);
        byte[] bytes = Encoding.UTF8.GetBytes("sent over https");
        var sent = await client.UploadFileAsync("/secure/x.txt", bytes.Length, () => new MemoryStream(bytes), overwrite: false, VaultCallContext.None);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes)), sent.Md5);
        Assert.Equal(["/secure/x.txt"], client.ListItems("/secure", recursive: true, VaultCallContext.None).Select(i => i.Path));
        var received = new MemoryStream();
        await client.DownloadRangeAsync("/secure/x.txt", 0, bytes.Length, bytes.Length,
            (buffer, offset, count, _) => received.WriteAsync(buffer, offset, count), VaultCallContext.None);
        Assert.Equal(bytes, received.ToArray());
    }

    [Fact]
    public async Task The_module_client_does_not_trust_a_certificate_the_system_does_not()
    {
        await using var emu = await VaultEmulator.StartAsync(HttpsOptions());
        var options = new VaultClientOptions { Retry = new RetryPolicy { MaximumRetryCount = 0 } };

        await Assert.ThrowsAsync<VaultException>(() => VaultClient.ConnectWithPasswordAsync(emu.BaseUri, EmulatorOptions.JaneUserName,
            Secure("Jane-Pass!word1"), options, VaultCallContext.None));
        Assert.DoesNotContain(emu.State.GetLog(), e => e.Operation == "auth"); // nothing reached the server
    }

    [Fact]
    public async Task An_https_url_without_a_certificate_or_with_a_bad_one_is_refused_saying_what_to_give()
    {
        var none = await Assert.ThrowsAsync<ArgumentException>(() => VaultEmulator.StartAsync(new EmulatorOptions { Urls = "https://127.0.0.1:0" }));
        Assert.Contains("--tls-cert", none.Message);

        var swapped = await Assert.ThrowsAsync<ArgumentException>(() => VaultEmulator.StartAsync(new EmulatorOptions
        {
            Urls = "https://127.0.0.1:0", TlsCertificatePath = _tls.KeyPath, TlsKeyPath = _tls.CertificatePath,
        }));
        Assert.Contains(_tls.KeyPath, swapped.Message);
    }
}
