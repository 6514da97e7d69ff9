using System.Net;
using System.Net.Security;
using System.Security;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>
/// A vault behind a proxy, end to end: the emulator on https with a certificate for vault.test, a name that
/// only the test proxy resolves (so no DNS and no loopback bypass can take a call around it), and the proxy
/// asking for Basic authentication.
/// </summary>
public sealed class ProxiedVaultFixture : IAsyncLifetime
{
    public const string ProxyUser = "proxy-user";
    public const string ProxyPassword = "Pr0xy-Pass!word";

    public TestCertificate Certificate { get; } = new("vault.test");
    public VaultEmulator Emulator { get; private set; } = null!;
    public ForwardProxy Proxy { get; private set; } = null!;

    /// <summary>https://vault.test:PORT/: the emulator's port, a name only the proxy knows.</summary>
    public Uri Vault => new($"https://vault.test:{Emulator.BaseUri.Port}/");

    public async Task InitializeAsync()
    {
        Emulator = await VaultEmulator.StartAsync(new EmulatorOptions
        {
            Urls = "https://127.0.0.1:0", TlsCertificatePath = Certificate.CertificatePath, TlsKeyPath = Certificate.KeyPath,
        });
        Proxy = ForwardProxy.Start(new ForwardProxyOptions { UserName = ProxyUser, Password = ProxyPassword });
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Emulator.DisposeAsync();
        Certificate.Dispose();
    }
}

public sealed class ProxyTests(ProxiedVaultFixture fixture) : IClassFixture<ProxiedVaultFixture>
{
    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    /// <summary>Trusts the test certificate (the seam only tests reach); retries fast, so a retry would show in the counts.</summary>
    private VaultClientOptions Options(ProxySettings proxy) => new()
    {
        Proxy = proxy,
        Retry = new RetryPolicy { MaximumRetryCount = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaximumDelay = TimeSpan.FromMilliseconds(50) },
        ServerCertificateValidation = (certificate, chain, errors) =>
            certificate.Thumbprint == fixture.Certificate.Certificate.Thumbprint && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0,
    };

    private Task<VaultClient> Connect(ProxySettings proxy, List<string>? verbose = null) =>
        VaultClient.ConnectWithPasswordAsync(fixture.Vault, EmulatorOptions.AdminUserName, Secure(fixture.Emulator.State.Users.First(u => u.UserName == EmulatorOptions.AdminUserName).Password),
            Options(proxy), new VaultCallContext(CancellationToken.None, verbose == null ? null : m => { lock (verbose) verbose.Add(m); }));

    private ProxySettings WithCredential(string password) => new()
    {
        Address = fixture.Proxy.Address, Credential = new NetworkCredential(ProxiedVaultFixture.ProxyUser, password),
    };

    [Fact]
    public async Task Login_listing_upload_and_download_reach_the_vault_through_the_authenticating_proxy()
    {
        long tunnels = fixture.Proxy.Tunnels, up = fixture.Proxy.BytesToServer, down = fixture.Proxy.BytesToClient;
        using VaultClient client = await Connect(WithCredential(ProxiedVaultFixture.ProxyPassword));
        Assert.Equal(fixture.Proxy.Address, client.ProxyInUse);
        Assert.Equal(fixture.Proxy.Address.ToString(), client.Options.Proxy.Describe(client.ProxyInUse));

        try { await client.CreateFolderAsync("/proxied", VaultCallContext.None); }
        catch (VaultException e) when (e.ErrorType == "ITEM_NAME_EXISTS") { }
        byte[] content = new byte[300_000];
        new Random(19).NextBytes(content);
        await client.UploadFileAsync("/proxied/file.bin", content.Length, () => new MemoryStream(content), overwrite: true, VaultCallContext.None);
        Assert.True(fixture.Proxy.BytesToServer - up > content.Length);

        Assert.Contains(client.ListItems("/proxied", false, VaultCallContext.None), i => i.Name == "file.bin");

        long before = fixture.Proxy.BytesToClient;
        var received = new MemoryStream();
        await client.DownloadRangeAsync("/proxied/file.bin", 0, content.Length, content.Length,
            (buffer, offset, count, token) => received.WriteAsync(buffer, offset, count, token), VaultCallContext.None);
        Assert.Equal(content, received.ToArray());
        Assert.True(fixture.Proxy.BytesToClient - before > content.Length);
        Assert.True(fixture.Proxy.Tunnels > tunnels);
    }

    [Fact]
    public async Task Without_the_proxy_the_vault_name_does_not_resolve_so_every_call_above_went_through_it()
    {
        var e = await Assert.ThrowsAnyAsync<VaultException>(() => Connect(new ProxySettings { NoProxy = true }));
        Assert.Equal("TRANSPORT_ERROR", e.ErrorType);
    }

    [Theory]
    [InlineData("wrong-password", "-ProxyCredential: check them")]
    [InlineData(null, "Run Connect-Vault again with -ProxyCredential")]
    public async Task A_refused_proxy_credential_fails_at_once_with_its_own_error_never_as_a_Vault_login_failure(string? password, string hint)
    {
        int vaultCalls = fixture.Emulator.State.GetLog().Count;
        long refused = fixture.Proxy.Refused;
        var verbose = new List<string>();
        ProxySettings proxy = password == null ? new ProxySettings { Address = fixture.Proxy.Address } : WithCredential(password);

        var e = await Assert.ThrowsAnyAsync<VaultException>(() => Connect(proxy, verbose));

        Assert.Equal("PROXY_AUTHENTICATION_REQUIRED", e.ErrorType);
        Assert.False(e.IsTransient);
        Assert.Equal(407, e.HttpStatus);
        Assert.Contains(fixture.Proxy.Address.ToString(), e.Message);
        Assert.Contains("nothing was sent to Vault", e.Message);
        Assert.Contains(hint, e.Hint);
        // One attempt: .NET asks once without and once with the credential; a retry would ask again.
        Assert.InRange(fixture.Proxy.Refused - refused, 1, 2);
        Assert.DoesNotContain(verbose, line => line.Contains("Retry", StringComparison.Ordinal));
        Assert.Equal(vaultCalls, fixture.Emulator.State.GetLog().Count);
        Assert.All(verbose.Append(e.Message).Append(e.Hint), line => Assert.DoesNotContain("wrong-password", line));
    }
}
