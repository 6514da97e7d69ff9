using System;
using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;

namespace VaultStaging.Vault
{
    /// <summary>
    /// How a connection's HTTP handler is set up: proxy, connections, and what .NET Framework (Windows
    /// PowerShell 5.1) needs besides: TLS 1.2, and Nagle, Expect: 100-continue and the connection limit
    /// on the vault's own ServicePoint. Tests drive the Framework side on any runtime through
    /// <c>netFramework</c>.
    /// </summary>
    internal static class TransportSettings
    {
        /// <summary>True in Windows PowerShell 5.1, where HttpClient runs on HttpWebRequest and ServicePoints.</summary>
        internal static readonly bool IsNetFramework =
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        /// <summary>
        /// Connections kept to one vault: the <see cref="VaultClient.MaxRequestsInFlight"/> calls in flight, and room
        /// for connections still closing after an answer was abandoned.
        /// </summary>
        internal const int ConnectionsPerVault = 16;

        internal static HttpClientHandler CreateHandler(Uri baseUri, VaultClientOptions options, bool netFramework)
        {
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseCookies = false,
                // A redirect could carry the Authorization header to another host; Vault's API does not redirect.
                AllowAutoRedirect = false,
                MaxConnectionsPerServer = ConnectionsPerVault,
            };
            options.Proxy.ApplyTo(handler);
            if (options.ServerCertificateValidation != null)
            {
                var check = options.ServerCertificateValidation;
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => check(certificate, chain, errors);
            }
            if (netFramework)
            {
                ServicePointManager.SecurityProtocol = WithTls12(ServicePointManager.SecurityProtocol);
                TuneServicePoint(ServicePointFor(baseUri, handler));
            }
            return handler;
        }

        /// <summary>
        /// The ServicePoint .NET Framework sends this vault's calls through: the proxy's when one is used (that is
        /// where HttpWebRequest keeps the connections), else the vault's.
        /// </summary>
        internal static ServicePoint ServicePointFor(Uri baseUri, HttpClientHandler handler)
        {
#pragma warning disable SYSLIB0014 // ServicePointManager: obsolete on .NET, the way to set connections on .NET Framework
            if (!handler.UseProxy) return ServicePointManager.FindServicePoint(baseUri, null);
            return ServicePointManager.FindServicePoint(baseUri, handler.Proxy ?? ProxySettings.SystemProxy());
#pragma warning restore SYSLIB0014
        }

        /// <summary>
        /// Per ServicePoint, never process-wide (other modules in the same session keep their settings): no Nagle
        /// (a part's last bytes and every small call would wait up to 200 ms for an acknowledgement), no
        /// Expect: 100-continue (a round trip before every body), and as many connections as calls in flight
        /// (.NET Framework's default is 2).
        /// </summary>
        internal static void TuneServicePoint(ServicePoint servicePoint)
        {
            servicePoint.UseNagleAlgorithm = false;
            servicePoint.Expect100Continue = false;
            if (servicePoint.ConnectionLimit < ConnectionsPerVault) servicePoint.ConnectionLimit = ConnectionsPerVault;
        }

        /// <summary>
        /// The process's TLS setting with TLS 1.2 allowed. SystemDefault (0) lets the operating system choose,
        /// which on a current Windows already includes 1.2 and 1.3: it is left alone, since setting any flag
        /// would pin the process below 1.3. An explicit list gets 1.2 added and keeps whatever else it had.
        /// </summary>
        internal static SecurityProtocolType WithTls12(SecurityProtocolType current)
        {
            if (current == 0) return current;
            return current | SecurityProtocolType.Tls12;
        }
    }
}
