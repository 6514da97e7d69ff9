using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace VaultStaging.Emulator;

/// <summary>
/// The items calls (shared/docs/vault-api.md, "Items"):
///
/// | call                                               | operation   | answer                                  |
/// |----------------------------------------------------|-------------|-----------------------------------------|
/// | GET    .../items/{path}?recursive=&amp;limit=          | items       | data: [{kind, path, name, size, modified_date}], responseDetails.next_page |
/// | GET    .../items/{path}?format_result=csv              | items       | data: {job_id, url}; the CSV at the job's "results" link |
/// | GET    .../items/content/{path} (Range)            | content     | the bytes (206/200, Content-Range)      |
/// | POST   .../items (multipart: kind, path, overwrite, file) | item-create | data: {kind, path, name, size, file_content_md5} |
/// | PUT    .../items/{path} (form: parent, name)       | item-update | data: {job_id, url}                     |
/// | DELETE .../items/{path}?recursive=true             | item-delete | data: {job_id, url}                     |
///
/// Item paths in URLs are read from the raw request target (ItemPaths), never from route values.
/// </summary>
internal static partial class VaultRoutes
{
    /// <summary>How many segments of the raw path belong to the route before the item path ("", api, v, services, file_staging, items[, content]).</summary>
    public static int? ItemPathPrefixSegments(string operation) => operation switch
    {
        "items" or "item-update" or "item-delete" => 6,
        "content" => 7,
        _ => null,
    };

