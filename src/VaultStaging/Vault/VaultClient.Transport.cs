using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>Sending one call: the retry loop (the only one), pacing, the attempt with its timeout, the request message.</summary>
    public sealed partial class VaultClient
    {
        /// <summary>
        /// Vault's File Staging API serves at most 10 concurrent requests per caller (Veeva's developer
        /// guide): no more are in flight on one connection, whatever the callers' concurrency.
        /// </summary>
        public const int MaxRequestsInFlight = 10;

        /// <summary>
        /// Sends a call and returns Vault's SUCCESS/WARNING envelope, or throws a <see cref="VaultException"/>.
        /// With <paramref name="afterLoss"/>, a call that is not safe to repeat and whose answer was lost is
        /// not sent again blindly: <paramref name="afterLoss"/> looks at the vault's state first.
        /// </summary>
        internal Task<VaultResponse> SendAsync(VaultRequest request, VaultCallContext ctx,
            Func<VaultException, Task<(bool Settled, VaultResponse Value)>> afterLoss = null) =>
            WithRetriesAsync(request, session => SendOnceAsync(request, ctx, session), new RetryState(), ctx, afterLoss);

        /// <summary>What a retry loop has spent so far (for a listing page: across its items).</summary>
        internal sealed class RetryState
        {
            public int Retries;
            public TimeSpan Waited;
            public bool LoggedInAgain;
        }

        /// <summary>
        /// The retry loop of every call (the only one): renews an old session, runs <paramref name="attempt"/> with the session id of the moment, and after a failure logs in
        /// again (password connections, once), waits and tries again, or throws. A call that may have been
        /// applied is repeated only when it is idempotent, or when <paramref name="afterLoss"/> found that it
        /// did not take effect (then it settles the outcome itself when it did).
        /// </summary>
        internal async Task<T> WithRetriesAsync<T>(VaultRequest request, Func<string, Task<T>> attempt, RetryState state, VaultCallContext ctx,
            Func<VaultException, Task<(bool Settled, T Value)>> afterLoss = null)
        {
            ThrowIfDisposed();
            while (true)
            {
                string sessionUsed = null;
                VaultException failure;
                try
                {
                    await RenewIfOldAsync(request, ctx).ConfigureAwait(false);
                    sessionUsed = _sessionId;
                    return await attempt(sessionUsed).ConfigureAwait(false);
                }
                catch (VaultException e)
                {
                    failure = e;
                }
                if (afterLoss != null && !request.Idempotent && failure.IsTransient && failure.MayHaveBeenApplied)
                {
                    if (state.Retries >= _options.Retry.MaximumRetryCount) throw failure;
                    state.Retries++;
                    (bool settled, T value) = await afterLoss(failure).ConfigureAwait(false);
                    if (settled) return value;
                    continue; // it did not arrive: sending it again is safe
                }
                await HandleFailureAsync(request, failure, sessionUsed, state, ctx).ConfigureAwait(false);
            }
        }

        /// <summary>Decides after a failed attempt: log in again, wait and retry, or give up (throw).</summary>
        async Task HandleFailureAsync(VaultRequest request, VaultException failure, string sessionUsed, RetryState state, VaultCallContext ctx)
        {
            if (IsDisposed)
                throw new VaultException(VaultFailureKind.Client, "NotConnected",
                    $"{request.Description} was stopped: the connection to {VaultAddress.DisplayName(BaseUri)} was closed by Disconnect-Vault.", "Run Connect-Vault again.", failure);
            if (request.FailFastWhenUnreachable && failure.Unreachable != null)
                throw await UnreachableAtConnectAsync(failure, ctx).ConfigureAwait(false);
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
                    throw failure.Rephrased(failure.Message + $" A connection made with -{AuthenticationMethod} cannot log in again by itself: run Connect-Vault again.");
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
                    VaultResponse answer = await ReadEnvelopeAsync(open, ctx).ConfigureAwait(false);
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
        /// Sends and returns the open answer once its status and content type are what the call expects
        /// (200 and Vault JSON; for <see cref="VaultRequest.ExpectsBytes"/> 200 or 206 with bytes); the body is
        /// left to the caller to stream. The attempt holds one of the connection's
        /// <see cref="MaxRequestsInFlight"/> places until the answer is disposed. Its time limit counts from the
        /// last byte that moved, so a large part on a slow link never times out while it is moving.
        /// </summary>
        internal async Task<OpenResponse> OpenAsync(VaultRequest request, VaultCallContext ctx, string sessionId)
        {
            await PaceAsync(ctx).ConfigureAwait(false);
            await _inFlight.WaitAsync(ctx.CancellationToken).ConfigureAwait(false);
            bool mayChange = request.MayChangeItems;
            if (mayChange) Interlocked.Increment(ref _changeMark);
            var open = new OpenResponse(request, ctx.CancellationToken, request.Timeout ?? _options.Timeout, () =>
            {
                if (mayChange) Interlocked.Increment(ref _changeMark);
                _inFlight.Release();
            });
            HttpRequestMessage message = null;
            try
            {
                message = BuildMessage(request, sessionId, open, ctx.Limiter);
                if (ctx.IsDebugEnabled) DebugRequest(message, ctx);
                open.Response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, open.Timeout.Token).ConfigureAwait(false);
                open.Touch();
                RememberBurst(open.Response);
                if (ctx.IsDebugEnabled) DebugResponse(open.Response, ctx);
                int status = (int)open.Response.StatusCode;
                string mediaType = open.Response.Content?.Headers.ContentType?.MediaType;
                bool json = IsJson(mediaType);
                if (request.ExpectsBytes && json && status == 200)
                {
                    // A download that failed: Vault answers its JSON envelope instead of the bytes.
                    open.Body = new ProgressStream(await open.Response.Content.ReadAsStreamAsync().ConfigureAwait(false), open.Touch, limiter: ctx.Limiter, token: open.Timeout.Token);
                    open.AbortOnCancel();
                    VaultResponse answer = await ReadEnvelopeAsync(open, ctx).ConfigureAwait(false);
                    throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR",
                        $"{request.Description} failed: Vault answered {answer.ResponseStatus} JSON where the file's bytes were expected.")
                    { HttpStatus = status, ContentType = mediaType, ExecutionId = ExecutionIdOf(open.Response) };
                }
                bool expected = request.ExpectsBytes ? (status == 200 || status == 206) && !json : status == 200 && json;
                if (!expected)
                    throw await HttpFailureAsync(request, open.Response, mediaType, open.Timeout.Token).ConfigureAwait(false);
                open.Body = new ProgressStream(await open.Response.Content.ReadAsStreamAsync().ConfigureAwait(false), open.Touch, limiter: ctx.Limiter, token: open.Timeout.Token);
                open.AbortOnCancel();
                return open;
            }
            catch (Exception e) when (IsCallFailure(e))
            {
                Exception mapped = MapFailure(e, open, ctx);
                open.Dispose();
                throw mapped;
            }
            catch
            {
                open.Dispose();
                throw;
            }
            finally
            {
                message?.Dispose();
            }
        }

        /// <summary>One answer being read: the response, its body stream, the attempt's time limit and its place among the requests in flight.</summary>
        internal sealed class OpenResponse : IDisposable
        {
            readonly CancellationToken _userToken;
            readonly Action _release;
            CancellationTokenRegistration _abort;
            int _disposed;

            public OpenResponse(VaultRequest request, CancellationToken userToken, TimeSpan timeout, Action release)
            {
                Request = request;
                _userToken = userToken;
                _release = release;
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

            /// <summary>Bytes moved: the time limit starts again.</summary>
            public void Touch()
            {
                if (Volatile.Read(ref _disposed) != 0) return;
                try { Timeout.CancelAfter(TimeoutValue); }
                catch (ObjectDisposedException) { }
            }

            /// <summary>
            /// The request body has left this process, but up to several MiB of it may still sit in the
            /// network's buffers and drain at the link's rate before Vault can answer. The wait for the
            /// answer allows for that: the time limit plus the buffered bytes (at most 16 MiB) at 32 KiB/s,
            /// so a large part on a slow, shared uplink is not timed out over and over.
            /// </summary>
            public void BodyWritten(long bytes)
            {
                if (Volatile.Read(ref _disposed) != 0) return;
                double drain = Math.Min(bytes, 16L * 1024 * 1024) / (32.0 * 1024);
                try { Timeout.CancelAfter(TimeoutValue + TimeSpan.FromSeconds(drain)); }
                catch (ObjectDisposedException) { }
            }

            /// <summary>
            /// On .NET Framework a waiting read of the body does not see its token: closing the response ends it.
            /// Elsewhere reads carry the token (<see cref="ProgressStream"/>) and only the reader closes the response:
            /// closed from another thread while a read waits, the answer is drained and its connection pooled with
            /// that read still on it, which then swallows the next call's answer (a call that never ends).
            /// </summary>
            public void AbortOnCancel()
            {
                if (TransportSettings.IsNetFramework) _abort = Timeout.Token.Register(() => Response?.Dispose());
            }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
                _abort.Dispose();
                Body?.Dispose();
                Response?.Dispose();
                Timeout.Dispose();
                _release();
            }

            static string StripQuery(string path)
            {
                int q = path.IndexOf('?');
                return q < 0 ? path : path.Substring(0, q);
            }
        }

        HttpRequestMessage BuildMessage(VaultRequest request, string sessionId, OpenResponse open, BandwidthLimiter limiter)
        {
            var message = new HttpRequestMessage(request.Method, request.AbsoluteUri ?? new Uri(BaseUri, request.ApiPath));
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (request.ExpectsBytes) message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
            message.Headers.TryAddWithoutValidation("X-VaultAPI-ClientID", _options.ClientId);
            message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            // .NET Framework would otherwise wait a round trip for "100 Continue" before every body.
            message.Headers.ExpectContinue = false;
            if (request.Authenticated)
            {
                if (_token != null) message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _token);
                else if (sessionId != null) message.Headers.TryAddWithoutValidation("Authorization", sessionId);
            }
            HttpContent content = null;
            if (request.Form != null) content = new FormUrlEncodedContent(request.Form);
            else if (request.Content != null) content = request.Content();
            // A call that must not happen twice (commit, abort, delete, ...) always carries a body, if only an
            // empty one. SocketsHttpHandler re-sends a request without a body by itself, on a new connection,
            // when a reused connection closes before the answer (dotnet/runtime issue 86714), even though the
            // server may have done it. Once a body is being sent it never does: the retry stays ours to decide.
            else if (!request.Idempotent) content = new ByteArrayContent(Array.Empty<byte>());
            if (content != null) message.Content = new ProgressContent(content, open.Touch, open.BodyWritten, limiter, open.Timeout.Token);
            request.AddHeaders?.Invoke(message);
            return message;
        }

        string UserAgent => "VaultStaging/" + ModuleVersion + (string.IsNullOrEmpty(_options.UserAgentComment) ? "" : " (" + _options.UserAgentComment + ")");
    }
}
