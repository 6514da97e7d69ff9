using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VaultStaging.Emulator;

/// <summary>
/// Vault's JSON envelope. Every normal answer is HTTP 200 with
/// <c>{"responseStatus":"SUCCESS", ...}</c> or
/// <c>{"responseStatus":"FAILURE","errors":[{"type":"...","message":"..."}]}</c> (failed logins add a
/// top-level <c>errorType</c>). The written status and first error type are left in HttpContext.Items
/// for the X-VaultAPI-Status header and the request log.
/// </summary>
internal static class Envelope
{
    public const string ResponseStatusItem = "vault.responseStatus";
    public const string ErrorTypeItem = "vault.errorType";
    public const string ContentType = "application/json;charset=UTF-8";

    /// <summary>Vault field names are written exactly as given (snake_case and camelCase mixed, like Vault).</summary>
    public static readonly JsonSerializerOptions VaultJson = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "&" in next_page URLs, not "\u0026"
    };

    /// <summary>SUCCESS with the given top-level fields (an anonymous object or a JsonObject), in order.</summary>
    public static IResult Success(object? fields = null) => new EnvelopeResult(Build("SUCCESS", fields));

    /// <summary>SUCCESS with <c>data</c>.</summary>
    public static IResult Data(object data) => Success(new JsonObject { ["data"] = ToNode(data) });

    public static IResult Failure(VaultFailure failure) => new EnvelopeResult(BuildFailure(failure));

    public static JsonObject Build(string responseStatus, object? fields)
    {
        var root = new JsonObject { ["responseStatus"] = responseStatus };
        if (fields is null) return root;
        var extra = fields as JsonObject ?? (JsonObject)ToNode(fields)!;
        foreach (var (name, value) in extra.ToList())
        {
            extra.Remove(name); // a node can only have one parent
            root[name] = value;
        }
        return root;
    }

    public static JsonObject BuildFailure(VaultFailure failure)
    {
        var root = new JsonObject
        {
            ["responseStatus"] = "FAILURE",
            ["errors"] = new JsonArray(new JsonObject { ["type"] = failure.Type, ["message"] = failure.Message }),
        };
        if (failure.ErrorType is not null) root["errorType"] = failure.ErrorType;
        return root;
    }

    public static JsonNode? ToNode(object? value) => value as JsonNode ?? JsonSerializer.SerializeToNode(value, VaultJson);

    public static byte[] Serialize(JsonObject body) => Encoding.UTF8.GetBytes(body.ToJsonString(VaultJson));

    /// <summary>Writes an envelope as the complete HTTP 200 answer.</summary>
    public static async Task WriteAsync(HttpContext ctx, JsonObject body)
    {
        string status = body["responseStatus"]?.GetValue<string>() ?? "SUCCESS";
        ctx.Items[ResponseStatusItem] = status;
        ctx.Items[ErrorTypeItem] = body["errors"] is JsonArray { Count: > 0 } errors ? errors[0]?["type"]?.GetValue<string>() : null;

        byte[] bytes = Serialize(body);
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = ContentType;
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    public static Task WriteFailureAsync(HttpContext ctx, VaultFailure failure) => WriteAsync(ctx, BuildFailure(failure));

    private sealed class EnvelopeResult(JsonObject body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, body);
    }
}
