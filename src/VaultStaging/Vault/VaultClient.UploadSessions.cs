using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>The resumable upload session calls (/api/{v}/services/file_staging/upload).</summary>
    public sealed partial class VaultClient
    {
        string UploadRoot => ApiRoot + "services/file_staging/upload";

        /// <summary>One upload session's details.</summary>
        public async Task<UploadSession> GetUploadSessionAsync(string id, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Get, UploadRoot + "/" + EscapeId(id), "Get upload session " + id);
            VaultResponse answer = await SendAsync(request, ctx).ConfigureAwait(false);
            if (!(answer.Data is JObject data))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"Get upload session {id} failed: Vault's answer had no session object.");
            return UploadSession.FromJson(data);
        }

        /// <summary>
        /// Uploads one part. Sending a part number again replaces that part, so a retry is safe; the body is
        /// made anew for every attempt by <paramref name="content"/>.
        /// </summary>
        public async Task<UploadSessionPart> UploadPartAsync(string id, int partNumber, long length, Func<HttpContent> content, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Put, UploadRoot + "/" + EscapeId(id), $"Upload part {partNumber} of upload session {id}")
            {
                Idempotent = true,
                Content = () =>
                {
                    HttpContent body = content();
                    body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
                    body.Headers.ContentLength = length;
                    return body;
                },
                AddHeaders = m => m.Headers.TryAddWithoutValidation("X-VaultAPI-FilePartNumber", partNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            };
            VaultResponse answer = await SendAsync(request, ctx).ConfigureAwait(false);
            if (!(answer.Data is JObject data))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"Upload part {partNumber} of upload session {id} failed: Vault's answer had no part object.");
            UploadSessionPart part;
            using (var reader = data.CreateReader())
            {
                reader.Read();
                part = UploadSessionPart.ReadFrom(reader);
            }
            part.UploadSessionId = id;
            return part;
        }

        /// <summary>
        /// Aborts a session; Vault purges its parts. When the answer is lost, the session's state says whether
        /// the abort arrived (the session is gone: done) or not (it is sent again), so a retry never turns a
        /// success into an INVALID_DATA error.
        /// </summary>
        public Task AbortUploadSessionAsync(string id, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Delete, UploadRoot + "/" + EscapeId(id), "Abort upload session " + id) { Idempotent = false };
            return SendAsync(request, ctx, async lost =>
            {
                ctx.Verbose($"The answer to aborting upload session {id} was lost ({lost.ErrorType}); checking the session.");
                return (!await IsActiveAsync(id, ctx).ConfigureAwait(false), (VaultResponse)null);
            });
        }

        /// <summary>The active upload sessions (admins: the whole vault; others: their own), read whole (there are at most 50 per vault).</summary>
        public async Task<List<UploadSession>> ListUploadSessionsAsync(VaultCallContext ctx)
        {
            var sessions = new List<UploadSession>();
            var request = new VaultRequest(HttpMethod.Get, UploadRoot, "List upload sessions");
            await ReadPagesAsync(request, UploadSession.ReadFrom, s => s.Id, s => { sessions.Add(s); return true; }, ctx).ConfigureAwait(false);
            return sessions;
        }

        /// <summary>
        /// Creates a session without ever making two: when the create's answer is lost, the session may exist
        /// anyway, so look for it (this user's, same path and size, nothing uploaded, created since the first
        /// attempt) before trying again. If a lost create lands after the new one, the session it made was
        /// never handed to anyone: <paramref name="onLateDuplicate"/> is given each such session (the caller
        /// aborts it, with a warning). Without the user id no session can be told to be ours: none is taken
        /// or handed over.
        /// </summary>
        public async Task<UploadSession> CreateUploadSessionOnceAsync(string path, long size, bool overwrite, VaultCallContext ctx,
            Func<UploadSession, Task> onLateDuplicate = null)
        {
            var request = new VaultRequest(HttpMethod.Post, UploadRoot, "Create an upload session for " + path)
            {
                Idempotent = false,
                Form = new List<KeyValuePair<string, string>>
                {
                    new KeyValuePair<string, string>("path", path),
                    new KeyValuePair<string, string>("size", size.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new KeyValuePair<string, string>("overwrite", overwrite ? "true" : "false"),
                },
            };
            // Vault's clock and ours differ a little: "since the first attempt" allows for that.
            DateTime since = DateTime.Now - LostCreateWindow;
            bool lostOne = false;
            int losses = 0;
            UploadSession created = await WithRetriesAsync(request, async session => SessionOf(await SendOnceAsync(request, ctx, session).ConfigureAwait(false), request),
                new RetryState(), ctx, async lost =>
                {
                    lostOne = true;
                    ctx.Verbose($"The answer to creating an upload session for {path} was lost ({lost.ErrorType}); looking for the session before trying again.");
                    // A request that timed out may still be on its way: give it a moment to land before looking.
                    TimeSpan settle = _options.Retry.NextDelay(++losses, TimeSpan.Zero, lost.RetryAfter) ?? _options.Retry.BaseDelay;
                    await Task.Delay(settle, ctx.CancellationToken).ConfigureAwait(false);
                    List<UploadSession> made = await FindLostCreatesAsync(path, size, since, null, ctx).ConfigureAwait(false);
                    UploadSession newest = made.OrderByDescending(s => s.CreatedDate ?? DateTime.MinValue).FirstOrDefault();
                    if (newest != null) ctx.Verbose($"The session was created after all: {newest.Id}.");
                    return (newest != null, newest);
                }).ConfigureAwait(false);
            if (lostOne && onLateDuplicate != null)
            {
                foreach (UploadSession twin in await FindLostCreatesAsync(path, size, since, created.Id, ctx).ConfigureAwait(false))
                    await onLateDuplicate(twin).ConfigureAwait(false);
            }
            return created;
        }

        /// <summary>How far back a session created by a lost request of ours may date, allowing for clock skew.</summary>
        static readonly TimeSpan LostCreateWindow = TimeSpan.FromMinutes(10);

        UploadSession SessionOf(VaultResponse answer, VaultRequest request)
        {
            if (!(answer.Data is JObject data))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"{request.Description} failed: Vault's answer had no session object.");
            return UploadSession.FromJson(data);
        }

        /// <summary>This user's sessions for the path and size with nothing uploaded, created since <paramref name="since"/>: what a lost create can have made.</summary>
        async Task<List<UploadSession>> FindLostCreatesAsync(string path, long size, DateTime since, string except, VaultCallContext ctx)
        {
            if (UserId == null) return new List<UploadSession>();
            bool isAdmin = await IsAdminAsync(ctx).ConfigureAwait(false);
            return (await ListUploadSessionsAsync(ctx).ConfigureAwait(false))
                .Where(s => s.Id != except && s.Owner == UserId && s.Size == size && s.Uploaded == 0
                            && (s.CreatedDate ?? DateTime.MaxValue) >= since && StagingPath.AreSame(s.Path, path, UserId, isAdmin))
                .ToList();
        }

        /// <summary>The parts uploaded so far, read whole (pages of 1000, Vault's largest).</summary>
        public async Task<List<UploadSessionPart>> ListUploadSessionPartsAsync(string id, VaultCallContext ctx)
        {
            var parts = new List<UploadSessionPart>();
            var request = new VaultRequest(HttpMethod.Get, UploadRoot + "/" + EscapeId(id) + "/parts?limit=1000", "List the parts of upload session " + id);
            await ReadPagesAsync(request, UploadSessionPart.ReadFrom, p => p.PartNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
                p => { p.UploadSessionId = id; parts.Add(p); return true; }, ctx).ConfigureAwait(false);
            return parts;
        }

        /// <summary>
        /// Commits a session at most once: if the commit's answer is lost, the session's state says whether
        /// Vault took it (the session is gone) or not (it is still there, and the commit is sent again).
        /// </summary>
        public async Task<VaultJob> CommitUploadSessionOnceAsync(string id, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Post, UploadRoot + "/" + EscapeId(id), "Commit upload session " + id) { Idempotent = false };
            VaultResponse answer;
            try
            {
                answer = await SendAsync(request, ctx, async lost =>
                {
                    ctx.Verbose($"The answer to committing upload session {id} was lost ({lost.ErrorType}); checking the session before doing anything else.");
                    if (!await IsActiveAsync(id, ctx).ConfigureAwait(false))
                        throw new VaultException(VaultFailureKind.Client, "COMMIT_UNCONFIRMED",
                            $"Commit upload session {id}: the answer was lost, and the session is no longer active, so Vault most likely took the commit. Its job id is unknown; check that the file is on the staging server.")
                        { Operation = lost.Operation };
                    ctx.Verbose($"Upload session {id} is still active: the commit did not arrive; sending it again.");
                    return (false, (VaultResponse)null);
                }).ConfigureAwait(false);
            }
            catch (VaultException e) when (e.VaultMessage != null && e.VaultMessage.IndexOf(id, StringComparison.Ordinal) >= 0)
            {
                // Vault's own message names the session already: the 78-character id once is enough.
                throw e.Rephrased($"Commit failed: {e.VaultMessage} ({e.ErrorType})", e.Hint);
            }
            long? jobId = VaultJson.AsInt64(answer.Data?["job_id"]);
            if (jobId == null)
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"Commit upload session {id} failed: Vault's answer had no job_id.");
            return Started(new VaultJob { JobId = jobId.Value, UploadSessionId = id, Operation = "Commit upload session " + id });
        }

        /// <summary>Whether the session is still active: Vault answers INVALID_DATA for one committed, aborted or expired.</summary>
        public Task<bool> IsUploadSessionActiveAsync(string id, VaultCallContext ctx) => IsActiveAsync(id, ctx);

        async Task<bool> IsActiveAsync(string id, VaultCallContext ctx)
        {
            try
            {
                await GetUploadSessionAsync(id, ctx).ConfigureAwait(false);
                return true;
            }
            catch (VaultException gone) when (gone.ErrorType == "INVALID_DATA")
            {
                return false;
            }
        }

        /// <summary>
        /// An upload session id as one URL path segment. Ids are opaque and may contain '.', so "." and ".."
        /// (which a URL would collapse into another path) and empty ids are refused before any call.
        /// </summary>
        internal static string EscapeId(string id)
        {
            if (string.IsNullOrWhiteSpace(id))
                throw new VaultInputException("Id", "The upload session id is empty. Get the ids with Get-VaultUploadSession.");
            string trimmed = id.Trim();
            if (trimmed == "." || trimmed == "..")
                throw new VaultInputException("Id", $"'{id}' is not an upload session id. Get the ids with Get-VaultUploadSession.");
            return Uri.EscapeDataString(trimmed);
        }
    }
}
