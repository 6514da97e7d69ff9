using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>
    /// The HTTP client of one connection: one vault, one user. Sends Vault's headers, reads its envelope,
    /// maps failures to <see cref="VaultException"/>, retries what is safe to retry and logs in again when a
    /// password session expires. Free of PowerShell types so tests can drive it without a runspace.
    /// Thread-safe: parallel uploads share one client.
    /// </summary>
    public sealed partial class VaultClient : IDisposable
    {
        static readonly string ModuleVersion = typeof(VaultClient).Assembly.GetName().Version.ToString(3);

        // Response headers worth showing in -Debug. X-VaultAPI-TruncatedSessionId is left out on purpose:
        // it is part of a secret.
        static readonly string[] DebugHeaders =
        {
            "X-VaultAPI-Status", "X-VaultAPI-ExecutionId", "X-VaultAPI-UserId", "X-VaultAPI-VaultId",
            "X-VaultAPI-BurstLimit", "X-VaultAPI-BurstLimitRemaining", "X-VaultAPI-ResponseDelay",
            "Retry-After", "Content-Type", "Content-Length",
        };

        readonly HttpClient _http;
        readonly VaultClientOptions _options;
        readonly SemaphoreSlim _authLock = new SemaphoreSlim(1, 1);
        readonly SemaphoreSlim _inFlight = new SemaphoreSlim(MaxRequestsInFlight, MaxRequestsInFlight);
        long _changeMark;

        /// <summary>
        /// Moves whenever a call that may change what is staged (<see cref="VaultRequest.MayChangeItems"/>) starts
        /// or ends on this connection: what was learned about an item under an older mark may be out of date.
        /// </summary>
        internal long ChangeMark => Interlocked.Read(ref _changeMark);

        // The secrets. Held only here; every message passes through Redact before it leaves the client.
        volatile string _sessionId;
        SecureString _password;
        string _token;

        DateTimeOffset _sessionStartedAt;
        int _burstRemaining = -1;
        int _burstLimit = -1;
        int _disposed;

        VaultClient(Uri baseUri, VaultClientOptions options, HttpMessageHandler handler)
        {
            BaseUri = baseUri;
            _options = options ?? new VaultClientOptions();
            _options.Proxy.Validate();
            ProxyInUse = _options.Proxy.ProxyFor(baseUri);
            _http = new HttpClient(handler ?? TransportSettings.CreateHandler(baseUri, _options, TransportSettings.IsNetFramework), disposeHandler: true)
            {
                // Timeouts are per attempt (a linked token), so a slow part does not need an hour-long client timeout.
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
        }

        public Uri BaseUri { get; }
        public VaultClientOptions Options => _options;
        public VaultAuthenticationMethod AuthenticationMethod { get; private set; }
        public string UserName { get; private set; }
        public long? UserId { get; private set; }
        public long? VaultId { get; private set; }
        public string VaultName { get; private set; }
        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        /// <summary>The proxy this connection's calls go through (null: straight to the vault), as decided when it connected.</summary>
        public Uri ProxyInUse { get; }

        /// <summary>The burst budget Vault reported last (-1 before the first answer).</summary>
        public int BurstLimitRemaining => Volatile.Read(ref _burstRemaining);

        string ApiRoot => "api/" + _options.ApiVersion + "/";

        static long? ParseLong(JToken token) => VaultJson.AsInt64(token);

        static long? ParseLong(IDictionary<string, string> headers, string name) =>
            headers.TryGetValue(name, out string value) && long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v : (long?)null;

        internal static string ToPlainText(SecureString secure)
        {
            if (secure == null) return null;
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(ptr);
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        void ThrowIfDisposed()
        {
            if (IsDisposed)
                throw new VaultException(VaultFailureKind.Client, "NotConnected",
                    $"The connection to {VaultAddress.DisplayName(BaseUri)} was closed by Disconnect-Vault. Run Connect-Vault again.");
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _http.Dispose();
            _password?.Dispose();
            _sessionId = null;
            _token = null;
        }
    }
}
