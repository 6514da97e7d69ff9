using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace VaultStaging.Emulator;

/// <summary>An API version from the URL, e.g. v25.1. Any well-formed vNN.N is accepted.</summary>
internal readonly partial record struct ApiVersion(int Major, int Minor)
{
    [GeneratedRegex(@"^v(\d{1,3})\.(\d{1,2})$")]
    private static partial Regex Format();

    public static bool TryParse(string? text, out ApiVersion version)
    {
        var m = text is null ? null : Format().Match(text);
        version = m is { Success: true }
            ? new ApiVersion(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
            : default;
        return m is { Success: true };
    }

    public static ApiVersion Parse(string text) =>
        TryParse(text, out var v) ? v : throw new VaultFailure("MALFORMED_URL", $"Invalid API version [{text}].");

    public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);
}

/// <summary>Route metadata: the operation name used in the log and by faults, and whether it needs a session.</summary>
internal sealed record VaultOperation(string Name, bool RequiresAuth)
{
    public static readonly VaultOperation Other = new("other", false);
}

internal static class VaultOperationExtensions
{
    public static TBuilder Op<TBuilder>(this TBuilder builder, string name, bool requiresAuth = true)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new VaultOperation(name, requiresAuth));
}

/// <summary>Per-request bookkeeping shared by the pipeline, the faults and the handlers.</summary>
internal sealed class ApiCall
{
    public required LogEntry Entry { get; init; }
    public string? Credential { get; init; }
    public string ExecutionId { get; } = Guid.NewGuid().ToString();
    public EmulatorState.BurstCount Burst { get; set; }

    /// <summary>Who the answer is about: the authenticated caller, or the user who just logged in.</summary>
    public Caller? Caller { get; set; }
    public (long UserId, long VaultId, string Credential)? Login { get; set; }

    // Set by faults.
    public int? ResponseDelayMs { get; set; }
    public int? BurstRemainingOverride { get; set; }
    public bool ForceInvalidSession { get; set; }

    /// <summary>corrupt-part / corrupt-file: the stored part or created file gets its first byte flipped.</summary>
    public bool CorruptBody { get; set; }

    /// <summary>drop with apply on a download: reset the connection after this many body bytes (-1: half).</summary>
    public long? DropAfterBytes { get; set; }

    /// <summary>wrong-content-range: Content-Range names a range shifted by this many bytes.</summary>
    public long? ContentRangeShift { get; set; }

    /// <summary>
    /// close-after-apply: once the request is in the log, the connection is closed without an answer. The request
    /// was read whole, so nothing unread turns the close into a reset: Kestrel shuts the socket down gracefully
    /// and the client reads the end of the stream.
    /// </summary>
    public bool CloseWithoutAnswer { get; set; }

    /// <summary>Set by item handlers: the absolute path of the item the answer is about (change-file acts on it).</summary>
    public string? ItemAbsolutePath { get; set; }
}

internal static class HttpContextExtensions
{
    public static ApiCall Call(this HttpContext ctx) => (ApiCall)ctx.Items[typeof(ApiCall)]!;

    /// <summary>The authenticated caller (every route except auth and the fallback requires one).</summary>
    public static Caller Caller(this HttpContext ctx) => ctx.Call().Caller ?? throw EmulatorState.InvalidSession();

    /// <summary>scheme://host:port the request came in on (Vault builds URLs from its own DNS).</summary>
    public static string BaseUrl(this HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}";

    /// <summary>Reads and discards the rest of the request body, so a refused upload still gets a clean answer.</summary>
    public static async Task DrainRequestBodyAsync(this HttpContext ctx)
    {
        try { await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted); }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException) { }
    }
}

/// <summary>
/// Middleware for every /api request, in Vault's order: count the call against the burst limit, check the
/// version and client id, apply an injected fault, authenticate, run the route handler; then Vault's
/// response headers go on the answer and the request goes into the log (never with credentials).
/// </summary>
internal sealed class VaultPipeline(RequestDelegate next, EmulatorState state, ILogger<VaultPipeline> logger)
{
    /// <summary>The log's status for a request whose client went away before its answer was written.</summary>
    private const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (!ctx.Request.Path.StartsWithSegments("/api"))
        {
            await next(ctx);
            return;
        }

