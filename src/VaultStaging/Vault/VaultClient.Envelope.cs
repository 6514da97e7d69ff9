using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>Reading answers: Vault's envelope, failures mapped to VaultException, burst headers, debug lines and redaction.</summary>
    public sealed partial class VaultClient
    {
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
            else if (IsProxyAuthenticationRefusal(e))
            {
                failure = ProxyRefused(request);
            }
            else
            {
                bool neverSent = response == null && NeverReachedServer(e);
                failure = new VaultException(VaultFailureKind.Transport, "TRANSPORT_ERROR",
                    $"{request.Description} failed: {Redact(Describe(e))}")
                { IsTransient = true, MayHaveBeenApplied = !neverSent, Unreachable = response == null ? UnreachableReason(e) : null };
            }
            if (failure.Operation == null) failure.Operation = open.Operation;
            if (failure.ExecutionId == null) failure.ExecutionId = ExecutionIdOf(response);
            ctx.Verbose($"{open.Operation} -> {failure.ErrorType} in {open.Watch.ElapsedMilliseconds} ms{BurstNote(response)}");
            return failure;
        }

        /// <summary>
        /// A proxy's 407 Proxy Authentication Required, however it came: an answer of its own (a call over plain
        /// http), a refused CONNECT tunnel (.NET: HttpRequestException.StatusCode, read by reflection since
        /// netstandard2.0 does not declare it) or HttpWebRequest's WebException (.NET Framework).
        /// </summary>
        internal static bool IsProxyAuthenticationRefusal(Exception e)
        {
            for (Exception x = e; x != null; x = x.InnerException)
            {
                if (x is WebException web && ((web.Response as HttpWebResponse)?.StatusCode == HttpStatusCode.ProxyAuthenticationRequired
                                              || web.Message.IndexOf("(407)", StringComparison.Ordinal) >= 0))
                    return true;
                if (x is HttpRequestException && x.GetType().GetProperty("StatusCode")?.GetValue(x) is HttpStatusCode status
                    && status == HttpStatusCode.ProxyAuthenticationRequired)
                    return true;
            }
            return false;
        }

        /// <summary>
        /// The proxy wants (other) credentials: an error of its own, never a retry (the same credential gets the same
        /// answer) and never a Vault login failure (Vault was not reached). Names the proxy and what to add.
        /// </summary>
        VaultException ProxyRefused(VaultRequest request)
        {
            ProxySettings proxy = _options.Proxy;
            string which = ProxyInUse != null ? "The proxy " + ProxySettings.Show(ProxyInUse) : "A proxy between here and the vault";
            string hint = proxy.Credential != null
                ? "The proxy did not accept the user name and password given with -ProxyCredential: check them (a Windows proxy may want DOMAIN\\user), or try -ProxyUseDefaultCredentials."
                : proxy.UseDefaultCredentials
                    ? "The proxy did not accept the logged-on Windows user's credentials (-ProxyUseDefaultCredentials): give the proxy's user name and password with -ProxyCredential."
                    : "Run Connect-Vault again with -ProxyCredential (Get-Credential) for the proxy's user name and password, or with -ProxyUseDefaultCredentials to offer the logged-on Windows user's.";
            return new VaultException(VaultFailureKind.Transport, "PROXY_AUTHENTICATION_REQUIRED",
                $"{which} asked for proxy credentials (407 Proxy Authentication Required), so {VaultAddress.DisplayName(BaseUri)} was not reached and nothing was sent to Vault ({request.Description}).",
                hint)
            { HttpStatus = 407, IsTransient = false, MayHaveBeenApplied = false };
        }

        static bool IsJson(string mediaType) =>
            mediaType != null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

        /// <summary>An answer that is not Vault's JSON envelope: say the status, content type and a short, redacted excerpt.</summary>
        async Task<VaultException> HttpFailureAsync(VaultRequest request, HttpResponseMessage response, string mediaType, CancellationToken token)
        {
            int status = (int)response.StatusCode;
            if (status == 407) return ProxyRefused(request);
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
                ExecutionId = ExecutionIdOf(response),
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

        /// <summary>Reads the whole envelope (asynchronously: pool threads never wait on the network); FAILURE and EXCEPTION become a VaultException, WARNING a warning.</summary>
        async Task<VaultResponse> ReadEnvelopeAsync(OpenResponse open, VaultCallContext ctx)
        {
            JObject body;
            using (var text = new StreamReader(open.Body, Encoding.UTF8))
            using (JsonTextReader reader = VaultJson.CreateReader(text))
            {
                CancellationToken token = open.Timeout.Token;
                body = await JObject.LoadAsync(reader, token).ConfigureAwait(false);
                // Trailing content means the body was not what Vault sends.
                if (await reader.ReadAsync(token).ConfigureAwait(false)) throw new JsonReaderException("Unexpected content after the JSON object.");
            }
            string status = VaultJson.AsString(body["responseStatus"]);
            ThrowIfFailure(body, open);
            ReportWarnings(body, open.Request.Description, ctx);
            var answer = new VaultResponse(body, status);
            foreach (KeyValuePair<string, IEnumerable<string>> h in open.Response.Headers)
                answer.Headers[h.Key] = string.Join(",", h.Value);
            return answer;
        }

        /// <summary>A WARNING envelope did what was asked, with remarks in <c>warnings[]</c>: they become PowerShell warnings.</summary>
        internal static void ReportWarnings(JObject envelope, string description, VaultCallContext ctx)
        {
            if (VaultJson.AsString(envelope["responseStatus"]) != "WARNING" || !(envelope["warnings"] is JArray warnings)) return;
            foreach (JToken w in warnings)
            {
                string message = w is JObject o ? VaultJson.AsString(o["message"]) : VaultJson.AsString(w);
                string type = w is JObject t ? VaultJson.AsString(t["type"]) : null;
                if (!string.IsNullOrEmpty(message) || !string.IsNullOrEmpty(type))
                    ctx.Warning($"{description}: Vault warns: {message}{(type != null ? " (" + type + ")" : "")}");
            }
        }

        static string ExecutionIdOf(HttpResponseMessage response) =>
            response != null && TryHeader(response, "X-VaultAPI-ExecutionId", out string id) ? id : null;

        /// <summary>Raises Vault's FAILURE/EXCEPTION (or JSON without responseStatus) as a VaultException.</summary>
        internal void ThrowIfFailure(JObject envelope, OpenResponse open)
        {
            string status = VaultJson.AsString(envelope["responseStatus"]);
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
                    if (e is JObject o) errors.Add(new VaultError(VaultJson.AsString(o["type"]), Redact(VaultJson.AsString(o["message"]))));
            string type = errors.FirstOrDefault(e => !string.IsNullOrEmpty(e.Type))?.Type
                ?? VaultJson.AsString(envelope["errorType"])
                ?? (status == "EXCEPTION" ? "UNEXPECTED_ERROR" : "UNKNOWN_ERROR");
            string vaultMessage = errors.FirstOrDefault(e => !string.IsNullOrEmpty(e.Message))?.Message
                ?? Redact(VaultJson.AsString(envelope["responseMessage"])) ?? "Vault gave no message.";
            bool limit = type == "API_LIMIT_EXCEEDED";
            throw new VaultException(VaultFailureKind.Vault, type, $"{description} failed: {vaultMessage} ({type})",
                open.Request.IsItemCall ? VaultErrorHints.ForItemCall(type) : null)
            {
                ExecutionId = ExecutionIdOf(open.Response),
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

        /// <summary>"refused", "name" or "tls" when the vault could not be reached at all (see <see cref="VaultException.Unreachable"/>).</summary>
        static string UnreachableReason(Exception e)
        {
            for (Exception x = e; x != null; x = x.InnerException)
            {
                if (x is System.Security.Authentication.AuthenticationException) return "tls";
                if (x is SocketException s)
                {
                    if (s.SocketErrorCode == SocketError.ConnectionRefused) return "refused";
                    if (s.SocketErrorCode == SocketError.HostNotFound || s.SocketErrorCode == SocketError.TryAgain || s.SocketErrorCode == SocketError.NoData) return "name";
                }
                // Windows PowerShell 5.1 (.NET Framework) says it with a WebException status instead.
                if (x is System.Net.WebException w)
                {
                    if (w.Status == System.Net.WebExceptionStatus.ConnectFailure) return "refused";
                    if (w.Status == System.Net.WebExceptionStatus.NameResolutionFailure) return "name";
                    if (w.Status == System.Net.WebExceptionStatus.SecureChannelFailure || w.Status == System.Net.WebExceptionStatus.TrustFailure) return "tls";
                }
            }
            // .NET's own words for a handshake that failed below the TLS layer (a plain-http server answered).
            return e is HttpRequestException && e.Message.IndexOf("SSL connection could not be established", StringComparison.OrdinalIgnoreCase) >= 0 ? "tls" : null;
        }

        static string Describe(Exception e)
        {
            // The innermost message says what happened ("Connection refused"); the outer ones only wrap it.
            var messages = new List<string>();
            for (Exception x = e; x != null; x = x.InnerException)
                if (!string.IsNullOrWhiteSpace(x.Message) && !messages.Contains(x.Message.Trim())) messages.Add(x.Message.Trim());
            return string.Join(" ", messages.Select(m => m.EndsWith(".", StringComparison.Ordinal) ? m : m + "."));
        }
    }
}
