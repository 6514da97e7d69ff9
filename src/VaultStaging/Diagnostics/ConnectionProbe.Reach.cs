using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Diagnostics
{
    /// <summary>
    /// Reach: the vault's name, the proxy the connection's calls go through, and (https, no proxy) a TLS handshake of its
    /// own with the usual certificate checks, to name the protocol and the certificate. The module's calls go
    /// through HttpClient, which does not tell which TLS version it agreed on.
    /// </summary>
    internal sealed partial class ConnectionProbe
    {
        static readonly TimeSpan ReachTimeout = TimeSpan.FromSeconds(30);

        async Task ReachAsync(VaultConnectionCheck check)
        {
            try
            {
                await ProbeReachAsync(check).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_ctx.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No answer within {ReachTimeout.TotalSeconds:0} s (the name lookup, or the connection and TLS handshake).");
            }
        }

        async Task ProbeReachAsync(VaultConnectionCheck check)
        {
            Uri uri = _client.BaseUri;
            var detail = new List<string>();
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(_ctx.CancellationToken))
            {
                limit.CancelAfter(ReachTimeout);
                Stopwatch watch = Stopwatch.StartNew();
                (Uri proxy, string whose) = ProxyFor(uri);
                if (proxy != null)
                {
                    // The proxy looks the vault's name up: this machine may not be able to (and need not).
                    detail.Add($"{uri.DnsSafeHost} (looked up by the proxy)");
                }
                else if (uri.HostNameType == UriHostNameType.Dns)
                {
                    IPAddress[] addresses = await WithCancellation(Dns.GetHostAddressesAsync(uri.DnsSafeHost), limit.Token).ConfigureAwait(false);
                    detail.Add($"{uri.DnsSafeHost} = {string.Join(", ", addresses.Take(4).Select(a => a.ToString()))}{(addresses.Length > 4 ? ", ..." : "")} ({watch.ElapsedMilliseconds} ms)");
                }
                else
                {
                    detail.Add($"{uri.DnsSafeHost} (an address, no name to look up)");
                }
                // The proxy's address only: never its user info.
                detail.Add(proxy == null ? $"no proxy for this address ({whose})" : $"{whose} {proxy.Scheme}://{proxy.Authority} carries the calls");

                string tls = null;
                if (uri.Scheme == Uri.UriSchemeHttps && proxy == null)
                {
                    watch.Restart();
                    (SslProtocols protocol, X509Certificate2 certificate) = await HandshakeAsync(uri, limit.Token).ConfigureAwait(false);
                    tls = NameOf(protocol);
                    detail.Add($"{NameOf(protocol)} in {watch.ElapsedMilliseconds} ms, certificate {certificate.GetNameInfo(X509NameType.SimpleName, false)} " +
                        $"issued by {certificate.GetNameInfo(X509NameType.SimpleName, true)}, valid until {certificate.NotAfter:yyyy-MM-dd}");
                    if ((int)protocol < (int)SslProtocols.Tls12)
                    {
                        check.Result = VaultCheckResult.Warning;
                        detail.Add("a TLS version below 1.2: Vault requires 1.2 or later");
                    }
                    if (certificate.NotAfter < DateTime.Now.AddDays(30))
                    {
                        check.Result = VaultCheckResult.Warning;
                        detail.Add("the certificate expires within 30 days");
                    }
                }
                else if (uri.Scheme == Uri.UriSchemeHttps)
                {
                    detail.Add("TLS is agreed through the proxy and not probed on its own here");
                }
                else
                {
                    detail.Add("plain http, which the module allows only to a loopback address (the emulator)");
                }
                check.Observed = (tls ?? uri.Scheme) + (proxy == null ? ", direct" : ", proxy");
            }
            check.Detail = string.Join("; ", detail) + ".";
        }

        /// <summary>
        /// The proxy this connection's calls go through for <paramref name="uri"/> (Connect-Vault's -Proxy or
        /// -NoProxy, else the system's choice), and whose choice it is; null for none.
        /// </summary>
        (Uri Proxy, string Whose) ProxyFor(Uri uri)
        {
            Vault.ProxySettings chosen = _client.Options.Proxy;
            if (chosen != null && chosen.NoProxy) return (null, "-NoProxy");
            if (chosen != null && chosen.Address != null) return (chosen.Address, "the proxy given with -Proxy,");
            Uri system = SystemProxyFor(uri);
            return (system, system == null ? "system setting" : "the system's proxy");
        }

        /// <summary>The proxy the system (HTTP_PROXY/HTTPS_PROXY/NO_PROXY, or the OS setting) picks for <paramref name="uri"/>; null for none.</summary>
        static Uri SystemProxyFor(Uri uri)
        {
            try
            {
                IWebProxy system = WebRequest.DefaultWebProxy;
                if (system == null || system.IsBypassed(uri)) return null;
                Uri proxy = system.GetProxy(uri);
                return proxy == null || proxy == uri ? null : proxy;
            }
            catch (Exception e) when (e is PlatformNotSupportedException || e is InvalidOperationException || e is UriFormatException)
            {
                return null;
            }
        }

        static async Task<(SslProtocols, X509Certificate2)> HandshakeAsync(Uri uri, CancellationToken token)
        {
            using (var tcp = new TcpClient())
            using (token.Register(() => tcp.Dispose()))
            {
                try
                {
                    await tcp.ConnectAsync(uri.DnsSafeHost, uri.Port).ConfigureAwait(false);
                    using (var ssl = new SslStream(tcp.GetStream(), false))
                    {
                        // The system's protocols and certificate checks, as the module's calls have them: nothing is relaxed.
                        await ssl.AuthenticateAsClientAsync(uri.DnsSafeHost).ConfigureAwait(false);
                        return (ssl.SslProtocol, new X509Certificate2(ssl.RemoteCertificate));
                    }
                }
                catch (Exception) when (token.IsCancellationRequested)
                {
                    throw new OperationCanceledException(token);
                }
            }
        }

        static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken token)
        {
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (token.Register(() => cancelled.TrySetResult(true)))
            {
                if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
                {
                    _ = task.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                    throw new OperationCanceledException(token);
                }
            }
            return await task.ConfigureAwait(false);
        }

        /// <summary>"TLS 1.3"; netstandard2.0 has no name for 1.3 (12288).</summary>
        static string NameOf(SslProtocols protocol)
        {
            switch ((int)protocol)
            {
                case 12288: return "TLS 1.3";
                case (int)SslProtocols.Tls12: return "TLS 1.2";
                case (int)SslProtocols.Tls11: return "TLS 1.1";
                case (int)SslProtocols.Tls: return "TLS 1.0";
                default: return protocol.ToString();
            }
        }
    }
}
