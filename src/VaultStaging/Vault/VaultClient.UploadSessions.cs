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

        /// <summary>The active upload sessions (admins: the whole vault; others: their own), streamed as read.</summary>
        public IEnumerable<UploadSession> ListUploadSessions(VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Get, UploadRoot, "List upload sessions");
            return ReadPages(request, UploadSession.ReadFrom, s => s.Id, ctx);
        }

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
        /// Creates an upload session. Not safe to send twice (a second session would take another of the
        /// vault's 50), so after an answer that never came the caller looks for the session by path first.
        /// </summary>
        public async Task<UploadSession> CreateUploadSessionAsync(string path, long size, bool overwrite, VaultCallContext ctx)
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
            VaultResponse answer = await SendAsync(request, ctx).ConfigureAwait(false);
            if (!(answer.Data is JObject data))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"Create an upload session for {path} failed: Vault's answer had no session object.");
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

        /// <summary>The parts uploaded so far, page by page (limit 1000, Vault's largest).</summary>
        public IEnumerable<UploadSessionPart> ListUploadSessionParts(string id, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Get, UploadRoot + "/" + EscapeId(id) + "/parts?limit=1000", "List the parts of upload session " + id);
            foreach (UploadSessionPart part in ReadPages(request, UploadSessionPart.ReadFrom, p => p.PartNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), ctx))
            {
                part.UploadSessionId = id;
                yield return part;
            }
        }

        /// <summary>
        /// Commits: Vault starts a job that assembles the parts into the file. Never sent twice blindly: whether
        /// commit is idempotent is not documented, so after a lost answer the caller checks the session instead.
        /// </summary>
        public async Task<VaultJob> CommitUploadSessionAsync(string id, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Post, UploadRoot + "/" + EscapeId(id), "Commit upload session " + id) { Idempotent = false };
            VaultResponse answer = await SendAsync(request, ctx).ConfigureAwait(false);
            long? jobId = ParseLong(answer.Data?["job_id"]);
            if (jobId == null)
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"Commit upload session {id} failed: Vault's answer had no job_id.");
            return new VaultJob { JobId = jobId.Value, UploadSessionId = id };
        }

        /// <summary>
        /// Aborts a session; Vault purges its parts. When the answer is lost, the session's state says whether
        /// the abort arrived (the session is gone: done) or not (it is sent again), so a retry never turns a
        /// success into an INVALID_DATA error.
        /// </summary>
        public Task AbortUploadSessionAsync(string id, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Delete, UploadRoot + "/" + EscapeId(id), "Abort upload session " + id) { Idempotent = false };
            return SendAtMostOnceAsync<object>(
                async () => { await SendAsync(request, ctx).ConfigureAwait(false); return null; },
                async lost =>
                {
                    ctx.Verbose($"The answer to aborting upload session {id} was lost ({lost.ErrorType}); checking the session.");
                    return (Settled: !await IsActiveAsync(id, ctx).ConfigureAwait(false), Value: null);
                });
        }

        /// <summary>Reads a job's status into <paramref name="job"/>. Vault allows one read per 10 seconds per job.</summary>
        public async Task<VaultJob> GetJobAsync(VaultJob job, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Get, ApiRoot + "services/jobs/" + job.JobId.ToString(System.Globalization.CultureInfo.InvariantCulture), "Read the status of job " + job.JobId);
            VaultResponse answer = await SendAsync(request, ctx).ConfigureAwait(false);
            if (answer.Data is JObject data) job.Update(data);
            return job;
        }

        /// <summary>
        /// Creates a session without ever making two: when the create's answer is lost, the session may exist
        /// anyway, so look for it by path and size before trying again.
        /// </summary>
        public Task<UploadSession> CreateUploadSessionOnceAsync(string path, long size, bool overwrite, VaultCallContext ctx)
        {
            bool lostOne = false;
            int losses = 0;
            return SendAtMostOnceAsync(
                async () =>
                {
                    UploadSession created = await CreateUploadSessionAsync(path, size, overwrite, ctx).ConfigureAwait(false);
                    if (lostOne) await AbortLateDuplicatesAsync(created, ctx).ConfigureAwait(false);
                    return created;
                },
                async lost =>
                {
                    lostOne = true;
                    ctx.Verbose($"The answer to creating an upload session for {path} was lost ({lost.ErrorType}); looking for the session before trying again.");
                    // A request that timed out may still be on its way: give it a moment to land before looking.
                    TimeSpan settle = _options.Retry.NextDelay(++losses, TimeSpan.Zero, lost.RetryAfter) ?? _options.Retry.BaseDelay;
                    await Task.Delay(settle, ctx.CancellationToken).ConfigureAwait(false);
                    UploadSession made = await Task.Run(() => FindUploadSession(path, size, ctx), ctx.CancellationToken).ConfigureAwait(false);
                    if (made != null) ctx.Verbose($"The session was created after all: {made.Id}.");
                    return (Settled: made != null, Value: made);
                });
        }

        /// <summary>
        /// After a lost create was followed by a new one, a late arrival of the lost request may have made a
        /// second session for the same file. It was never handed to anyone: abort it so it does not take one
        /// of the vault's 50 places for 72 hours.
        /// </summary>
        async Task AbortLateDuplicatesAsync(UploadSession kept, VaultCallContext ctx)
        {
            string wanted = NormalizeStagingPath(kept.Path);
            List<UploadSession> twins = await Task.Run(() => ListUploadSessions(ctx)
                .Where(s => s.Id != kept.Id && s.Size == kept.Size && (!UserId.HasValue || s.Owner == UserId)
                            && NormalizeStagingPath(s.Path) == wanted)
                .ToList(), ctx.CancellationToken).ConfigureAwait(false);
            foreach (UploadSession twin in twins)
            {
                ctx.Verbose($"Aborting upload session {twin.Id}: the lost create for {kept.Path} arrived late and made it.");
                await AbortUploadSessionAsync(twin.Id, ctx).ConfigureAwait(false);
            }
        }

        /// <summary>The caller's active session for this staging path and size, if any (the newest when several).</summary>
        public UploadSession FindUploadSession(string path, long size, VaultCallContext ctx)
        {
            string wanted = NormalizeStagingPath(path);
            UploadSession found = null;
            foreach (UploadSession s in ListUploadSessions(ctx))
            {
                if (s.Size != size || !string.Equals(NormalizeStagingPath(s.Path), wanted, StringComparison.Ordinal)) continue;
                if (UserId.HasValue && s.Owner.HasValue && s.Owner != UserId) continue;
                if (found == null || (s.CreatedDate ?? DateTime.MinValue) > (found.CreatedDate ?? DateTime.MinValue)) found = s;
            }
            return found;
        }

        /// <summary>
        /// Commits a session at most once: if the commit's answer is lost, the session's state says whether
        /// Vault took it (the session is gone) or not (it is still there, and the commit is sent again).
        /// </summary>
        public Task<VaultJob> CommitUploadSessionOnceAsync(string id, VaultCallContext ctx) =>
            SendAtMostOnceAsync(
                () => CommitUploadSessionAsync(id, ctx),
                async lost =>
                {
                    ctx.Verbose($"The answer to committing upload session {id} was lost ({lost.ErrorType}); checking the session before doing anything else.");
                    if (!await IsActiveAsync(id, ctx).ConfigureAwait(false))
                        throw new VaultException(VaultFailureKind.Client, "COMMIT_UNCONFIRMED",
                            $"Commit upload session {id}: the answer was lost, and the session is no longer active, so Vault most likely took the commit. Its job id is unknown; check that the file is on the staging server.")
                        { Operation = lost.Operation };
                    ctx.Verbose($"Upload session {id} is still active: the commit did not arrive; sending it again.");
                    return (Settled: false, Value: (VaultJob)null);
                });

        /// <summary>
        /// Sends a call that must not take effect twice. When its answer is lost (it may or may not have been
        /// applied), <paramref name="afterLoss"/> looks at the vault's state and either settles the outcome or
        /// asks for the call to be sent again; as many times as the retry policy allows.
        /// </summary>
        async Task<T> SendAtMostOnceAsync<T>(Func<Task<T>> send, Func<VaultException, Task<(bool Settled, T Value)>> afterLoss)
        {
            for (int attempt = 1; ; attempt++)
            {
                VaultException lost;
                try
                {
                    return await send().ConfigureAwait(false);
                }
                catch (VaultException e) when (e.MayHaveBeenApplied && e.IsTransient && attempt <= _options.Retry.MaximumRetryCount)
                {
                    lost = e;
                }
                (bool settled, T value) = await afterLoss(lost).ConfigureAwait(false);
                if (settled) return value;
            }
        }

        /// <summary>Whether the session is still active: Vault answers INVALID_DATA for one committed, aborted or expired.</summary>
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
        /// Waits until the job is finished, reading its status no more often than Vault allows (once per
        /// <paramref name="interval"/>, at least 10 seconds on a real vault).
        /// </summary>
        public async Task<VaultJob> WaitForJobAsync(VaultJob job, TimeSpan interval, Action<VaultJob> onStatus, VaultCallContext ctx)
        {
            while (true)
            {
                await GetJobAsync(job, ctx).ConfigureAwait(false);
                onStatus?.Invoke(job);
                if (job.IsFinished) return job;
                await Task.Delay(interval, ctx.CancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Staging paths compare with one leading slash and no trailing one.</summary>
        internal static string NormalizeStagingPath(string path)
        {
            if (string.IsNullOrEmpty(path)) return path;
            return "/" + path.Trim().Trim('/');
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
