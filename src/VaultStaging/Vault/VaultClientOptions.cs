using System;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace VaultStaging.Vault
{
    /// <summary>Settings of one connection's client, fixed when it connects.</summary>
    public sealed class VaultClientOptions
    {
        /// <summary>The API version of the seed document; every call of this module exists there.</summary>
        public const string DefaultApiVersion = "v26.1";

        /// <summary>
        /// Sent as X-VaultAPI-ClientID on every call. Kept constant across module versions on purpose:
        /// vaults with client-id filtering allow-list exact ids.
        /// </summary>
        public const string DefaultClientId = "VaultStaging-PowerShell";

        static readonly Regex ClientIdPattern = new Regex("^[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant);
        static readonly Regex ApiVersionPattern = new Regex(@"^v\d{1,3}\.\d{1,3}$", RegexOptions.CultureInvariant);

        string _apiVersion = DefaultApiVersion;
        string _clientId = DefaultClientId;

        public string ApiVersion
        {
            get => _apiVersion;
            set
            {
                if (value == null || !ApiVersionPattern.IsMatch(value))
                    throw new VaultInputException("ApiVersion", $"'{value}' is not a Vault API version. Give it as v<major>.<minor>, for example {DefaultApiVersion}.");
                _apiVersion = value;
            }
        }

        public string ClientId
        {
            get => _clientId;
            set
            {
                if (value == null || !ClientIdPattern.IsMatch(value))
                    throw new VaultInputException("ClientId", $"'{value}' is not a valid Vault client id: use 1 to 100 letters, digits, '.', '_' or '-'.");
                _clientId = value;
            }
        }

        /// <summary>Vault allows one status read per job every 10 seconds; faster reads get API_LIMIT_EXCEEDED.</summary>
        public TimeSpan JobStatusInterval { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>How long one attempt of one call may take, headers and body.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);

        public RetryPolicy Retry { get; set; } = new RetryPolicy();

        /// <summary>Vault ends every session 48 hours after login whatever keep-alive does; renew a little before.</summary>
        public TimeSpan SessionRenewAfter { get; set; } = TimeSpan.FromHours(47.5);

        /// <summary>Below this share of the burst limit left, the client spaces its calls out.</summary>
        public double BurstPacingThreshold { get; set; } = 0.05;

        /// <summary>The User-Agent product token's comment, e.g. the PowerShell edition and version.</summary>
        public string UserAgentComment { get; set; }

        /// <summary>The proxy: Connect-Vault's -Proxy, -ProxyCredential, -ProxyUseDefaultCredentials, -NoProxy.</summary>
        public ProxySettings Proxy { get; set; } = new ProxySettings();

        /// <summary>
        /// Tests only: decides on the vault's TLS certificate instead of the system's trust store, so a test vault
        /// can use a certificate made for the test. Internal on purpose: no cmdlet can turn checking off.
        /// </summary>
        internal Func<X509Certificate2, X509Chain, SslPolicyErrors, bool> ServerCertificateValidation { get; set; }

        /// <summary>The clock, so tests can age a session past 48 hours.</summary>
        public Func<DateTimeOffset> UtcNow { get; set; } = () => DateTimeOffset.UtcNow;
    }
}
