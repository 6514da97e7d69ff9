using System;
using VaultStaging.Vault;

namespace VaultStaging
{
    /// <summary>How a connection proved who it is.</summary>
    public enum VaultAuthenticationMethod
    {
        /// <summary>User name and password (POST /auth); logs in again by itself when the session expires.</summary>
        Password,
        /// <summary>An API access token (veeva-vault-...), sent as a Bearer token.</summary>
        Token,
        /// <summary>An existing session id, for example from an OAuth/OIDC login done elsewhere.</summary>
        SessionId,
    }

    /// <summary>
    /// A connection to one vault as one user. Shows who and where, never a secret: the session id, token
    /// and password live inside the client and appear in no property, ToString, format view or serialization.
    /// </summary>
    public sealed class VaultConnection
    {
        internal VaultConnection(VaultClient client) { Client = client; }

        /// <summary>The vault's DNS name (with the port when it is not the default).</summary>
        public string Vault { get; internal set; }

        /// <summary>The vault's base address.</summary>
        public string BaseUri { get; internal set; }

        /// <summary>The user name, when the connection was made with -Credential.</summary>
        public string UserName { get; internal set; }

        public long? UserId { get; internal set; }
        public long? VaultId { get; internal set; }
        public string VaultName { get; internal set; }
        public string ApiVersion { get; internal set; }
        public string ClientId { get; internal set; }
        public VaultAuthenticationMethod AuthenticationMethod { get; internal set; }

        /// <summary>
        /// The proxy the calls go through, and where that came from: "http://proxy:8080/" (-Proxy),
        /// "http://proxy:3128/ (system setting)", "none (system setting)" or "none (-NoProxy)". Never a password.
        /// </summary>
        public string Proxy { get; internal set; }

        /// <summary>Whose credential is offered to the proxy: the -ProxyCredential user name, "(logged-on user)", or empty.</summary>
        public string ProxyUserName { get; internal set; }

        /// <summary>When Connect-Vault made this connection (local time).</summary>
        public DateTime ConnectedAt { get; internal set; }

        /// <summary>False once Disconnect-Vault has ended the session.</summary>
        public bool IsConnected => !Client.IsDisposed;

        internal VaultClient Client { get; }

        /// <summary>
        /// Whether a script may hold this connection (Connect-Vault -PassThru or Get-VaultConnection gave it
        /// out). A default connection nobody holds is closed when Connect-Vault replaces it.
        /// </summary>
        internal bool HandedOut { get; set; }

        public override string ToString() => (UserName ?? (UserId.HasValue ? "user " + UserId.Value : "?")) + "@" + Vault;
    }
}
