using System;
using System.Collections;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Connects to a vault and makes the connection this runspace's default. Three ways in: a password
    /// (POST /auth; logs in again by itself when the session expires), an API access token, or an
    /// existing session id.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "Vault", DefaultParameterSetName = CredentialSet)]
    [OutputType(typeof(VaultConnection))]
    public sealed class ConnectVaultCommand : VaultCmdlet
    {
        const string CredentialSet = "Credential";
        const string TokenSet = "Token";
        const string SessionIdSet = "SessionId";

        /// <summary>The vault's DNS name (myvault.veevavault.com, meaning https) or its https:// address.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string Vault { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = CredentialSet)]
        [Credential]
        [ValidateNotNull]
        public PSCredential Credential { get; set; }

        /// <summary>An API access token (veeva-vault-...), sent as a Bearer token.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [ValidateNotNull]
        public SecureString Token { get; set; }

        /// <summary>An existing Vault session id, for example from an OAuth/OIDC login done elsewhere.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SessionIdSet)]
        [ValidateNotNull]
        public SecureString SessionId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ApiVersion { get; set; } = VaultClientOptions.DefaultApiVersion;

        /// <summary>Sent as X-VaultAPI-ClientID on every call; vaults with client-id filtering need a known one.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ClientId { get; set; } = VaultClientOptions.DefaultClientId;

        /// <summary>How long one attempt of one call may take.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 300;

        /// <summary>Retries of a call that failed for a passing reason (429, 502-504, dropped connection, timeout).</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaximumRetryCount { get; set; } = 5;

        /// <summary>The first retry's wait; later ones double it (with jitter), up to 60 seconds.</summary>
        [Parameter]
        [ValidateRange(1, 60)]
        public int RetryIntervalSec { get; set; } = 1;

        /// <summary>A proxy for every call of this connection (as Invoke-RestMethod -Proxy: loopback addresses included).</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri Proxy { get; set; }

        /// <summary>The proxy's user name and password: for -Proxy, or else for the system's proxy.</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential ProxyCredential { get; set; }

        /// <summary>Offers the logged-on Windows user's credentials (NTLM, Kerberos) to the proxy.</summary>
        [Parameter]
        public SwitchParameter ProxyUseDefaultCredentials { get; set; }

        /// <summary>Straight to the vault, whatever the system's proxy settings say.</summary>
        [Parameter]
        public SwitchParameter NoProxy { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            VaultClient client = null;
            RunFor(Vault, () =>
            {
                Uri baseUri = VaultAddress.Parse(Vault);
                var options = new VaultClientOptions
                {
                    ApiVersion = ApiVersion,
                    ClientId = ClientId,
                    Timeout = TimeSpan.FromSeconds(TimeoutSec),
                    Retry = new RetryPolicy { MaximumRetryCount = MaximumRetryCount, BaseDelay = TimeSpan.FromSeconds(RetryIntervalSec) },
                    UserAgentComment = PowerShellDescription(),
                    Proxy = new ProxySettings
                    {
                        Address = Proxy,
                        Credential = ProxyCredential?.GetNetworkCredential(),
                        UseDefaultCredentials = ProxyUseDefaultCredentials,
                        NoProxy = NoProxy,
                    },
                };
                options.Proxy.Validate();
                WriteVerbose($"Connecting to {VaultAddress.DisplayName(baseUri)} ({baseUri.Scheme}) with API {options.ApiVersion} as client '{options.ClientId}'.");
                Task<VaultClient> connecting;
                switch (ParameterSetName)
                {
                    case TokenSet: connecting = VaultClient.ConnectWithTokenAsync(baseUri, Token, options, CallContext); break;
                    case SessionIdSet: connecting = VaultClient.ConnectWithSessionIdAsync(baseUri, SessionId, options, CallContext); break;
                    default: connecting = VaultClient.ConnectWithPasswordAsync(baseUri, UserNameOf(Credential), Credential.Password, options, CallContext); break;
                }
                client = Await(connecting);
            }, terminating: true);

            var connection = new VaultConnection(client)
            {
                Vault = VaultAddress.DisplayName(client.BaseUri),
                BaseUri = client.BaseUri.ToString(),
                UserName = client.UserName,
                UserId = client.UserId,
                VaultId = client.VaultId,
                VaultName = client.VaultName,
                ApiVersion = client.Options.ApiVersion,
                ClientId = client.Options.ClientId,
                AuthenticationMethod = client.AuthenticationMethod,
                Proxy = client.Options.Proxy.Describe(client.ProxyInUse),
                ProxyUserName = client.Options.Proxy.DescribeUser(),
                ConnectedAt = DateTime.Now,
            };
            VaultConnection previous = RunspaceStore.Current.DefaultConnection;
            RunspaceStore.Current.DefaultConnection = connection;
            WriteVerbose($"Connected to {connection.Vault} as {connection} (proxy: {connection.Proxy}); this is now the session's default connection.");
            if (previous != null && !previous.HandedOut && previous.IsConnected)
            {
                // Nobody can reach the replaced connection any more: close it rather than keep its sockets.
                previous.Client.Dispose();
                WriteVerbose($"Closed the previous default connection {previous}, which no variable held (Get-VaultConnection or -PassThru keeps a connection open).");
            }
            if (PassThru)
            {
                connection.HandedOut = true;
                WriteObject(connection);
            }
        }

        /// <summary>A Windows credential may come as DOMAIN\user or with a leading backslash; Vault wants the bare name.</summary>
        static string UserNameOf(PSCredential credential) => credential.UserName?.TrimStart('\\');

        string PowerShellDescription()
        {
            try
            {
                if (SessionState.PSVariable.GetValue("PSVersionTable") is Hashtable table)
                    return $"PowerShell {table["PSVersion"]}; {table["PSEdition"]}";
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is InvalidCastException)
            {
            }
            return null;
        }
    }
}
