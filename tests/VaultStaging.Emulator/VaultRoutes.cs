using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace VaultStaging.Emulator;

/// <summary>
/// The Vault API surface, one short handler per call (see shared/docs/vault-api.md):
///
/// | call                                                      | operation |
/// |-----------------------------------------------------------|-----------|
/// | POST   /api/{version}/auth                                | auth      |
/// | GET    /api/                                              | versions  |
/// | POST   /api/{version}/keep-alive                          | keepalive |
/// | DELETE /api/{version}/session                             | logout    |
/// | GET    /api/{version}/services/file_staging/upload        | list      |
/// | POST   /api/{version}/services/file_staging/upload        | create    |
/// | GET    /api/{version}/services/file_staging/upload/{id}   | details   |
/// | PUT    /api/{version}/services/file_staging/upload/{id}   | upload    |
/// | POST   /api/{version}/services/file_staging/upload/{id}   | commit    |
/// | DELETE /api/{version}/services/file_staging/upload/{id}   | abort     |
/// | GET    /api/{version}/services/file_staging/upload/{id}/parts | parts |
/// | GET    /api/{version}/services/file_staging/items/{path}  | items       |
/// | GET    /api/{version}/services/file_staging/items/content/{path} | content |
/// | POST   /api/{version}/services/file_staging/items         | item-create |
/// | PUT    /api/{version}/services/file_staging/items/{path}  | item-update |
/// | DELETE /api/{version}/services/file_staging/items/{path}  | item-delete |
/// | GET    /api/{version}/services/jobs/{job_id}              | job       |
/// | GET    /api/{version}/services/jobs/{job_id}/results      | job-results | (a listing export's CSV, text/csv) |
///
/// Authentication, the version check, faults, headers and logging happen in VaultPipeline; the rules in
/// EmulatorState. Handlers only translate between HTTP and those. Item handlers: VaultRoutes.Items.cs.
/// </summary>
internal static partial class VaultRoutes
{
    private const string Upload = "/api/{version}/services/file_staging/upload";
    private const string Items = "/api/{version}/services/file_staging/items";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/{version}/auth", LoginAsync).Op("auth", requiresAuth: false);
        app.MapGet("/api", Versions).Op("versions");
        app.MapPost("/api/{version}/keep-alive", KeepAlive).Op("keepalive");
        app.MapDelete("/api/{version}/session", Logout).Op("logout");

        app.MapGet(Upload, List).Op("list");
        app.MapPost(Upload, CreateAsync).Op("create");
        app.MapGet(Upload + "/{id}", Details).Op("details");
        app.MapPut(Upload + "/{id}", UploadPartAsync).Op("upload");
        app.MapPost(Upload + "/{id}", CommitAsync).Op("commit");
        app.MapDelete(Upload + "/{id}", Abort).Op("abort");
        app.MapGet(Upload + "/{id}/parts", ListParts).Op("parts");

        app.MapGet(Items + "/content/{**path}", DownloadAsync).Op("content");
        app.MapGet(Items + "/{**path}", ListItemsAsync).Op("items");
        app.MapPost(Items, CreateItemAsync).Op("item-create");
        app.MapPut(Items + "/{**path}", MoveItemAsync).Op("item-update");
        app.MapDelete(Items + "/{**path}", DeleteItemAsync).Op("item-delete");

        app.MapGet("/api/{version}/services/jobs/{job_id}", JobStatus).Op("job");
        app.MapGet("/api/{version}/services/jobs/{job_id}/results", JobResults).Op("job-results");

