using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>Connecting: password login with the wrong-vault check, token and session-id checks, logging in again, renewal and logout.</summary>
    public sealed partial class VaultClient
    {
        /// <summary>Logs in with a user name and password (POST /auth) and refuses a session for another vault.</summary>
        public static async Task<VaultClient> ConnectWithPasswordAsync(Uri baseUri, string userName, SecureString password,
            VaultClientOptions options, VaultCallContext ctx, HttpMessageHandler handler = null)
        {
            if (string.IsNullOrWhiteSpace(userName))
                throw new VaultInputException("Credential", "The credential has no user name. Give the Vault user name, for example jane@example.com.");
            if (password == null || password.Length == 0)
                throw new VaultInputException("Credential", "The credential has no password. Give the Vault password of " + userName + ".");
            var client = new VaultClient(baseUri, options, handler)
            {
                AuthenticationMethod = VaultAuthenticationMethod.Password,
                UserName = userName,
                _password = password.Copy(),
            };
            client._password.MakeReadOnly();
            try
            {
                await client.LoginAsync(ctx, connecting: true).ConfigureAwait(false);
                try
                {
                    client.CheckApiVersion(await client.SendAsync(new VaultRequest(HttpMethod.Get, "api/", "List the vault's API versions") { FailFastWhenUnreachable = true }, ctx).ConfigureAwait(false));
                }
                catch (VaultInputException)
                {
                    await client.TryLogoutAsync(client._sessionId, ctx).ConfigureAwait(false);
                    throw;
                }
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>Uses an API access token (Bearer) and checks it with one cheap call.</summary>
        public static Task<VaultClient> ConnectWithTokenAsync(Uri baseUri, SecureString token, VaultClientOptions options,
            VaultCallContext ctx, HttpMessageHandler handler = null)
            => ConnectWithSecretAsync(baseUri, token, VaultAuthenticationMethod.Token, "Token", options, ctx, handler);

        /// <summary>Uses an existing session id and checks it with one cheap call.</summary>
        public static Task<VaultClient> ConnectWithSessionIdAsync(Uri baseUri, SecureString sessionId, VaultClientOptions options,
            VaultCallContext ctx, HttpMessageHandler handler = null)
            => ConnectWithSecretAsync(baseUri, sessionId, VaultAuthenticationMethod.SessionId, "SessionId", options, ctx, handler);

        static async Task<VaultClient> ConnectWithSecretAsync(Uri baseUri, SecureString secret, VaultAuthenticationMethod method,
            string parameterName, VaultClientOptions options, VaultCallContext ctx, HttpMessageHandler handler)
        {
            string text = ToPlainText(secret)?.Trim();
            if (string.IsNullOrEmpty(text))
                throw new VaultInputException(parameterName, $"The {parameterName} is empty. Give the value as a SecureString, for example with Read-Host -AsSecureString.");
            if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw new VaultInputException(parameterName, $"The {parameterName} contains spaces or control characters; check that it was copied whole.");
            var client = new VaultClient(baseUri, options, handler) { AuthenticationMethod = method };
            if (method == VaultAuthenticationMethod.Token) client._token = text; else client._sessionId = text;
            client._sessionStartedAt = client._options.UtcNow();
            try
            {
                // GET /api/ is the cheapest authenticated call; Vault's headers then say who we are.
                VaultResponse answer;
                try
                {
                    // ReloginOnExpiry off: a refused secret is reported here, in terms of Connect-Vault's parameter.
                    answer = await client.SendAsync(new VaultRequest(HttpMethod.Get, "api/", "Check the " + parameterName) { ReloginOnExpiry = false, FailFastWhenUnreachable = true }, ctx).ConfigureAwait(false);
                }
                catch (VaultException e) when (e.ErrorType == "INVALID_SESSION_ID")
                {
                    throw e.Rephrased(
                        $"{VaultAddress.DisplayName(baseUri)} refused the {parameterName}: Vault says it is invalid or expired.",
                        method == VaultAuthenticationMethod.Token
                            ? "Check that the whole API access token was given (it starts with veeva-vault-) and that it has not been revoked or expired."
                            : "Session ids end at logout, after the vault's inactivity timeout and 48 hours after login: get a new one, or connect with -Credential.");
                }
                client.CheckApiVersion(answer);
                client.UserId = ParseLong(answer.Headers, "X-VaultAPI-UserId");
                client.VaultId = ParseLong(answer.Headers, "X-VaultAPI-VaultId");
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>
        /// -ApiVersion must be one the vault offers (GET /api/ lists them): an unknown one would fail every
        /// later call with a less helpful MALFORMED_URL. An answer without the list is not held against it.
        /// </summary>
        void CheckApiVersion(VaultResponse versions)
        {
            if (!(versions.Body?["values"] is JObject offered) || offered.Count == 0) return;
            if (offered.Property(_options.ApiVersion) != null) return;
            List<string> names = offered.Properties().Select(p => p.Name).ToList();
            string newest = names.OrderByDescending(VersionKey).First();
            throw new VaultInputException("ApiVersion",
                $"{VaultAddress.DisplayName(BaseUri)} does not offer API {_options.ApiVersion}; it offers {string.Join(", ", names.OrderBy(VersionKey))}. " +
                $"Connect with -ApiVersion {newest} (or another version it lists).");
        }

        /// <summary>An API version's sort key: "v26.2" is (26, 2).</summary>
        internal static (int, int) VersionKey(string version)
        {
            string[] parts = version.TrimStart('v', 'V').Split('.');
            int.TryParse(parts[0], out int major);
            int minor = 0;
            if (parts.Length > 1) int.TryParse(parts[1], out minor);
            return (major, minor);
        }

        /// <param name="ctx">The call's context.</param>
        /// <param name="connecting">Connect-Vault's first login: a vault that cannot be reached fails at once (a login again later keeps retrying).</param>
        async Task LoginAsync(VaultCallContext ctx, bool connecting = false)
        {
            var request = new VaultRequest(HttpMethod.Post, ApiRoot + "auth", "Log in as " + UserName)
            {
                Authenticated = false,
                FailFastWhenUnreachable = connecting,
                // A login that got lost costs only a session Vault expires by itself: safe to send again.
                Idempotent = true,
            };
            string password = ToPlainText(_password);
            request.Form = new List<KeyValuePair<string, string>>
            {
                new KeyValuePair<string, string>("username", UserName),
                new KeyValuePair<string, string>("password", password),
                new KeyValuePair<string, string>("vaultDNS", BaseUri.Host),
            };
            VaultResponse answer;
            try
            {
                answer = await SendAsync(request, ctx).ConfigureAwait(false);
            }
            finally
            {
                request.Form = null;
            }
            JObject body = answer.Body;
            string sessionId = VaultJson.AsString(body["sessionId"]);
            if (string.IsNullOrEmpty(sessionId))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", "Log in as " + UserName + " failed: Vault answered SUCCESS without a session id.") { Operation = "POST /" + request.ApiPath };

            long? vaultId = ParseLong(body["vaultId"]);
            long? userId = ParseLong(body["userId"]);
            JToken match = FindRequestedVault(body["vaultIds"] as JArray);
            if (match == null || ParseLong(match["id"]) != vaultId)
            {
                // Vault hands out a session for another vault of the user when the DNS is not one of theirs:
                // refuse it rather than list or upload to the wrong vault, and end that session.
                string other = VaultJson.AsString((body["vaultIds"] as JArray)?.FirstOrDefault(v => ParseLong(v["id"]) == vaultId)?["name"]);
                await TryLogoutAsync(sessionId, ctx).ConfigureAwait(false);
                throw new VaultException(VaultFailureKind.Client, "WRONG_VAULT",
                    $"Vault logged {UserName} in to another vault ({(other ?? "id " + vaultId)}) than {VaultAddress.DisplayName(BaseUri)}: " +
                    $"the user is not a member of {VaultAddress.DisplayName(BaseUri)}. The connection was refused and that session ended.")
                { Operation = "POST /" + request.ApiPath };
            }
            _sessionId = sessionId;
            _sessionStartedAt = _options.UtcNow();
            UserId = userId;
            VaultId = vaultId;
            VaultName = VaultJson.AsString(match["name"]);
        }

        /// <summary>
        /// Connect-Vault could not reach the vault at all: what happened, in words, and what to check. An https
        /// handshake that fails with a loopback address that answers plain http (the emulator, say) gets that hint.
        /// </summary>
        async Task<VaultException> UnreachableAtConnectAsync(VaultException failure, VaultCallContext ctx)
        {
            string where = VaultAddress.DisplayName(BaseUri);
            switch (failure.Unreachable)
            {
                case "refused":
                    return failure.Rephrased($"Connecting to {where} failed: the connection was refused (nothing answers on port {BaseUri.Port}).",
                        "Check -Vault: the vault's DNS name (myvault.veevavault.com), and the port if one was given.");
                case "name":
                    return failure.Rephrased($"Connecting to {where} failed: the name {BaseUri.Host} could not be resolved.",
                        "Check the spelling of -Vault (the vault's DNS name, such as myvault.veevavault.com) and this computer's DNS and proxy settings.");
                default:
                    string hint = await AnswersPlainHttpAsync(ctx).ConfigureAwait(false)
                        ? $"{where} answers plain http, not https: connect with -Vault http://{where} (plain http is allowed for loopback addresses only)."
                        : "Check that -Vault is the vault's https address, and that no proxy or firewall intercepts https with a certificate this computer does not trust.";
                    // What .NET said, without the words that only point to an inner exception the user never sees.
                    string said = failure.Message.Substring(failure.Message.IndexOf(':') + 1)
                        .Replace("The SSL connection could not be established, see inner exception.", "").Trim().TrimEnd('.');
                    return failure.Rephrased($"Connecting to {where} failed: the https (TLS) handshake did not succeed" + (said.Length > 0 ? $" ({said})." : "."), hint);
            }
        }

        /// <summary>Whether an https address on loopback answers plain http on the same port (one request, 3 seconds at most).</summary>
        async Task<bool> AnswersPlainHttpAsync(VaultCallContext ctx)
        {
            if (BaseUri.Scheme != Uri.UriSchemeHttps || !VaultAddress.IsLoopback(BaseUri)) return false;
            var plain = new UriBuilder(BaseUri) { Scheme = Uri.UriSchemeHttp, Port = BaseUri.Port }.Uri;
            try
            {
                using (var cts = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken))
                {
                    cts.CancelAfter(TimeSpan.FromSeconds(3));
                    using (HttpResponseMessage answer = await _http.GetAsync(new Uri(plain, "api/"), HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false))
                        return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException || e is OperationCanceledException || e is System.IO.IOException)
            {
                return false;
            }
        }

        JToken FindRequestedVault(JArray vaults)
        {
            if (vaults == null) return null;
            foreach (JToken v in vaults)
            {
                if (Uri.TryCreate(VaultJson.AsString(v["url"]), UriKind.Absolute, out Uri url)
                    && string.Equals(url.Host, BaseUri.Host, StringComparison.OrdinalIgnoreCase)
                    && url.Port == BaseUri.Port)
                    return v;
            }
            return null;
        }

        /// <summary>Ends the session on the server (DELETE /session) and forgets every secret. Tokens have no session to end.</summary>
        public async Task DisconnectAsync(VaultCallContext ctx)
        {
            if (IsDisposed) return;
            try
            {
                if (AuthenticationMethod != VaultAuthenticationMethod.Token && _sessionId != null)
                {
                    await SendAsync(new VaultRequest(HttpMethod.Delete, ApiRoot + "session", "Log out") { Idempotent = true, ReloginOnExpiry = false }, ctx).ConfigureAwait(false);
                }
            }
            catch (VaultException e) when (e.ErrorType == "INVALID_SESSION_ID")
            {
                // Already ended on the server: that is what was asked.
            }
            finally
            {
                Dispose();
            }
        }

        async Task TryLogoutAsync(string sessionId, VaultCallContext ctx)
        {
            try
            {
                var request = new VaultRequest(HttpMethod.Delete, ApiRoot + "session", "Log out of the other vault")
                {
                    Authenticated = false,
                    AddHeaders = m => m.Headers.TryAddWithoutValidation("Authorization", sessionId),
                };
                await SendOnceAsync(request, ctx, sessionId).ConfigureAwait(false);
            }
            catch (VaultException)
            {
                // Best effort: the session expires by itself.
            }
        }

        /// <summary>Logs in again after INVALID_SESSION_ID, once for all threads that saw the same dead session.</summary>
        async Task ReloginAsync(string deadSessionId, VaultCallContext ctx)
        {
            await _authLock.WaitAsync(ctx.CancellationToken).ConfigureAwait(false);
            try
            {
                if (_sessionId != deadSessionId) return; // another thread already logged in again
                ctx.Verbose($"The Vault session of {UserName} has ended; logging in again.");
                await LoginAsync(ctx).ConfigureAwait(false);
            }
            finally
            {
                _authLock.Release();
            }
        }

        /// <summary>Vault ends every session 48 hours after login whatever keep-alive does; a password connection renews it first.</summary>
        async Task RenewIfOldAsync(VaultRequest request, VaultCallContext ctx)
        {
            if (!request.Authenticated || AuthenticationMethod != VaultAuthenticationMethod.Password) return;
            string current = _sessionId;
            if (_options.UtcNow() - _sessionStartedAt < _options.SessionRenewAfter) return;
            ctx.Verbose($"The Vault session is close to Vault's 48-hour limit; logging in again.");
            await ReloginAsync(current, ctx).ConfigureAwait(false);
        }
    }
}
