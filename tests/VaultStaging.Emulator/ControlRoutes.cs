using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace VaultStaging.Emulator;

/// <summary>
/// /_emulator/*: the test-only control API (JSON in and out, camelCase, no auth). Every call maps to an
/// EmulatorState member, so in-process tests can do the same through VaultEmulator.State.
///
/// | call                         | does                                                            |
/// |------------------------------|-----------------------------------------------------------------|
/// | POST   /_emulator/reset      | back to the start-up state                                      |
/// | GET    /_emulator/info       | baseUrl, stagingRoot, vaultId, users (with passwords and tokens)|
/// | POST   /_emulator/users      | add a user {userName,password,userId,isAdmin}                   |
/// | POST   /_emulator/sessions   | add an upload session {owner,path,size,uploaded?,uploadedParts?,createdDate?,overwrite?,extraFields?} |
/// | POST   /_emulator/clock      | {advanceSeconds} or {offsetSeconds} -> {now, offsetSeconds}     |
/// | GET    /_emulator/log        | request log;  DELETE clears it                                  |
/// | GET    /_emulator/throughput | /api body bytes in and out per 250 ms {bucketMs,buckets:[{startMs,bytesIn,bytesOut}]}; DELETE clears it |
/// | POST   /_emulator/faults     | add a fault -> {id};  GET lists;  DELETE clears;  DELETE /faults/{id} removes one |
/// | GET    /_emulator/staged     | ?path=/u10001400/x.bin -> {exists,size,sha256}                  |
/// | POST   /_emulator/items      | make a file/folder {path,kind,size?,contentBase64?,seed?,sparse?,modifiedDate?} or a tree {root,folders,filesPerFolder,size?,seed?,sparse?,modifiedDate?} |
/// | GET    /_emulator/items      | ?path= -> {exists,path,kind,size,sha256,modifiedDate};  DELETE ?path= removes it -> {removed} |
/// | POST   /_emulator/items/modify | {path,size?,contentBase64?,seed?,appendBytes?,sparse?,modifiedDate?} -> the item |
/// | GET    /_emulator/state      | sessions with parts, jobs, auth sessions (no secrets), faults   |
/// | GET    /_emulator/options    | behavioural options;  POST changes some of them (ControlRoutes.Options.cs) |
/// </summary>
internal static partial class ControlRoutes
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        var c = app.MapGroup("/_emulator");
        c.AddEndpointFilter(async (context, next) =>
        {
            // Bad input is the test's mistake: a 400 with the reason, not a 500.
            try { return await next(context); }
            catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException)
            {
                return Results.Json(new { error = ex.Message }, Json, statusCode: StatusCodes.Status400BadRequest);
            }
        });

        c.MapPost("/reset", (EmulatorState s) => { s.Reset(); return Ok(s.GetInfo()); });
        c.MapGet("/info", (EmulatorState s) => Ok(s.GetInfo()));

        c.MapPost("/users", async (HttpContext ctx, EmulatorState s) =>
        {
            var u = await BodyAsync<AddUserRequest>(ctx);
            return Ok(s.AddUser(u.UserName ?? "", u.Password ?? "", u.UserId, u.IsAdmin));
        });

        c.MapPost("/sessions", async (HttpContext ctx, EmulatorState s) =>
        {
            var r = await BodyAsync<AddSessionRequest>(ctx);
            return Ok(s.AddUploadSession(r.Owner, r.Path ?? "", r.Size, r.Uploaded, r.UploadedParts, r.CreatedDate, r.Overwrite, r.ExtraFields));
        });

        c.MapPost("/clock", async (HttpContext ctx, EmulatorState s) =>
        {
            var r = await BodyAsync<ClockRequest>(ctx);
            var now = r.OffsetSeconds is { } offset ? s.SetClockOffset(TimeSpan.FromSeconds(offset))
                : r.AdvanceSeconds is { } advance ? s.AdvanceClock(TimeSpan.FromSeconds(advance))
                : s.Now;
            return Ok(new { now = EmulatorState.VaultDate(now), offsetSeconds = s.ClockOffset.TotalSeconds });
        });

        c.MapGet("/log", (EmulatorState s) => Ok(s.GetLog()));
        c.MapDelete("/log", (EmulatorState s) => { s.ClearLog(); return Ok(new { cleared = true }); });
        c.MapGet("/throughput", (EmulatorState s) => Ok(s.Throughput.Snapshot()));
        c.MapDelete("/throughput", (EmulatorState s) => { s.Throughput.Clear(); return Ok(new { cleared = true }); });

        c.MapPost("/faults", async (HttpContext ctx, EmulatorState s) => Ok(new { id = s.AddFault(await BodyAsync<FaultSpec>(ctx)) }));
        c.MapGet("/faults", (EmulatorState s) => Ok(s.GetFaults()));
        c.MapDelete("/faults", (EmulatorState s) => { s.ClearFaults(); return Ok(new { cleared = true }); });
        c.MapDelete("/faults/{id}", (string id, EmulatorState s) => Ok(new { removed = s.RemoveFault(id) }));

        c.MapGet("/staged", (string? path, EmulatorState s) =>
            string.IsNullOrEmpty(path) ? throw new ArgumentException("?path= is required") : Ok(s.GetStagedFile(path)));

        c.MapPost("/items", async (HttpContext ctx, EmulatorState s) =>
        {
            var r = await BodyAsync<ItemRequest>(ctx);
            if (r.Root is not null)
                return Ok(s.CreateItemsBulk(r.Root, r.Folders, r.FilesPerFolder, r.Size ?? 0, r.Seed, r.Sparse, r.ModifiedDate));
            return Ok(s.CreateItemDirect(r.Path ?? throw new ArgumentException("path (one item) or root (a tree) is required"),
                r.Kind ?? "file", r.Size, Content(r.ContentBase64), r.Seed, r.Sparse, r.ModifiedDate));
        });
        c.MapGet("/items", (string? path, EmulatorState s) => Ok(s.GetItem(path ?? throw new ArgumentException("?path= is required"))));
        c.MapDelete("/items", (string? path, EmulatorState s) =>
            Ok(new { removed = s.DeleteItemDirect(path ?? throw new ArgumentException("?path= is required")) }));
        c.MapPost("/items/modify", async (HttpContext ctx, EmulatorState s) =>
        {
            var r = await BodyAsync<ItemRequest>(ctx);
            return Ok(s.ModifyItem(r.Path ?? throw new ArgumentException("path is required"), r.Size, Content(r.ContentBase64), r.Seed,
                r.AppendBytes, r.Sparse, r.ModifiedDate));
        });

        c.MapGet("/state", (EmulatorState s) => Ok(s.GetSnapshot()));

        c.MapGet("/options", (EmulatorState s) => Ok(OptionsView.From(s.Options)));
        c.MapPost("/options", async (HttpContext ctx, EmulatorState s) =>
        {
            (await BodyAsync<OptionsView>(ctx)).ApplyTo(s.Options);
            return Ok(OptionsView.From(s.Options));
        });
    }

    private static IResult Ok(object value) => Results.Json(value, Json);

    private static byte[]? Content(string? base64) => base64 is null ? null : Convert.FromBase64String(base64);

    /// <summary>Reads JSON whatever the Content-Type says (PowerShell's Invoke-RestMethod defaults to form encoding).</summary>
    private static async Task<T> BodyAsync<T>(HttpContext ctx) where T : new()
    {
        using var reader = new StreamReader(ctx.Request.Body);
        string text = await reader.ReadToEndAsync(ctx.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? new T() : JsonSerializer.Deserialize<T>(text, Json) ?? new T();
    }

    private sealed class AddUserRequest
    {
        public string? UserName { get; set; }
        public string? Password { get; set; }
        public long UserId { get; set; }
        public bool IsAdmin { get; set; }
    }

    private sealed class AddSessionRequest
    {
        public long Owner { get; set; }
        public string? Path { get; set; }
        public long Size { get; set; }
        public long Uploaded { get; set; }
        public int? UploadedParts { get; set; }
        public DateTimeOffset? CreatedDate { get; set; }
        public bool Overwrite { get; set; }
        /// <summary>Fields a later Vault version might send; added to the session object as they are.</summary>
        public Dictionary<string, System.Text.Json.Nodes.JsonNode?>? ExtraFields { get; set; }
    }

    /// <summary>POST /_emulator/items (one item, or a tree when root is given) and POST /_emulator/items/modify.</summary>
    private sealed class ItemRequest
    {
        public string? Path { get; set; }
        public string? Kind { get; set; }
        public long? Size { get; set; }
        public string? ContentBase64 { get; set; }
        public int? Seed { get; set; }
        public bool Sparse { get; set; }
        public DateTimeOffset? ModifiedDate { get; set; }
        public long? AppendBytes { get; set; }
        public string? Root { get; set; }
        public int Folders { get; set; }
        public int FilesPerFolder { get; set; }
    }

    private sealed class ClockRequest
    {
        public double? AdvanceSeconds { get; set; }
        public double? OffsetSeconds { get; set; }
    }
}