        var op = ctx.GetEndpoint()?.Metadata.GetMetadata<VaultOperation>() ?? VaultOperation.Other;
        var (scheme, credential) = ParseAuthorization(ctx.Request.Headers.Authorization);
        var call = new ApiCall { Entry = NewLogEntry(ctx, op, scheme), Credential = credential };
        ctx.Items[typeof(ApiCall)] = call;
        ctx.Request.Body = new CountingStream(ctx.Request.Body, state.Throughput.Received);
        ctx.Response.Body = new CountingStream(ctx.Response.Body, state.Throughput.Sent);
        ctx.Response.OnStarting(() => { WriteVaultHeaders(ctx, call); return Task.CompletedTask; });

        bool clientGone = false;
        try
        {
            // Network profile: one round trip's latency on every Vault call.
            if (state.Options.LatencyMs is > 0 and var latency) await Task.Delay(latency, ctx.RequestAborted);

            call.Burst = state.CountBurstCall();
            if (call.Burst.DelayMs > 0)
            {
                call.ResponseDelayMs = call.Burst.DelayMs;
                await Task.Delay(call.Burst.DelayMs, ctx.RequestAborted);
            }

            if (ctx.GetRouteValue("version") is string version && !ApiVersion.TryParse(version, out _))
                throw new VaultFailure("MALFORMED_URL", $"Invalid API version [{version}].");

            // Vault reads the client id from the client_id query parameter first, then the header.
            string? clientId = ctx.Request.Query.TryGetValue("client_id", out var fromQuery) ? fromQuery.ToString() : ctx.Request.Headers["X-VaultAPI-ClientID"].FirstOrDefault();
            call.Entry.ClientId = clientId;
            state.CheckClientId(clientId);

            var fault = state.TakeFault(op.Name, ctx.Request.Method, call.Entry.Path, call.Entry.ItemPath, call.Entry.PartNumber, call.Entry.RangeStart);
            call.Entry.Fault = fault?.Kind;
            await FaultInjection.ApplyAsync(ctx, state, call, fault, () => HandleAsync(ctx, call, op));
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer. Logged as 499 (nginx's "client closed request"), so
            // that a request a killed client never saw answered is not counted as done.
            clientGone = true;
        }
        catch (VaultFailure failure) when (!ctx.Response.HasStarted)
        {
            await ctx.DrainRequestBodyAsync();
            await Envelope.WriteFailureAsync(ctx, failure);
        }
        catch (BadHttpRequestException ex) when (!ctx.Response.HasStarted)
        {
            ctx.Response.StatusCode = ex.StatusCode; // e.g. 413 for a body over the 60 MB limit
        }
        catch (Exception ex) when (!ctx.Response.HasStarted)
        {
            logger.LogError(ex, "Unexpected error in {Method} {Path}", ctx.Request.Method, call.Entry.Path);
            await Envelope.WriteAsync(ctx, Envelope.Build("EXCEPTION", new
            {
                errors = new[] { new { type = "UNEXPECTED_ERROR", message = ex.Message } },
            }));
        }
        finally
        {
            var entry = call.Entry;
            entry.Status = clientGone ? ClientClosedRequest : ctx.Response.StatusCode;
            entry.ResponseStatus = ctx.Items[Envelope.ResponseStatusItem] as string;
            entry.ErrorType = ctx.Items[Envelope.ErrorTypeItem] as string;
            entry.UserId = call.Caller?.UserId ?? call.Login?.UserId;
            state.AddLog(entry);
            if (call.CloseWithoutAnswer) CloseGracefully(ctx);
        }
    }