    /// <summary>
    /// Before routing: Kestrel removes dot segments ("..", "%2E%2E") from the request path, so an item URL
    /// holding one would route somewhere else (or nowhere). Such a request is kept on its items route here;
    /// its handler reads the raw target and refuses the segment with INVALID_DATA.
    /// </summary>
    public static void KeepItemUrlsOnTheirRoute(HttpContext ctx)
    {
        string? raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.StartsWith("/api/", StringComparison.Ordinal)) return;
        int q = raw.IndexOf('?');
        string[] s = (q < 0 ? raw : raw[..q]).Split('/');
        if (s.Length < 7 || s[3] != "services" || s[4] != "file_staging" || s[5] != "items") return;
        bool dotSegment = s.Skip(6).Any(x => x.Replace("%2E", ".", StringComparison.OrdinalIgnoreCase) is "." or "..");
        if (dotSegment)
            ctx.Request.Path = $"/api/{Uri.UnescapeDataString(s[2])}/services/file_staging/items" + (s[6] == "content" ? "/content" : "") + "/dot-segment";
    }

    /// <summary>The decoded item path of this request's URL, as the caller wrote it ("/" for the root).</summary>
    private static string UrlItemPath(HttpContext ctx, string operation) =>
        ItemPaths.FromRawPath(ctx.Call().Entry.Path, ItemPathPrefixSegments(operation)!.Value);

    private static async Task<IResult> ListItemsAsync(HttpContext ctx, EmulatorState state, string version)
    {
        var caller = ctx.Caller();
        string path = UrlItemPath(ctx, "items");
        var query = ctx.Request.Query;
        if (query.ContainsKey("format_result"))
        {
            // Veeva: "If set to csv, the response includes a job_id"; the CSV is then among the job's links.
            if (!string.Equals(query["format_result"], "csv", StringComparison.OrdinalIgnoreCase))
                throw new VaultFailure("INVALID_DATA", $"Invalid value [{query["format_result"]}] for parameter [format_result]: csv is the only format.");
            return JobStarted(ctx, version, await state.StartListingExportAsync(caller, path, query["recursive"]));
        }
        var page = state.ListItems(caller, path, query["recursive"], query["limit"], query["cursor"]);
        if (page.Items.Count == 1 && !page.Items[0].IsFolder) ctx.Call().ItemAbsolutePath = page.Items[0].Path;

        var answer = new JsonObject();
        if (page.NextCursor is { } cursor)
            answer["responseDetails"] = new JsonObject { ["next_page"] = $"{ctx.BaseUrl()}{ctx.Call().Entry.Path}?cursor={Uri.EscapeDataString(cursor)}" };
        answer["data"] = new JsonArray(page.Items.Select(item => (JsonNode)ItemJson(state, item, caller, page.FolderSlash)).ToArray());
        return Envelope.Success(answer);
    }

    private static JsonObject ItemJson(EmulatorState state, EmulatorState.ItemEntry item, Caller caller, bool folderSlash)
    {
        string path = state.ReportedPath(item.Path, caller);
        var json = new JsonObject
        {
            ["kind"] = item.IsFolder ? "folder" : "file",
            ["path"] = item.IsFolder && folderSlash ? path + "/" : path,
            ["name"] = item.Name,
        };
        if (item.IsFolder) return json;
        json["size"] = item.Size;
        json["modified_date"] = EmulatorState.VaultDate(item.Modified);
        return json;
    }

    /// <summary>Streams the file (or the range) from disk; faults may cut the connection or skew Content-Range.</summary>
    private static async Task DownloadAsync(HttpContext ctx, EmulatorState state)
    {
        var call = ctx.Call();
        EmulatorState.Download download;
        try
        {
            download = state.OpenDownload(ctx.Caller(), UrlItemPath(ctx, "content"), ctx.Request.Headers.Range.FirstOrDefault());
        }
        catch (EmulatorState.RangeNotSatisfiable ex)
        {
            ctx.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            ctx.Response.Headers.ContentRange = $"bytes */{ex.Total}";
            ctx.Response.ContentLength = 0;
            return;
        }

        await using var file = download.Stream;
        call.ItemAbsolutePath = download.AbsolutePath;
        ctx.Items[Envelope.ResponseStatusItem] = "SUCCESS";
        var response = ctx.Response;
        response.StatusCode = download.Ranged ? state.Options.RangeStatus : StatusCodes.Status200OK;
        response.ContentType = "application/octet-stream;charset=UTF-8";
        // The name as stored (UTF-8 on the wire for non-ASCII names, see VaultEmulator); '"' and '\' escaped.
        response.Headers.ContentDisposition = $"attachment;filename=\"{download.Name.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";
        long start = download.Start, end = download.Start + download.Length - 1;
        if (call.ContentRangeShift is { } shift) { start += shift; end += shift; }
        if (download.Ranged || call.ContentRangeShift is not null) response.Headers.ContentRange = $"bytes {start}-{end}/{download.Total}";
        response.ContentLength = download.Length;

        long cut = call.DropAfterBytes is { } after ? (after < 0 ? download.Length / 2 : Math.Min(after, download.Length)) : long.MaxValue;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            file.Position = download.Start;
            long sent = 0;
            while (sent < download.Length)
            {
                int want = (int)Math.Min(buffer.Length, Math.Min(download.Length, cut) - sent);
                if (want <= 0) break;
                int n = file.Read(buffer, 0, want); // plain synchronous file reads: fast, and never the whole file in memory
                if (n == 0) break;                  // the file shrank meanwhile: the answer cannot be completed
                await response.Body.WriteAsync(buffer.AsMemory(0, n), ctx.RequestAborted);
                sent += n;
            }
            if (sent < download.Length)
            {
                // drop fault (or a file that shrank): what was promised was not sent; cut the connection.
                await response.Body.FlushAsync(ctx.RequestAborted);
                await Task.Delay(50);
                ctx.Abort();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// multipart/form-data: kind, path, overwrite and the file part "file", read in the order they come; the
    /// file part is streamed to a temp file while hashed. A form-urlencoded body is accepted for folders.
    /// </summary>
    private static async Task<IResult> CreateItemAsync(HttpContext ctx, EmulatorState state)
    {
        var caller = ctx.Caller();
        var call = ctx.Call();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        EmulatorState.ReceivedFile? file = null;
        try
        {
            // Vault refuses big files with EXCEEDS_FILE_MAX_SIZE, not with a cut connection: read everything.
            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
            string? boundary = MultipartBoundary(ctx.Request.ContentType);
            if (boundary is not null)
            {
                var reader = new MultipartReader(boundary, ctx.Request.Body);
                try
                {
                    while (await reader.ReadNextSectionAsync(ctx.RequestAborted) is { } section)
                    {
                        string name = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd)
                            ? HeaderUtilities.RemoveQuotes(cd.Name).ToString() : "";
                        if (name == "file" && file is null)
                            file = await state.ReceiveItemFileAsync(section.Body, call.CorruptBody, ctx.RequestAborted);
                        else if (name.Length > 0 && name != "file")
                            fields[name] = await new StreamReader(section.Body, Encoding.UTF8).ReadToEndAsync(ctx.RequestAborted);
                        else
                            await section.Body.CopyToAsync(Stream.Null, ctx.RequestAborted);
                    }
                }
                catch (InvalidDataException ex)
                {
                    throw new VaultFailure("INVALID_DATA", $"Malformed multipart body: {ex.Message}");
                }
            }
            else
            {
                foreach (var (key, value) in await ReadFormAsync(ctx)) fields[key] = value.ToString();
            }

            call.Entry.ItemPath = fields.GetValueOrDefault("path");
            var created = state.CreateItem(caller, fields.GetValueOrDefault("kind"), fields.GetValueOrDefault("path"), fields.GetValueOrDefault("overwrite"), file);
            call.ItemAbsolutePath = created.AbsolutePath;
            string reported = state.ReportedPath(created.AbsolutePath, caller);
            var data = new JsonObject
            {
                ["kind"] = created.IsFolder ? "folder" : "file",
                ["path"] = created.IsFolder ? reported.TrimEnd('/') + "/" : reported, // Veeva: a folder's path comes back with a trailing '/'
                ["name"] = created.Name,
            };
            if (!created.IsFolder)
            {
                data["size"] = created.Size;
                data["file_content_md5"] = created.Md5;
            }
            return Envelope.Data(data);
        }
        finally
        {
            if (file is not null) EmulatorState.DiscardReceived(file);
        }
    }

    private static string? MultipartBoundary(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) ||
            !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)) return null;
        string boundary = HeaderUtilities.RemoveQuotes(media.Boundary).ToString();
        return string.IsNullOrEmpty(boundary) ? throw new VaultFailure("INVALID_DATA", "Missing multipart boundary.") : boundary;
    }

    /// <summary>Form (urlencoded or multipart): parent and/or name. Answer: {job_id, url}.</summary>
    private static async Task<IResult> MoveItemAsync(HttpContext ctx, EmulatorState state, string version)
    {
        string path = UrlItemPath(ctx, "item-update");
        var form = await ReadFormAsync(ctx);
        long jobId = await state.MoveItemAsync(ctx.Caller(), path, form["parent"], form["name"]);
        return JobStarted(ctx, version, jobId);
    }

    private static async Task<IResult> DeleteItemAsync(HttpContext ctx, EmulatorState state, string version)
    {
        string path = UrlItemPath(ctx, "item-delete");
        await ctx.DrainRequestBodyAsync();
        long jobId = await state.DeleteItemAsync(ctx.Caller(), path, ctx.Request.Query["recursive"]);
        return JobStarted(ctx, version, jobId);
    }

    private static IResult JobStarted(HttpContext ctx, string version, long jobId)
    {
        ctx.Call().Entry.JobId = jobId;
        return Envelope.Data(new JsonObject
        {
            ["job_id"] = jobId,
            ["url"] = $"/api/{version}/services/jobs/{jobId.ToString(CultureInfo.InvariantCulture)}",
        });
    }
}
