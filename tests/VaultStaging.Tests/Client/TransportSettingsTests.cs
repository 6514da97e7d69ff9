using System.Net;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>
/// The HTTP handler a connection gets, and on .NET Framework (Windows PowerShell 5.1) its ServicePoint: driven
/// here through <c>netFramework: true</c>, since ServicePointManager keeps its objects on .NET too.
/// </summary>
#pragma warning disable SYSLIB0014 // ServicePointManager: what .NET Framework uses, readable on .NET
public sealed class TransportSettingsTests
{
    private static Uri Vault(string name) => new($"https://{name}/");

    /// <summary>.NET Framework's defaults for a ServicePoint (.NET keeps others): Nagle on, Expect: 100-continue on, 2 connections.</summary>
    private static ServicePoint WithFrameworkDefaults(ServicePoint point)
    {
        point.UseNagleAlgorithm = true;
        point.Expect100Continue = true;
        point.ConnectionLimit = 2;
        return point;
    }

    [Fact]
    public void On_NET_Framework_the_vaults_service_point_has_no_Nagle_no_Expect_100_and_room_for_every_call_in_flight()
    {
        Uri vault = Vault("nagle-direct.example.com");
        WithFrameworkDefaults(ServicePointManager.FindServicePoint(vault));
        using HttpClientHandler handler = TransportSettings.CreateHandler(vault, new VaultClientOptions { Proxy = new ProxySettings { NoProxy = true } }, netFramework: true);

        ServicePoint point = ServicePointManager.FindServicePoint(vault);
        Assert.False(point.UseNagleAlgorithm);
        Assert.False(point.Expect100Continue);
        Assert.True(point.ConnectionLimit >= VaultClient.MaxRequestsInFlight);
        Assert.Equal(TransportSettings.ConnectionsPerVault, point.ConnectionLimit);
        Assert.False(handler.UseProxy);
        Assert.Equal(TransportSettings.ConnectionsPerVault, handler.MaxConnectionsPerServer);
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseCookies);
    }

    [Fact]
    public void The_settings_are_the_vaults_own_not_the_processs()
    {
        Uri vault = Vault("nagle-scope.example.com");
        ServicePoint other = WithFrameworkDefaults(ServicePointManager.FindServicePoint(Vault("another-host.example.com")));
        (bool nagle, bool expect, int limit) = (ServicePointManager.UseNagleAlgorithm, ServicePointManager.Expect100Continue, ServicePointManager.DefaultConnectionLimit);
        using HttpClientHandler handler = TransportSettings.CreateHandler(vault, new VaultClientOptions { Proxy = new ProxySettings { NoProxy = true } }, netFramework: true);

        Assert.Equal((nagle, expect, limit), (ServicePointManager.UseNagleAlgorithm, ServicePointManager.Expect100Continue, ServicePointManager.DefaultConnectionLimit));
        Assert.True(other.UseNagleAlgorithm);
        Assert.True(other.Expect100Continue);
        Assert.Equal(2, other.ConnectionLimit);
    }

    [Fact]
    public void Through_a_proxy_the_proxys_service_point_is_the_one_set_as_HttpWebRequest_uses_it()
    {
        Uri vault = Vault("nagle-proxied.example.com");
        var proxy = new Uri("http://proxy-for-nagle.example.com:8080/");
        WithFrameworkDefaults(ServicePointManager.FindServicePoint(vault, new WebProxy(proxy)));
        using HttpClientHandler handler = TransportSettings.CreateHandler(vault, new VaultClientOptions { Proxy = new ProxySettings { Address = proxy } }, netFramework: true);

        Assert.True(handler.UseProxy);
        var webProxy = Assert.IsType<WebProxy>(handler.Proxy);
        Assert.Equal(proxy, webProxy.Address);
        ServicePoint point = ServicePointManager.FindServicePoint(vault, handler.Proxy);
        Assert.Equal(proxy.Authority, point.Address.Authority);
        Assert.False(point.UseNagleAlgorithm);
        Assert.False(point.Expect100Continue);
        Assert.Equal(TransportSettings.ConnectionsPerVault, point.ConnectionLimit);
    }

    [Fact]
    public void On_NET_no_service_point_is_touched()
    {
        Uri vault = Vault("nagle-core.example.com");
        ServicePoint point = WithFrameworkDefaults(ServicePointManager.FindServicePoint(vault));
        using HttpClientHandler handler = TransportSettings.CreateHandler(vault, new VaultClientOptions { Proxy = new ProxySettings { NoProxy = true } }, netFramework: false);

        Assert.True(point.UseNagleAlgorithm);
        Assert.Equal(2, point.ConnectionLimit);
        Assert.Equal(TransportSettings.ConnectionsPerVault, handler.MaxConnectionsPerServer);
    }
}
#pragma warning restore SYSLIB0014
