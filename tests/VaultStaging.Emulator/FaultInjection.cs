using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace VaultStaging.Emulator;

/// <summary>
/// What an injected fault does to one request. <c>handle</c> is the normal processing (authentication
/// and the route handler); a fault runs it, skips it, or runs it and replaces its answer:
/// <list type="bullet">
/// <item><b>http-status</b>: a proxy-style HTML error page with <c>status</c> (default 502) and an optional Retry-After; not run.</item>
/// <item><b>drop</b>: a 200 JSON answer whose connection is aborted mid-body (after <c>afterBytes</c>, default half). On a
/// download (operation content) with <c>apply</c>: the file's bytes are sent up to <c>afterBytes</c> (default half), then the reset.</item>
/// <item><b>truncate</b>: a complete 200 application/json answer whose JSON is cut in half.</item>
/// <item><b>slow</b>: waits <c>delayMs</c> (given up when the client disconnects), then answers normally.</item>
/// <item><b>expire-session</b>: the caller's session dies just before it is checked: INVALID_SESSION_ID.</item>
/// <item><b>api-limit</b>: FAILURE API_LIMIT_EXCEEDED; not run.</item>
/// <item><b>burst-delay</b>: waits <c>delayMs</c>, answers normally with X-VaultAPI-ResponseDelay and BurstLimitRemaining = <c>remaining</c>.</item>
/// <item><b>corrupt-part</b> / <b>corrupt-file</b> (the same): an upload part (upload) or an /items file (item-create) is stored
/// with its first byte flipped, and the MD5 answered is the stored bytes' one.</item>
/// <item><b>wrong-content-range</b>: a download's Content-Range names the range asked shifted by <c>shift</c> bytes (default 1); the body is as asked.</item>
/// <item><b>change-file</b>: answered normally; then the file the answer was about (download, file listing, created file)
/// grows by <c>appendBytes</c> (default 1024) and its modified date moves on.</item>
/// <item><b>fail-after-apply</b>: run, then the answer is replaced by an HTML 502 (or <c>status</c>): applied, but the answer was lost.</item>
/// <item><b>close-after-apply</b>: run, then the connection is closed gracefully (FIN) with not one byte of the answer sent:
/// applied, and the answer lost as when a load balancer or server closes a reused connection under a request.</item>
/// </list>
/// drop and truncate cut a canned SUCCESS answer without running the request, unless <c>apply</c> is true:
/// then the request runs and its own answer is cut.
/// </summary>
internal static class FaultInjection
{
    public static async Task ApplyAsync(HttpContext ctx, EmulatorState state, ApiCall call, FaultSpec? fault, Func<Task> handle)
    {
        switch (fault?.Kind)
        {
            case null:
                await handle();
                break;

            case "http-status":
                await ctx.DrainRequestBodyAsync();
                await WriteHtmlStatusAsync(ctx, fault.Status ?? 502, fault.RetryAfter);
                break;

            case "api-limit":
                await ctx.DrainRequestBodyAsync();
                await Envelope.WriteFailureAsync(ctx, new VaultFailure("API_LIMIT_EXCEEDED", "API limit exceeded; try again later."));
                break;

            case "slow":
                await Task.Delay(fault.DelayMs ?? 5000, ctx.RequestAborted);
                await handle();
                break;

            case "burst-delay":
                int delay = fault.DelayMs ?? 500;
                await Task.Delay(delay, ctx.RequestAborted);
                call.ResponseDelayMs = delay;
                call.BurstRemainingOverride = fault.Remaining ?? 0;
                await handle();
                break;

            case "expire-session":
                call.ForceInvalidSession = true;
                await handle();
                break;

            case "corrupt-part":
            case "corrupt-file":
                call.CorruptBody = true;
                await handle();
                break;

            case "wrong-content-range":
                call.ContentRangeShift = fault.Shift ?? 1;
                await handle();
                break;

            case "change-file":
                await handle();
                await ctx.Response.CompleteAsync(); // the answer is out; only then does the file change
                if (call.ItemAbsolutePath is { } changed) state.ChangeFileForFault(changed, fault.AppendBytes ?? 1024);
                break;

            case "drop" when fault.Apply && call.Entry.Operation == "content":
                // Streamed: the download handler sends part of the file, then resets the connection.
                call.DropAfterBytes = fault.AfterBytes ?? -1;
                await handle();
                break;

            case "drop":
            case "truncate":
                byte[] body = fault.Apply ? await CaptureAsync(ctx, handle) : await CannedAnswerAsync(ctx);
                await WriteCutAsync(ctx, body, abortConnection: fault.Kind == "drop", fault.AfterBytes);
                break;

            case "stall":
                // The real answer, sent in two pieces with a pause between: a page that stops arriving mid-way for a while.
                byte[] whole = await CaptureAsync(ctx, handle);
                long cutAt = fault.AfterBytes is { } at ? (at < 0 ? whole.Length + at : at) : whole.Length / 2;
                int first = (int)Math.Clamp(cutAt, 0, whole.Length);
                ctx.Response.ContentLength = whole.Length;
                await ctx.Response.Body.WriteAsync(whole.AsMemory(0, first), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                await Task.Delay(fault.DelayMs ?? 5000, ctx.RequestAborted);
                await ctx.Response.Body.WriteAsync(whole.AsMemory(first), ctx.RequestAborted);
                break;

            case "fail-after-apply":
                await CaptureAsync(ctx, handle); // the operation happens; its answer is thrown away
                ctx.Response.Clear();
                await WriteHtmlStatusAsync(ctx, fault.Status ?? 502, fault.RetryAfter);
                break;

            case "close-after-apply":
                await CaptureAsync(ctx, handle); // the operation happens; nothing of its answer leaves
                ctx.Response.Clear();
                // The pipeline closes the connection once the request is in the log (VaultPipeline).
                call.CloseWithoutAnswer = true;
                break;

            default:
                throw new InvalidOperationException($"Unknown fault kind {fault.Kind}");
        }
    }

    /// <summary>Runs the request with its answer written to memory instead of the connection.</summary>
    private static async Task<byte[]> CaptureAsync(HttpContext ctx, Func<Task> handle)
    {
        var original = ctx.Response.Body;
        using var buffer = new MemoryStream();
        ctx.Response.Body = buffer;
        try { await handle(); }
        finally { ctx.Response.Body = original; }
        return buffer.ToArray();
    }

    /// <summary>A SUCCESS envelope padded with JSON whitespace, so that half of it is still a good length.</summary>
    private static async Task<byte[]> CannedAnswerAsync(HttpContext ctx)
    {
        await ctx.DrainRequestBodyAsync();
        ctx.Items[Envelope.ResponseStatusItem] = "SUCCESS";
        return Encoding.UTF8.GetBytes("{\"responseStatus\":\"SUCCESS\",\"data\":[" + new string(' ', 512) + "]}");
    }

    private static async Task WriteCutAsync(HttpContext ctx, byte[] body, bool abortConnection, long? afterBytes)
    {
        int half = afterBytes is { } after && abortConnection ? (int)Math.Min(after, Math.Max(0, body.Length - 1)) : Math.Max(1, body.Length / 2);
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = Envelope.ContentType;
        if (abortConnection)
        {
            // Promise the whole body, send half, then cut the connection.
            ctx.Response.ContentLength = body.Length;
            await ctx.Response.Body.WriteAsync(body.AsMemory(0, half), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await Task.Delay(50); // let the bytes leave before the reset
            ctx.Abort();
        }
        else
        {
            // A complete HTTP answer whose JSON stops in the middle.
            ctx.Response.ContentLength = half;
            await ctx.Response.Body.WriteAsync(body.AsMemory(0, half), ctx.RequestAborted);
        }
    }

    /// <summary>An error page like a proxy or load balancer sends: text/html, not Vault's envelope.</summary>
    private static async Task WriteHtmlStatusAsync(HttpContext ctx, int status, string? retryAfter)
    {
        ctx.Items.Remove(Envelope.ResponseStatusItem);
        ctx.Items.Remove(Envelope.ErrorTypeItem);
        byte[] html = Encoding.UTF8.GetBytes($"<html><body><h1>{status} {ReasonPhrases.GetReasonPhrase(status)}</h1></body></html>");
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/html";
        if (!string.IsNullOrEmpty(retryAfter)) ctx.Response.Headers.RetryAfter = retryAfter;
        ctx.Response.ContentLength = html.Length;
        await ctx.Response.Body.WriteAsync(html, ctx.RequestAborted);
    }
}
