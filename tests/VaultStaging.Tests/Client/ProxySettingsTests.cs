using System.Net;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>Connect-Vault's proxy parameters as the client takes them: checks, the handler, what the connection shows.</summary>
public sealed class ProxySettingsTests
{
    private static readonly Uri Vault = new("https://myvault.veevavault.com/");

    [Fact]
    public void Proxy_is_used_for_every_address_loopback_included_with_its_credential()
    {
        var settings = new ProxySettings { Address = new Uri("http://proxy.example.com:8080"), Credential = new NetworkCredential("jdoe", "Pr0xy-Secret", "CORP") };
        settings.Validate();
        using var handler = new HttpClientHandler();
        settings.ApplyTo(handler);

        Assert.True(handler.UseProxy);
        var proxy = Assert.IsType<WebProxy>(handler.Proxy);
        Assert.False(proxy.BypassProxyOnLocal);
        Assert.False(proxy.IsBypassed(new Uri("http://127.0.0.1:1234/")));
        Assert.Same(settings.Credential, proxy.Credentials);
        Assert.Equal("http://proxy.example.com:8080/", settings.Describe(settings.ProxyFor(Vault)));
        Assert.Equal(@"CORP\jdoe", settings.DescribeUser());
    }

    [Fact]
    public void NoProxy_turns_the_proxy_off_and_says_so()
    {
        var settings = new ProxySettings { NoProxy = true };
        settings.Validate();
        using var handler = new HttpClientHandler();
        settings.ApplyTo(handler);
        Assert.False(handler.UseProxy);
        Assert.Equal("none (-NoProxy)", settings.Describe(settings.ProxyFor(Vault)));
        Assert.Null(settings.ProxyFor(Vault));
    }

    [Fact]
    public void Without_Proxy_a_credential_goes_to_the_system_proxy()
    {
        var given = new ProxySettings { Credential = new NetworkCredential("jdoe", "Pr0xy-Secret") };
        using var handler = new HttpClientHandler();
        given.ApplyTo(handler);
        Assert.True(handler.UseProxy);
        Assert.Null(handler.Proxy);
        Assert.Same(given.Credential, handler.DefaultProxyCredentials);

        var logged = new ProxySettings { UseDefaultCredentials = true };
        using var handler2 = new HttpClientHandler();
        logged.ApplyTo(handler2);
        Assert.Same(CredentialCache.DefaultCredentials, handler2.DefaultProxyCredentials);
        Assert.Equal("(logged-on user)", logged.DescribeUser());
        Assert.EndsWith("(system setting)", logged.Describe(logged.ProxyFor(Vault)));
    }

    [Theory]
    [InlineData(true, "http://proxy.example.com:8080", false, "NoProxy")]
    [InlineData(true, null, true, "NoProxy")]
    [InlineData(false, "ftp://proxy.example.com", false, "Proxy")]
    public void Combinations_that_mean_nothing_are_refused_before_anything_is_sent(bool noProxy, string? address, bool defaultCredentials, string parameter)
    {
        var settings = new ProxySettings { NoProxy = noProxy, Address = address == null ? null : new Uri(address), UseDefaultCredentials = defaultCredentials };
        var e = Assert.Throws<VaultInputException>(settings.Validate);
        Assert.Equal(parameter, e.ParameterName);
    }

    [Fact]
    public void A_credential_and_the_default_credentials_together_are_refused()
    {
        var settings = new ProxySettings { Credential = new NetworkCredential("jdoe", "x"), UseDefaultCredentials = true };
        Assert.Equal("ProxyCredential", Assert.Throws<VaultInputException>(settings.Validate).ParameterName);
    }

    [Fact]
    public void A_password_in_the_proxy_address_is_refused_without_repeating_it()
    {
        var settings = new ProxySettings { Address = new Uri("http://jdoe:Pr0xy-Secret@proxy.example.com:8080/") };
        var e = Assert.Throws<VaultInputException>(settings.Validate);
        Assert.DoesNotContain("Pr0xy-Secret", e.Message);
        Assert.Contains("-ProxyCredential", e.Message);
    }

    [Fact]
    public void A_proxy_given_as_host_and_port_means_http()
    {
        var settings = new ProxySettings { Address = new Uri("proxy.example.com:8080", UriKind.RelativeOrAbsolute) };
        settings.Validate();
        Assert.Equal(new Uri("http://proxy.example.com:8080/"), settings.Address);
    }

    [Fact]
    public void A_system_proxy_is_shown_without_the_password_it_came_with()
    {
        Assert.Equal("http://proxy.example.com:3128/", ProxySettings.Show(new Uri("http://jdoe:Pr0xy-Secret@proxy.example.com:3128")));
    }

    [Fact]
    public void A_refused_tunnel_is_recognised_as_the_proxys_407_and_nothing_else_is()
    {
        var tunnel = new HttpRequestException("The proxy tunnel request to proxy 'http://p/' failed with status code '407'.", null, HttpStatusCode.ProxyAuthenticationRequired);
        Assert.True(VaultClient.IsProxyAuthenticationRefusal(tunnel));
        Assert.True(VaultClient.IsProxyAuthenticationRefusal(new HttpRequestException("x", new WebException("The remote server returned an error: (407) Proxy Authentication Required."))));
        Assert.False(VaultClient.IsProxyAuthenticationRefusal(new HttpRequestException("x", null, HttpStatusCode.BadGateway)));
        Assert.False(VaultClient.IsProxyAuthenticationRefusal(new HttpRequestException("Connection refused")));
    }
}