    /// <summary>
    /// Ends the connection with a FIN and no answer: the socket is shut down for sending first (Kestrel's own
    /// abort resets the connection, which is another fault), then the request is aborted so Kestrel writes nothing.
    /// </summary>
    private static void CloseGracefully(HttpContext ctx)
    {
        var socket = ctx.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket;
        try { socket?.Shutdown(System.Net.Sockets.SocketShutdown.Send); }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException) { }
        ctx.Abort();
    }

    /// <summary>Authentication, then the route handler. Failures become the JSON envelope here, so faults that capture the answer see them.</summary>
    private async Task HandleAsync(HttpContext ctx, ApiCall call, VaultOperation op)
    {
        try
        {
            if (op.RequiresAuth)
            {
                if (call.ForceInvalidSession)
                {
                    // expire-session fault: the session dies just before Vault looks at it.
                    if (call.Credential is not null) state.ExpireAuthSession(call.Credential);
                    throw EmulatorState.InvalidSession();
                }
                call.Caller = state.Authenticate(call.Credential);
            }
            await next(ctx);
        }
        catch (VaultFailure failure) when (!ctx.Response.HasStarted)
        {
            await ctx.DrainRequestBodyAsync();
            await Envelope.WriteFailureAsync(ctx, failure);
        }
    }

    private LogEntry NewLogEntry(HttpContext ctx, VaultOperation op, string authScheme)
    {
        // RawTarget is the request target exactly as received, escapes included.
        string raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (ctx.Request.PathBase + ctx.Request.Path + ctx.Request.QueryString);
        int q = raw.IndexOf('?');
        var entry = new LogEntry
        {
            Time = state.Now,
            Method = ctx.Request.Method,
            Path = q < 0 ? raw : raw[..q],
            Query = q < 0 ? null : raw[q..],
            Operation = op.Name,
            UploadSessionId = ctx.GetRouteValue("id") as string,
            UserAgent = ctx.Request.Headers.UserAgent.FirstOrDefault(),
            Accept = ctx.Request.Headers.Accept.FirstOrDefault(),
            AuthScheme = authScheme,
        };
        if (VaultRoutes.ItemPathPrefixSegments(op.Name) is int prefix)
        {
            try { entry.ItemPath = ItemPaths.FromRawPath(entry.Path, prefix); }
            catch (VaultFailure) { } // the handler answers INVALID_DATA
        }
        if (op.Name == "upload" && int.TryParse(ctx.Request.Headers["X-VaultAPI-FilePartNumber"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out int part))
            entry.PartNumber = part;
        if (op.Name == "content" && ctx.Request.GetTypedHeaders().Range?.Ranges.FirstOrDefault()?.From is long from)
            entry.RangeStart = from;
        return entry;
    }

    /// <summary>Authorization: "{sessionId}" (raw), "Bearer {sessionId}" or "Bearer {token}".</summary>
    private static (string Scheme, string? Credential) ParseAuthorization(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return ("none", null);
        header = header.Trim();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? ("bearer", header["Bearer ".Length..].Trim())
            : ("raw", header);
    }

    /// <summary>Vault's headers, on every answer (added just before the headers are sent).</summary>
    private void WriteVaultHeaders(HttpContext ctx, ApiCall call)
    {
        var h = ctx.Response.Headers;
        h["X-VaultAPI-BurstLimit"] = call.Burst.Limit.ToString(CultureInfo.InvariantCulture);
        h["X-VaultAPI-BurstLimitRemaining"] = (call.BurstRemainingOverride ?? call.Burst.Remaining).ToString(CultureInfo.InvariantCulture);
        h["X-VaultAPI-ExecutionId"] = call.ExecutionId;
        if (call.ResponseDelayMs is > 0 and var delay) h["X-VaultAPI-ResponseDelay"] = delay.ToString(CultureInfo.InvariantCulture);

        var who = call.Caller is { } c ? (c.UserId, state.VaultId, c.Credential) : call.Login;
        if (who is var (userId, vaultId, credential))
        {
            h["X-VaultAPI-UserId"] = userId.ToString(CultureInfo.InvariantCulture);
            h["X-VaultAPI-VaultId"] = vaultId.ToString(CultureInfo.InvariantCulture);
            // Never the whole credential. How much Vault shows is undocumented: 16 characters here (UNCONFIRMED).
            h["X-VaultAPI-TruncatedSessionId"] = credential.Length > 16 ? credential[..16] : credential;
        }
        if (ctx.Items[Envelope.ResponseStatusItem] is string status) h["X-VaultAPI-Status"] = status;
    }
}