        app.MapFallback("/api/{**rest}", Unknown).Op("other", requiresAuth: false);
    }

    // ---- Authentication and the connection ---------------------------------------------------

    /// <summary>Form: username, password, optional vaultDNS (ignored: a user gets the vault they belong to).</summary>
    private static async Task<IResult> LoginAsync(HttpContext ctx, EmulatorState state)
    {
        var form = await ReadFormAsync(ctx);
        var login = state.Login(form["username"], form["password"], ctx.BaseUrl());
        ctx.Call().Login = (login.User.UserId, login.VaultId, login.SessionId);
        return Envelope.Success(new JsonObject
        {
            ["sessionId"] = login.SessionId,
            ["userId"] = login.User.UserId,
            // Veeva's example lists each vault's url as "https://{dns}/api".
            ["vaultIds"] = new JsonArray(login.Vaults
                .Select(v => (JsonNode)new JsonObject { ["id"] = v.Id, ["name"] = v.Name, ["url"] = v.Url + "/api" })
                .ToArray()),
            ["vaultId"] = login.VaultId,
        });
    }

    /// <summary>{responseStatus, values: {"v21.1": "https://{dns}/api/v21.1", ...}} (Veeva "Retrieve API Versions").</summary>
    private static IResult Versions(HttpContext ctx, EmulatorState state)
    {
        var values = new JsonObject();
        foreach (var version in state.Options.ApiVersions) values[version] = $"{ctx.BaseUrl()}/api/{version}";
        return Envelope.Success(new JsonObject { ["values"] = values });
    }

    /// <summary>The pipeline's authentication already refreshed the inactivity clock.</summary>
    private static IResult KeepAlive() => Envelope.Success();

    private static IResult Logout(HttpContext ctx, EmulatorState state)
    {
        state.Logout(ctx.Caller());
        return Envelope.Success();
    }

    // ---- Upload sessions ---------------------------------------------------------------------

    private static IResult List(HttpContext ctx, EmulatorState state, string version)
    {
        var caller = ctx.Caller();
        var page = state.ListUploadSessions(caller, DecodeCursor(ctx.Request.Query["cursor"]));
        var answer = new JsonObject();
        if (page.NextOffset is int next)
        {
            answer["responseDetails"] = new JsonObject
            {
                ["next_page"] = $"{ctx.BaseUrl()}/api/{version}/services/file_staging/upload?cursor={Uri.EscapeDataString(EncodeCursor(next))}",
            };
        }
        answer["data"] = new JsonArray(page.Sessions.Select(s => (JsonNode)SessionJson(state, s, caller)).ToArray());
        return Envelope.Success(answer);
    }

    /// <summary>Form: path, size, optional overwrite.</summary>
    private static async Task<IResult> CreateAsync(HttpContext ctx, EmulatorState state)
    {
        var form = await ReadFormAsync(ctx);
        var caller = ctx.Caller();
        var session = state.CreateUploadSession(caller, form["path"], form["size"], form["overwrite"]);
        return Envelope.Data(SessionJson(state, session, caller));
    }

    private static IResult Details(HttpContext ctx, EmulatorState state, string id)
    {
        var caller = ctx.Caller();
        return Envelope.Data(SessionJson(state, state.GetUploadSession(caller, id), caller));
    }

    /// <summary>Body = the part's bytes; X-VaultAPI-FilePartNumber: N; Content-MD5 is ignored (see vault-api.md).</summary>
    private static async Task<IResult> UploadPartAsync(HttpContext ctx, EmulatorState state, string version, string id)
    {
        try
        {
            var part = await state.UploadPartAsync(ctx.Caller(), ApiVersion.Parse(version), id,
                ctx.Request.Headers["X-VaultAPI-FilePartNumber"].FirstOrDefault(), ctx.Request.ContentLength,
                ctx.Request.Body, ctx.Call().CorruptBody, ctx.RequestAborted);
            return Envelope.Data(new JsonObject
            {
                ["size"] = part.Size,
                ["part_number"] = part.PartNumber,
                ["part_content_md5"] = part.Md5,
            });
        }
        catch (VaultFailure)
        {
            // Refused before (or while) reading the body: take the rest so the client sees the answer, not a reset.
            await ctx.DrainRequestBodyAsync();
            throw;
        }
    }

    /// <summary>No body is expected (Veeva's example still sends Content-Type: application/json). Answer: {job_id}.</summary>
    private static async Task<IResult> CommitAsync(HttpContext ctx, EmulatorState state, string id)
    {
        await ctx.DrainRequestBodyAsync();
        long jobId = await state.CommitAsync(ctx.Caller(), id);
        ctx.Call().Entry.JobId = jobId;
        return Envelope.Data(new JsonObject { ["job_id"] = jobId });
    }

    private static IResult Abort(HttpContext ctx, EmulatorState state, string id)
    {
        state.AbortUploadSession(ctx.Caller(), id);
        return Envelope.Success();
    }

    /// <summary>
    /// ?limit=1..1000 (default 1000). Shape from Veeva's "List File Parts Uploaded to Session" (v25.2 and
    /// v26.2 reference): {responseStatus, responseDetails: {next_page}, data: [{size, part_number,
    /// part_content_md5}]}, next_page an absolute URL with a cursor and the limit; responseDetails only
    /// when more parts remain.
    /// </summary>
    private static IResult ListParts(HttpContext ctx, EmulatorState state, string version, string id)
    {
        var caller = ctx.Caller();
        int limit = 1000;
        string? limitText = ctx.Request.Query["limit"];
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 1000))
            throw new VaultFailure("INVALID_DATA", $"Invalid value [{limitText}] for parameter [limit]: must be 1..1000.");

        var page = state.ListParts(caller, id, DecodeCursor(ctx.Request.Query["cursor"]), limit);
        var answer = new JsonObject();
        if (page.NextOffset is int next)
        {
            answer["responseDetails"] = new JsonObject
            {
                ["next_page"] = $"{ctx.BaseUrl()}/api/{version}/services/file_staging/upload/{Uri.EscapeDataString(id)}/parts" +
                                $"?cursor={Uri.EscapeDataString(EncodeCursor(next))}&limit={limit}",
            };
        }
        answer["data"] = new JsonArray(page.Parts.Select(p => (JsonNode)new JsonObject
        {
            ["size"] = p.Size,
            ["part_number"] = p.PartNumber,
            ["part_content_md5"] = p.Md5,
        }).ToArray());
        return Envelope.Success(answer);
    }

    // ---- Jobs --------------------------------------------------------------------------------

    /// <summary>
    /// Shape from Veeva's "Retrieve Job Status" (v25.2 and v26.2 reference): {responseStatus,
    /// responseMessage: "OK", data: {id, status, method, links: [{rel, href, method, accept}], created_by,
    /// created_date, run_start_date, run_end_date}}. The run dates appear once the job has started/ended.
    /// "method" is the method of the call that started the job: POST (commit), PUT (move), DELETE (delete).
    /// </summary>
    private static IResult JobStatus(HttpContext ctx, EmulatorState state, string version, [FromRoute(Name = "job_id")] string jobId)
    {
        var job = state.ReadJobStatus(ctx.Caller(), jobId);
        ctx.Call().Entry.JobId = job.JobId;
        var data = new JsonObject
        {
            ["id"] = job.JobId,
            ["status"] = job.Status,
            ["method"] = job.Method,
            ["links"] = new JsonArray(new JsonObject
            {
                ["rel"] = "self",
                ["href"] = $"/api/{version}/services/jobs/{job.JobId}",
                ["method"] = "GET",
                ["accept"] = "application/json",
            }),
            ["created_by"] = job.CreatedBy,
            ["created_date"] = EmulatorState.VaultDate(job.CreatedDate),
        };
        if (job.HasResults && job.Status == "SUCCESS")
        {
            // vvfst takes the link whose rel is "results" and, with accept text/csv, downloads its href. The href's
            // exact path is not documented (UNCONFIRMED); this one sits under the job.
            data["links"]!.AsArray().Add(new JsonObject
            {
                ["rel"] = "results",
                ["href"] = $"/api/{version}/services/jobs/{job.JobId}/results",
                ["method"] = "GET",
                ["accept"] = "text/csv",
            });
        }
        if (job.RunStartDate is { } start) data["run_start_date"] = EmulatorState.VaultDate(start);
        if (job.RunEndDate is { } end) data["run_end_date"] = EmulatorState.VaultDate(end);
        return Envelope.Success(new JsonObject { ["responseMessage"] = "OK", ["data"] = data });
    }

    /// <summary>A listing export's CSV (format_result=csv), as text/csv; a job without one is INVALID_DATA.</summary>
    private static IResult JobResults(HttpContext ctx, EmulatorState state, [FromRoute(Name = "job_id")] string jobId)
    {
        string csv = state.ReadJobResults(ctx.Caller(), jobId);
        ctx.Items[Envelope.ResponseStatusItem] = "SUCCESS";
        return Results.Text(csv, "text/csv; charset=UTF-8");
    }

    // ---- Anything else under /api ------------------------------------------------------------

    [GeneratedRegex(@"^/api/[^/]+/(auth|keep-alive|session|services/file_staging/upload(/[^/]+(/parts)?)?|services/file_staging/items(/.*)?|services/jobs/[^/]+(/results)?)/?$")]
    private static partial Regex KnownResource();

    private static IResult Unknown(HttpContext ctx) => Envelope.Failure(KnownResource().IsMatch(ctx.Request.Path.Value ?? "")
        ? new VaultFailure("METHOD_NOT_SUPPORTED", $"Method [{ctx.Request.Method}] is not supported for this resource.")
        : new VaultFailure("MALFORMED_URL", "The requested URL is not a known Vault API resource."));

    // ---- Helpers -----------------------------------------------------------------------------

    /// <summary>The session object, fields in the order of Veeva's create example. Dates like 2020-10-07T18:32:55.000Z.</summary>
    private static JsonObject SessionJson(EmulatorState state, UploadSessionInfo s, Caller caller)
    {
        var json = BaseSessionJson(state, s, caller);
        if (state.Options.SessionFields == SessionFieldsStyle.Seed)
        {
            // Like the seed's listing: neither name nor overwrite.
            json.Remove("name");
            json.Remove("overwrite");
        }
        if (s.ExtraFields is { } extra)
            foreach (var (name, value) in extra) json[name] = value?.DeepClone();
        return json;
    }

    private static JsonObject BaseSessionJson(EmulatorState state, UploadSessionInfo s, Caller caller) => new()
    {
        ["path"] = state.ReportedPath(s.Path, caller),
        ["name"] = s.Name,
        ["id"] = s.Id,
        ["expiration_date"] = EmulatorState.VaultDate(s.ExpirationDate),
        ["created_date"] = EmulatorState.VaultDate(s.CreatedDate),
        ["last_uploaded_date"] = EmulatorState.VaultDate(s.LastUploadedDate),
        ["owner"] = s.Owner,
        ["uploaded_parts"] = s.UploadedParts,
        ["size"] = s.Size,
        ["uploaded"] = s.Uploaded,
        ["overwrite"] = s.Overwrite,
    };

    /// <summary>Vault takes form-encoded or multipart bodies; anything else counts as an empty form.</summary>
    private static async Task<IFormCollection> ReadFormAsync(HttpContext ctx)
    {
        if (ctx.Request.HasFormContentType) return await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        await ctx.DrainRequestBodyAsync();
        return FormCollection.Empty;
    }

    /// <summary>Opaque cursors like Vault's (base64 with '+', '/', '='), so clients must use next_page verbatim.</summary>
    private static string EncodeCursor(int offset)
    {
        byte[] bytes = new byte[16]; // 16 bytes: base64 always ends in "=="
        RandomNumberGenerator.Fill(bytes);
        BinaryPrimitives.WriteInt32BigEndian(bytes, offset);
        return Convert.ToBase64String(bytes);
    }

    private static int DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return 0;
        try
        {
            byte[] bytes = Convert.FromBase64String(cursor);
            int offset = bytes.Length == 16 ? BinaryPrimitives.ReadInt32BigEndian(bytes) : -1;
            if (offset >= 0) return offset;
        }
        catch (FormatException) { }
        throw new VaultFailure("INVALID_DATA", $"Invalid value [{cursor}] for parameter [cursor].");
    }
}
