using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
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
            EnableTls12OnNetFramework();
            _http = new HttpClient(handler ?? CreateHandler(), disposeHandler: true)
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

        /// <summary>The burst budget Vault reported last (-1 before the first answer).</summary>
        public int BurstLimitRemaining => Volatile.Read(ref _burstRemaining);

        string ApiRoot => "api/" + _options.ApiVersion + "/";

        static HttpMessageHandler CreateHandler() => new HttpClientHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            UseCookies = false,
            // A redirect could carry the Authorization header to another host; Vault's API does not redirect.
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = 16,
        };

        static void EnableTls12OnNetFramework()
        {
            // Windows PowerShell 5.1 on older .NET Framework may default to TLS 1.0; Vault requires 1.2.
            if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
                ServicePointManager.SecurityProtocol |= SecurityProtocolType.Tls12;
        }

        // ---- Connecting -----------------------------------------------------------------------------

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
                await client.LoginAsync(ctx).ConfigureAwait(false);
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
                    answer = await client.SendAsync(new VaultRequest(HttpMethod.Get, "api/", "Check the " + parameterName) { ReloginOnExpiry = false }, ctx).ConfigureAwait(false);
                }
                catch (VaultException e) when (e.ErrorType == "INVALID_SESSION_ID")
                {
                    throw new VaultException(e.Kind, e.ErrorType,
                        $"{VaultAddress.DisplayName(baseUri)} refused the {parameterName}: Vault says it is invalid or expired.",
                        method == VaultAuthenticationMethod.Token
                            ? "Check that the whole API access token was given (it starts with veeva-vault-) and that it has not been revoked or expired."
                            : "Session ids end at logout, after the vault's inactivity timeout and 48 hours after login: get a new one, or connect with -Credential.")
                    { VaultMessage = e.VaultMessage, Operation = e.Operation, Errors = e.Errors, HttpStatus = e.HttpStatus };
                }
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

        async Task LoginAsync(VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Post, ApiRoot + "auth", "Log in as " + UserName)
            {
                Authenticated = false,
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
            string sessionId = (string)body["sessionId"];
            if (string.IsNullOrEmpty(sessionId))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", "Log in as " + UserName + " failed: Vault answered SUCCESS without a session id.") { Operation = "POST /" + request.ApiPath };

            long? vaultId = ParseLong(body["vaultId"]);
            long? userId = ParseLong(body["userId"]);
            JToken match = FindRequestedVault(body["vaultIds"] as JArray);
            if (match == null || ParseLong(match["id"]) != vaultId)
            {
                // Vault hands out a session for another vault of the user when the DNS is not one of theirs:
                // refuse it rather than list or upload to the wrong vault, and end that session.
                string other = (string)(body["vaultIds"] as JArray)?.FirstOrDefault(v => ParseLong(v["id"]) == vaultId)?["name"];
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
            VaultName = (string)match["name"];
        }

        JToken FindRequestedVault(JArray vaults)
        {
            if (vaults == null) return null;
            foreach (JToken v in vaults)
            {
                if (Uri.TryCreate((string)v["url"], UriKind.Absolute, out Uri url)
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

        // ---- Sending --------------------------------------------------------------------------------

        /// <summary>
        /// Sends a call and returns Vault's SUCCESS/WARNING envelope, or throws a <see cref="VaultException"/>.
        /// Transient failures are retried per <see cref="RetryPolicy"/>; INVALID_SESSION_ID on a password
        /// connection logs in again once.
        /// </summary>
        internal async Task<VaultResponse> SendAsync(VaultRequest request, VaultCallContext ctx)
        {
            ThrowIfDisposed();
            var state = new RetryState();
            while (true)
            {
                string sessionUsed = null;
                VaultException failure;
                try
                {
                    await RenewIfOldAsync(request, ctx).ConfigureAwait(false);
                    await PaceAsync(ctx).ConfigureAwait(false);
                    sessionUsed = _sessionId;
                    return await SendOnceAsync(request, ctx, sessionUsed).ConfigureAwait(false);
                }
                catch (VaultException e)
                {
                    failure = e;
                }
                await HandleFailureAsync(request, failure, sessionUsed, state, ctx).ConfigureAwait(false);
            }
        }

        /// <summary>What a retry loop has spent so far.</summary>
        sealed class RetryState
        {
            public int Retries;
            public TimeSpan Waited;
            public bool LoggedInAgain;
        }

        /// <summary>Decides after a failed attempt: log in again, wait and retry, or give up (throw).</summary>
        async Task HandleFailureAsync(VaultRequest request, VaultException failure, string sessionUsed, RetryState state, VaultCallContext ctx)
        {
            if (failure.ErrorType == "INVALID_SESSION_ID" && request.Authenticated && request.ReloginOnExpiry)
            {
                if (AuthenticationMethod == VaultAuthenticationMethod.Password && !state.LoggedInAgain)
                {
                    // Vault refused the call before doing anything, so any call may be sent again.
                    state.LoggedInAgain = true;
                    await ReloginAsync(sessionUsed, ctx).ConfigureAwait(false);
                    return;
                }
                if (AuthenticationMethod != VaultAuthenticationMethod.Password)
                {
                    throw new VaultException(failure.Kind, failure.ErrorType,
                        failure.Message + $" A connection made with -{AuthenticationMethod} cannot log in again by itself: run Connect-Vault again.", null, failure.InnerException)
                    { VaultMessage = failure.VaultMessage, Operation = failure.Operation, Errors = failure.Errors };
                }
            }
            bool safeToRepeat = request.Idempotent || !failure.MayHaveBeenApplied;
            if (!failure.IsTransient || !safeToRepeat) throw failure;

            TimeSpan? delay = _options.Retry.NextDelay(state.Retries + 1, state.Waited, failure.RetryAfter);
            if (delay == null) throw failure;
            state.Retries++;
            state.Waited += delay.Value;
            ctx.Verbose($"{request.Description}: {failure.Message} Retry {state.Retries} of {_options.Retry.MaximumRetryCount} in {delay.Value.TotalSeconds:0.0} s.");
            try
            {
                await Task.Delay(delay.Value, ctx.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new OperationCanceledException(ctx.CancellationToken);
            }
        }

        /// <summary>When Vault says little burst budget is left, space calls out so a long run does not get throttled hard.</summary>
        async Task PaceAsync(VaultCallContext ctx)
        {
            int remaining = Volatile.Read(ref _burstRemaining), limit = Volatile.Read(ref _burstLimit);
            if (remaining < 0 || limit <= 0 || remaining >= limit * _options.BurstPacingThreshold) return;
            TimeSpan pause = TimeSpan.FromMilliseconds(remaining == 0 ? 1000 : 250);
            ctx.Verbose($"Vault's burst budget is low ({remaining} of {limit} calls left in the 5-minute window); pausing {pause.TotalMilliseconds:0} ms between calls.");
            await Task.Delay(pause, ctx.CancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// One attempt that reads the whole envelope. FAILURE/EXCEPTION and every transport or parse problem
        /// become a VaultException; the retry decision is the caller's.
        /// </summary>
        async Task<VaultResponse> SendOnceAsync(VaultRequest request, VaultCallContext ctx, string sessionId)
        {
            using (OpenResponse open = await OpenAsync(request, ctx, sessionId).ConfigureAwait(false))
            {
                try
                {
                    VaultResponse answer = ReadEnvelope(open);
                    ctx.Verbose($"{open.Operation} -> {(int)open.Response.StatusCode} {answer.ResponseStatus} in {open.Watch.ElapsedMilliseconds} ms{BurstNote(open.Response)}");
                    return answer;
                }
                catch (Exception e) when (IsCallFailure(e))
                {
                    throw MapFailure(e, open, ctx);
                }
            }
        }

        /// <summary>
        /// Sends and returns the open answer once its status and content type are Vault's (200, JSON); the body
        /// is left to the caller to stream. The body read is bound to the same timeout and Ctrl+C.
        /// </summary>
        async Task<OpenResponse> OpenAsync(VaultRequest request, VaultCallContext ctx, string sessionId)
        {
            var open = new OpenResponse(request, ctx.CancellationToken, request.Timeout ?? _options.Timeout);
            HttpRequestMessage message = BuildMessage(request, sessionId);
            try
            {
                if (ctx.IsDebugEnabled) DebugRequest(message, ctx);
                open.Response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, open.Timeout.Token).ConfigureAwait(false);
                RememberBurst(open.Response);
                if (ctx.IsDebugEnabled) DebugResponse(open.Response, ctx);
                int status = (int)open.Response.StatusCode;
                string mediaType = open.Response.Content?.Headers.ContentType?.MediaType;
                if (status != 200 || !IsJson(mediaType))
                    throw await HttpFailureAsync(request, open.Response, mediaType, open.Timeout.Token).ConfigureAwait(false);
                open.Body = await open.Response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                open.AbortOnCancel();
                return open;
            }
            catch (Exception e) when (IsCallFailure(e))
            {
                Exception mapped = MapFailure(e, open, ctx);
                open.Dispose();
                throw mapped;
            }
            finally
            {
                message.Dispose();
            }
        }

        /// <summary>One answer being read: the response, its body stream and the attempt's timeout.</summary>
        internal sealed class OpenResponse : IDisposable
        {
            readonly CancellationToken _userToken;
            CancellationTokenRegistration _abort;

            public OpenResponse(VaultRequest request, CancellationToken userToken, TimeSpan timeout)
            {
                Request = request;
                _userToken = userToken;
                TimeoutValue = timeout;
                Operation = request.Method.Method + " /" + (request.AbsoluteUri != null ? request.AbsoluteUri.AbsolutePath.TrimStart('/') : StripQuery(request.ApiPath));
                Timeout = CancellationTokenSource.CreateLinkedTokenSource(userToken);
                Timeout.CancelAfter(timeout);
                Watch = Stopwatch.StartNew();
            }

            public VaultRequest Request { get; }
            /// <summary>"GET /api/v26.1/services/file_staging/upload": the path without its query, which may hold a cursor.</summary>
            public string Operation { get; }
            public CancellationTokenSource Timeout { get; }
            public TimeSpan TimeoutValue { get; }
            public Stopwatch Watch { get; }
            public HttpResponseMessage Response { get; set; }
            public Stream Body { get; set; }
            public bool UserCancelled => _userToken.IsCancellationRequested;

            /// <summary>A synchronous read of the body cannot see a token: closing the response ends it.</summary>
            public void AbortOnCancel() => _abort = Timeout.Token.Register(() => Response?.Dispose());

            public void Dispose()
            {
                _abort.Dispose();
                Body?.Dispose();
                Response?.Dispose();
                Timeout.Dispose();
            }

            static string StripQuery(string path)
            {
                int q = path.IndexOf('?');
                return q < 0 ? path : path.Substring(0, q);
            }
        }

        static bool IsCallFailure(Exception e) =>
            e is VaultException || e is OperationCanceledException || e is ObjectDisposedException || e is IOException
            || e is HttpRequestException || e is JsonException;

        /// <summary>Turns what went wrong during one attempt into the exception the caller sees.</summary>
        Exception MapFailure(Exception e, OpenResponse open, VaultCallContext ctx)
        {
            VaultRequest request = open.Request;
            HttpResponseMessage response = open.Response;
            VaultException failure;
            if (e is VaultException known)
            {
                failure = known;
            }
            else if (open.UserCancelled)
            {
                return new OperationCanceledException("The call was stopped.", e, ctx.CancellationToken);
            }
            else if (open.Timeout.IsCancellationRequested)
            {
                failure = new VaultException(VaultFailureKind.Transport, "TIMEOUT",
                    $"{request.Description} failed: Vault did not answer within {open.TimeoutValue.TotalSeconds:0} s.")
                { IsTransient = true, MayHaveBeenApplied = true };
            }
            else if (e is JsonException json)
            {
                // A body cut off mid-way or garbled by a proxy; worth another try.
                string mediaType = response?.Content?.Headers.ContentType?.MediaType ?? "no content type";
                failure = new VaultException(VaultFailureKind.Http, "HTTP_ERROR",
                    $"{request.Description} failed: the answer (HTTP {(int?)response?.StatusCode}, {mediaType}) was not complete Vault JSON ({Redact(json.Message.Split('\n')[0].Trim())}).")
                { HttpStatus = (int?)response?.StatusCode, ContentType = mediaType, IsTransient = true, MayHaveBeenApplied = true };
            }
            else
            {
                bool neverSent = response == null && NeverReachedServer(e);
                failure = new VaultException(VaultFailureKind.Transport, "TRANSPORT_ERROR",
                    $"{request.Description} failed: {Redact(Describe(e))}")
                { IsTransient = true, MayHaveBeenApplied = !neverSent };
            }
            if (failure.Operation == null) failure.Operation = open.Operation;
            ctx.Verbose($"{open.Operation} -> {failure.ErrorType} in {open.Watch.ElapsedMilliseconds} ms{BurstNote(response)}");
            return failure;
        }

        HttpRequestMessage BuildMessage(VaultRequest request, string sessionId)
        {
            var message = new HttpRequestMessage(request.Method, request.AbsoluteUri ?? new Uri(BaseUri, request.ApiPath));
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            message.Headers.TryAddWithoutValidation("X-VaultAPI-ClientID", _options.ClientId);
            message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (request.Authenticated)
            {
                if (_token != null) message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _token);
                else if (sessionId != null) message.Headers.TryAddWithoutValidation("Authorization", sessionId);
            }
            if (request.Form != null) message.Content = new FormUrlEncodedContent(request.Form);
            else if (request.Content != null) message.Content = request.Content();
            request.AddHeaders?.Invoke(message);
            return message;
        }

        string UserAgent => "VaultStaging/" + ModuleVersion + (string.IsNullOrEmpty(_options.UserAgentComment) ? "" : " (" + _options.UserAgentComment + ")");

        static bool IsJson(string mediaType) =>
            mediaType != null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

        /// <summary>An answer that is not Vault's JSON envelope: say the status, content type and a short, redacted excerpt.</summary>
        async Task<VaultException> HttpFailureAsync(VaultRequest request, HttpResponseMessage response, string mediaType, CancellationToken token)
        {
            int status = (int)response.StatusCode;
            string excerpt = await ReadExcerptAsync(response, token).ConfigureAwait(false);
            bool transient = status == 429 || status == 502 || status == 503 || status == 504;
            TimeSpan? retryAfter = RetryPolicy.ParseRetryAfter(response.Headers.RetryAfter, _options.UtcNow());
            if (retryAfter == null && response.Headers.TryGetValues("Retry-After", out IEnumerable<string> raw))
                retryAfter = RetryPolicy.ParseRetryAfter(raw.FirstOrDefault(), _options.UtcNow());
            string what = status == 200 ? $"an answer of type {mediaType ?? "(none)"}, not Vault JSON" : $"HTTP {status} {response.ReasonPhrase} ({mediaType ?? "no content type"})";
            return new VaultException(VaultFailureKind.Http, "HTTP_ERROR",
                $"{request.Description} failed: {VaultAddress.DisplayName(BaseUri)} answered {what}" + (excerpt.Length > 0 ? ": " + excerpt : "."))
            {
                HttpStatus = status,
                ContentType = mediaType,
                RetryAfter = retryAfter,
                IsTransient = transient,
                // 429 and 503 are refusals before work; a 502/504 gateway may have passed the call on.
                MayHaveBeenApplied = status != 429 && status != 503,
            };
        }

        async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken token)
        {
            try
            {
                if (response.Content == null) return "";
                var buffer = new byte[2048];
                int read = 0;
                using (Stream stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                {
                    int n;
                    while (read < buffer.Length && (n = await stream.ReadAsync(buffer, read, buffer.Length - read, token).ConfigureAwait(false)) > 0) read += n;
                }
                string text = Encoding.UTF8.GetString(buffer, 0, read);
                // Tags and runs of white space make an HTML page unreadable in one error line.
                text = System.Text.RegularExpressions.Regex.Replace(text, "<[^>]*>", " ");
                text = System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
                if (text.Length > 200) text = text.Substring(0, 200) + "...";
                return Redact(text);
            }
            catch (Exception e) when (e is IOException || e is HttpRequestException || e is OperationCanceledException || e is ObjectDisposedException)
            {
                return "";
            }
        }

        /// <summary>Reads the whole envelope; FAILURE and EXCEPTION become a VaultException.</summary>
        VaultResponse ReadEnvelope(OpenResponse open)
        {
            JObject body;
            using (var text = new StreamReader(open.Body, Encoding.UTF8))
            using (JsonTextReader reader = VaultJson.CreateReader(text))
            {
                body = JObject.Load(reader);
                // Trailing content means the body was not what Vault sends.
                if (reader.Read()) throw new JsonReaderException("Unexpected content after the JSON object.");
            }
            string status = (string)body["responseStatus"];
            ThrowIfFailure(body, open);
            var answer = new VaultResponse(body, status);
            foreach (KeyValuePair<string, IEnumerable<string>> h in open.Response.Headers)
                answer.Headers[h.Key] = string.Join(",", h.Value);
            return answer;
        }

        /// <summary>Raises Vault's FAILURE/EXCEPTION (or JSON without responseStatus) as a VaultException.</summary>
        internal void ThrowIfFailure(JObject envelope, OpenResponse open)
        {
            string status = (string)envelope["responseStatus"];
            if (status == "SUCCESS" || status == "WARNING") return;
            string description = open.Request.Description;
            int httpStatus = (int)open.Response.StatusCode;
            if (status == null)
            {
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR",
                    $"{description} failed: the answer (HTTP {httpStatus}, JSON) had no responseStatus; it did not come from Vault's API.")
                { HttpStatus = httpStatus, ContentType = open.Response.Content?.Headers.ContentType?.MediaType };
            }
            var errors = new List<VaultError>();
            if (envelope["errors"] is JArray array)
                foreach (JToken e in array)
                    if (e is JObject o) errors.Add(new VaultError((string)o["type"], Redact((string)o["message"])));
            string type = errors.FirstOrDefault(e => !string.IsNullOrEmpty(e.Type))?.Type
                ?? (string)envelope["errorType"]
                ?? (status == "EXCEPTION" ? "UNEXPECTED_ERROR" : "UNKNOWN_ERROR");
            string vaultMessage = errors.FirstOrDefault(e => !string.IsNullOrEmpty(e.Message))?.Message
                ?? Redact((string)envelope["responseMessage"]) ?? "Vault gave no message.";
            bool limit = type == "API_LIMIT_EXCEEDED";
            throw new VaultException(VaultFailureKind.Vault, type, $"{description} failed: {vaultMessage} ({type})")
            {
                VaultMessage = vaultMessage,
                Errors = errors,
                HttpStatus = httpStatus,
                // Over the limit Vault did nothing, and waiting helps; its windows are a minute (auth) or five.
                IsTransient = limit,
                RetryAfter = limit ? TimeSpan.FromSeconds(15) : (TimeSpan?)null,
                MayHaveBeenApplied = false,
            };
        }

        void RememberBurst(HttpResponseMessage response)
        {
            if (TryHeader(response, "X-VaultAPI-BurstLimitRemaining", out string remaining) && int.TryParse(remaining, out int r))
                Volatile.Write(ref _burstRemaining, r);
            if (TryHeader(response, "X-VaultAPI-BurstLimit", out string limit) && int.TryParse(limit, out int l))
                Volatile.Write(ref _burstLimit, l);
        }

        string BurstNote(HttpResponseMessage response)
        {
            if (response == null) return "";
            var note = new StringBuilder();
            if (TryHeader(response, "X-VaultAPI-ResponseDelay", out string delay) && delay != "0")
                note.Append($"; Vault delayed the answer by {delay} ms (burst limit reached)");
            int remaining = Volatile.Read(ref _burstRemaining), limit = Volatile.Read(ref _burstLimit);
            if (remaining >= 0 && limit > 0 && remaining < limit * 0.1)
                note.Append($"; burst budget low: {remaining} of {limit} left");
            return note.ToString();
        }

        static bool TryHeader(HttpResponseMessage response, string name, out string value)
        {
            value = null;
            if (response.Headers.TryGetValues(name, out IEnumerable<string> values)) value = values.FirstOrDefault();
            return value != null;
        }

        void DebugRequest(HttpRequestMessage message, VaultCallContext ctx)
        {
            ctx.Debug($"Request: {message.Method} {Redact(message.RequestUri.PathAndQuery)}; Authorization: {(message.Headers.Authorization != null || message.Headers.Contains("Authorization") ? "(hidden)" : "(none)")}; X-VaultAPI-ClientID: {_options.ClientId}; User-Agent: {UserAgent}");
        }

        void DebugResponse(HttpResponseMessage response, VaultCallContext ctx)
        {
            var line = new StringBuilder("Response: HTTP ").Append((int)response.StatusCode);
            foreach (string name in DebugHeaders)
            {
                IEnumerable<string> values = null;
                if (response.Headers.TryGetValues(name, out values) || (response.Content != null && response.Content.Headers.TryGetValues(name, out values)))
                    line.Append("; ").Append(name).Append(": ").Append(string.Join(",", values));
            }
            ctx.Debug(Redact(line.ToString()));
        }

        /// <summary>Removes the session id and token from text that may echo them (an error page, a URL).</summary>
        internal string Redact(string text)
        {
            if (string.IsNullOrEmpty(text)) return text;
            string session = _sessionId, token = _token;
            if (!string.IsNullOrEmpty(session)) text = text.Replace(session, "(session id)");
            if (!string.IsNullOrEmpty(token)) text = text.Replace(token, "(token)");
            return text;
        }

        static bool NeverReachedServer(Exception e)
        {
            for (Exception x = e; x != null; x = x.InnerException)
            {
                if (x is SocketException s)
                    return s.SocketErrorCode == SocketError.ConnectionRefused || s.SocketErrorCode == SocketError.HostNotFound
                        || s.SocketErrorCode == SocketError.HostUnreachable || s.SocketErrorCode == SocketError.NetworkUnreachable
                        || s.SocketErrorCode == SocketError.TryAgain || s.SocketErrorCode == SocketError.NoData;
            }
            return false;
        }

        static string Describe(Exception e)
        {
            // The innermost message says what happened ("Connection refused"); the outer ones only wrap it.
            var messages = new List<string>();
            for (Exception x = e; x != null; x = x.InnerException)
                if (!string.IsNullOrWhiteSpace(x.Message) && !messages.Contains(x.Message.Trim())) messages.Add(x.Message.Trim());
            return string.Join(" ", messages.Select(m => m.EndsWith(".", StringComparison.Ordinal) ? m : m + "."));
        }

        static long? ParseLong(JToken token)
        {
            if (token == null || token.Type == JTokenType.Null) return null;
            return long.TryParse(token.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v : (long?)null;
        }

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
