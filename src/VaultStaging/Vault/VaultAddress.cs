using System;
using System.Net;

namespace VaultStaging.Vault
{
    /// <summary>
    /// Turns what a user types for -Vault into the vault's base address, and enforces the transport rule:
    /// HTTPS to a real vault, plain HTTP only to a loopback address (the emulator).
    /// </summary>
    public static class VaultAddress
    {
        public static Uri Parse(string vault)
        {
            if (string.IsNullOrWhiteSpace(vault))
                throw new VaultInputException("Vault", "The vault address is empty. Give a DNS name such as myvault.veevavault.com or an https:// address.");

            string text = vault.Trim();
            Uri uri;
            if (text.IndexOf("://", StringComparison.Ordinal) < 0)
            {
                // A bare DNS name means HTTPS, as every real vault is.
                if (!Uri.TryCreate("https://" + text, UriKind.Absolute, out uri) || uri.AbsolutePath != "/")
                    throw new VaultInputException("Vault", $"'{vault}' is not a vault DNS name. Give a name such as myvault.veevavault.com, without a path.");
            }
            else if (!Uri.TryCreate(text, UriKind.Absolute, out uri))
            {
                throw new VaultInputException("Vault", $"'{vault}' is not a valid address. Give a DNS name such as myvault.veevavault.com or an https:// address.");
            }

            if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                throw new VaultInputException("Vault", $"'{vault}' uses the scheme '{uri.Scheme}'. Vault is reached over https.");
            if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
                throw new VaultInputException("Vault", $"Plain http is refused for '{uri.Host}': it would send the password and session in clear text. Use https://{uri.Host} (plain http is allowed only for loopback addresses such as the emulator).");
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0))
                throw new VaultInputException("Vault", $"'{vault}' has a path or query. Give only the vault's address, such as https://myvault.veevavault.com.");
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw new VaultInputException("Vault", "The vault address must not contain a user name or password; use -Credential.");

            return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        }

        /// <summary>The name shown to users: the host, plus the port when it is not the scheme's default.</summary>
        public static string DisplayName(Uri baseUri) => baseUri.IsDefaultPort ? baseUri.Host : baseUri.Host + ":" + baseUri.Port;

        public static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback) return true;
            string host = uri.Host.Trim('[', ']');
            return IPAddress.TryParse(host, out IPAddress ip) && IPAddress.IsLoopback(ip);
        }
    }
}
