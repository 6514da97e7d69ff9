using System;
using System.Net;
using System.Net.Http;
using System.Reflection;

namespace VaultStaging.Vault
{
    /// <summary>
    /// How a connection reaches the vault through a proxy: Connect-Vault's -Proxy, -ProxyCredential,
    /// -ProxyUseDefaultCredentials and -NoProxy, with the meanings Invoke-RestMethod gives them. Without any,
    /// the system's proxy (Windows settings; HTTPS_PROXY, HTTP_PROXY and NO_PROXY elsewhere).
    /// </summary>
    public sealed class ProxySettings
    {
        /// <summary>-Proxy: this proxy for every call, loopback included (as Invoke-RestMethod: no bypass for local addresses).</summary>
        public Uri Address { get; set; }

        /// <summary>-ProxyCredential: the proxy's user name and password (for -Proxy, or else for the system's proxy).</summary>
        public NetworkCredential Credential { get; set; }

        /// <summary>-ProxyUseDefaultCredentials: the logged-on user's Windows credentials for the proxy (NTLM, Kerberos).</summary>
        public bool UseDefaultCredentials { get; set; }

        /// <summary>-NoProxy: straight to the vault, whatever the system's settings say.</summary>
        public bool NoProxy { get; set; }

        /// <summary>Refuses combinations that mean nothing, before anything is sent.</summary>
        internal void Validate()
        {
            if (NoProxy && (Address != null || Credential != null || UseDefaultCredentials))
                throw new VaultInputException("NoProxy", "-NoProxy goes straight to the vault, so it cannot be given with -Proxy, -ProxyCredential or -ProxyUseDefaultCredentials. Leave out one or the other.");
            if (Credential != null && UseDefaultCredentials)
                throw new VaultInputException("ProxyCredential", "Give either -ProxyCredential or -ProxyUseDefaultCredentials, not both.");
            if (Address == null) return;
            // proxy.example.com:8080 reads as a URI of scheme "proxy.example.com": take it as http, as browsers do.
            if (Address.OriginalString.IndexOf("://", StringComparison.Ordinal) < 0
                && Uri.TryCreate("http://" + Address.OriginalString, UriKind.Absolute, out Uri http))
                Address = http;
            if (!Address.IsAbsoluteUri || string.IsNullOrEmpty(Address.Host)
                || (Address.Scheme != Uri.UriSchemeHttp && Address.Scheme != Uri.UriSchemeHttps
                    && Address.Scheme != "socks4" && Address.Scheme != "socks4a" && Address.Scheme != "socks5"))
                throw new VaultInputException("Proxy", $"'{Address.OriginalString}' is not a proxy address. Give it with its scheme and port, for example http://proxy.example.com:8080.");
            if (!string.IsNullOrEmpty(Address.UserInfo))
                throw new VaultInputException("Proxy", "The proxy address must not contain a user name or password (it would show wherever the address does); give them with -ProxyCredential.");
        }

        /// <summary>Sets the handler up as these settings say (the handler's defaults are the system's proxy).</summary>
        internal void ApplyTo(HttpClientHandler handler)
        {
            if (NoProxy)
            {
                handler.UseProxy = false;
                return;
            }
            handler.UseProxy = true;
            ICredentials credentials = Credential ?? (UseDefaultCredentials ? CredentialCache.DefaultCredentials : null);
            if (Address != null)
            {
                handler.Proxy = new WebProxy(Address) { BypassProxyOnLocal = false, Credentials = credentials };
            }
            else if (credentials != null)
            {
                handler.DefaultProxyCredentials = credentials;
            }
        }

        /// <summary>The proxy a call to <paramref name="vault"/> goes through, or null when it goes straight there.</summary>
        internal Uri ProxyFor(Uri vault)
        {
            if (NoProxy) return null;
            if (Address != null) return Address;
            IWebProxy system = SystemProxy();
            if (system == null) return null;
            try
            {
                if (system.IsBypassed(vault)) return null;
                Uri proxy = system.GetProxy(vault);
                return proxy == null || proxy == vault ? null : proxy;
            }
            catch (Exception e) when (e is InvalidOperationException || e is WebException || e is NotSupportedException)
            {
                return null;
            }
        }

        /// <summary>
        /// The proxy the handler uses when none is set: HttpClient.DefaultProxy on .NET (read by reflection,
        /// netstandard2.0 does not declare it), WebRequest.DefaultWebProxy on .NET Framework.
        /// </summary>
        internal static IWebProxy SystemProxy()
        {
            PropertyInfo defaultProxy = typeof(HttpClient).GetProperty("DefaultProxy", BindingFlags.Public | BindingFlags.Static);
            if (defaultProxy != null) return defaultProxy.GetValue(null) as IWebProxy;
            return WebRequest.DefaultWebProxy;
        }

        /// <summary>
        /// What Get-VaultConnection shows: which proxy (<paramref name="proxyInUse"/>, from <see cref="ProxyFor"/>), and
        /// where that choice came from. Never a password.
        /// </summary>
        internal string Describe(Uri proxyInUse)
        {
            if (NoProxy) return "none (-NoProxy)";
            if (Address != null) return Show(Address);
            return proxyInUse == null ? "none (system setting)" : Show(proxyInUse) + " (system setting)";
        }

        /// <summary>Whose credential is offered to the proxy: a user name, the logged-on user, or none given.</summary>
        internal string DescribeUser()
        {
            if (Credential != null)
                return string.IsNullOrEmpty(Credential.Domain) ? Credential.UserName : Credential.Domain + "\\" + Credential.UserName;
            return UseDefaultCredentials ? "(logged-on user)" : null;
        }

        /// <summary>A proxy address without any user name or password it came with (HTTPS_PROXY=http://user:pass@host is common).</summary>
        internal static string Show(Uri proxy) => proxy == null ? null : proxy.Scheme + "://" + proxy.Authority + "/";
    }
}
