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
/// | POST   /_emulator/faults     | add a fault -> {id};  GET lists;  DELETE clears;  DELETE /faults/{id} removes one |
/// | GET    /_emulator/staged     | ?path=/u10001400/x.bin -> {exists,size,sha256}                  |
/// | GET    /_emulator/state      | sessions with parts, jobs, auth sessions (no secrets), faults   |
/// | GET    /_emulator/options    | behavioural options;  POST changes some of them                 |
/// </summary>
internal static class ControlRoutes
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

        c.MapPost("/faults", async (HttpContext ctx, EmulatorState s) => Ok(new { id = s.AddFault(await BodyAsync<FaultSpec>(ctx)) }));
        c.MapGet("/faults", (EmulatorState s) => Ok(s.GetFaults()));
        c.MapDelete("/faults", (EmulatorState s) => { s.ClearFaults(); return Ok(new { cleared = true }); });
        c.MapDelete("/faults/{id}", (string id, EmulatorState s) => Ok(new { removed = s.RemoveFault(id) }));

        c.MapGet("/staged", (string? path, EmulatorState s) =>
            string.IsNullOrEmpty(path) ? throw new ArgumentException("?path= is required") : Ok(s.GetStagedFile(path)));

        c.MapGet("/state", (EmulatorState s) => Ok(s.GetSnapshot()));

        c.MapGet("/options", (EmulatorState s) => Ok(OptionsView.From(s.Options)));
        c.MapPost("/options", async (HttpContext ctx, EmulatorState s) =>
        {
            (await BodyAsync<OptionsView>(ctx)).ApplyTo(s.Options);
            return Ok(OptionsView.From(s.Options));
        });
    }

    private static IResult Ok(object value) => Results.Json(value, Json);

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

    private sealed class ClockRequest
    {
        public double? AdvanceSeconds { get; set; }
        public double? OffsetSeconds { get; set; }
    }

    /// <summary>The run-time adjustable options; on POST, absent (null) fields are left alone.</summary>
    private sealed class OptionsView
    {
        /// <summary>0 = no paging.</summary>
        public int? ListPageSize { get; set; }
        public int? JobDurationMs { get; set; }
        public double? JobStatusMinIntervalSeconds { get; set; }
        /// <summary>"" = accept any client id.</summary>
        public string? RequiredClientIdPattern { get; set; }
        public double? SessionInactivitySeconds { get; set; }
        public double? SessionMaxLifetimeSeconds { get; set; }
        public int? BurstLimit { get; set; }
        public int? BurstDelayMs { get; set; }
        public int? MaxActiveUploadSessions { get; set; }
        public NonAdminPathStyle? NonAdminPaths { get; set; }
        public List<string>? ApiVersions { get; set; }

        public static OptionsView From(EmulatorOptions o) => new()
        {
            ListPageSize = o.ListPageSize ?? 0,
            JobDurationMs = o.JobDurationMs,
            JobStatusMinIntervalSeconds = o.JobStatusMinIntervalSeconds,
            RequiredClientIdPattern = o.RequiredClientIdPattern ?? "",
            SessionInactivitySeconds = o.SessionInactivityTimeout.TotalSeconds,
            SessionMaxLifetimeSeconds = o.SessionMaxLifetime.TotalSeconds,
            BurstLimit = o.BurstLimit,
            BurstDelayMs = o.BurstDelayMs,
            MaxActiveUploadSessions = o.MaxActiveUploadSessions,
            NonAdminPaths = o.NonAdminPaths,
            ApiVersions = [.. o.ApiVersions],
        };

        public void ApplyTo(EmulatorOptions o)
        {
            if (RequiredClientIdPattern is { Length: > 0 } pattern) _ = new Regex(pattern); // throws ArgumentException if invalid
            if (ListPageSize is { } pageSize) o.ListPageSize = pageSize > 0 ? pageSize : null;
            if (JobDurationMs is { } duration) o.JobDurationMs = Math.Max(0, duration);
            if (JobStatusMinIntervalSeconds is { } interval) o.JobStatusMinIntervalSeconds = Math.Max(0, interval);
            if (RequiredClientIdPattern is not null) o.RequiredClientIdPattern = RequiredClientIdPattern.Length > 0 ? RequiredClientIdPattern : null;
            if (SessionInactivitySeconds is { } inactivity) o.SessionInactivityTimeout = TimeSpan.FromSeconds(inactivity);
            if (SessionMaxLifetimeSeconds is { } lifetime) o.SessionMaxLifetime = TimeSpan.FromSeconds(lifetime);
            if (BurstLimit is { } limit) o.BurstLimit = limit;
            if (BurstDelayMs is { } burstDelay) o.BurstDelayMs = Math.Max(0, burstDelay);
            if (MaxActiveUploadSessions is { } max) o.MaxActiveUploadSessions = max;
            if (NonAdminPaths is { } style) o.NonAdminPaths = style;
            if (ApiVersions is { Count: > 0 } versions) o.ApiVersions = versions;
        }
    }
}
