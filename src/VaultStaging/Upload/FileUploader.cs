using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Upload
{
    /// <summary>One local file to stage, checked before any call.</summary>
    public sealed class FileUploadRequest
    {
        public FileUploadRequest(string localPath, long size, string destination)
        {
            LocalPath = localPath;
            Size = size;
            Destination = destination;
        }

        public string LocalPath { get; }
        public long Size { get; }
        /// <summary>The staging path of the file (already validated).</summary>
        public string Destination { get; }
        public bool Overwrite { get; set; }
        public long? PartSize { get; set; }
        public bool WaitForJob { get; set; }
    }

    /// <summary>Where one file's upload stands, for Write-Progress.</summary>
    public sealed class UploadProgress
    {
        public string LocalPath { get; set; }
        public string Destination { get; set; }
        public long Size { get; set; }
        /// <summary>Bytes on the vault: parts already there plus parts sent.</summary>
        public long BytesDone { get; set; }
        /// <summary>Bytes sent in this run (for the rate).</summary>
        public long BytesSent { get; set; }
        public string Stage { get; set; }
        public bool Finished { get; set; }
    }

    /// <summary>What became of one file (Send-VaultFile -PassThru).</summary>
    public sealed class UploadResult
    {
        public string LocalPath { get; set; }
        public string Destination { get; set; }
        public long Size { get; set; }
        public string UploadSessionId { get; set; }
        public long? JobId { get; set; }
        /// <summary>Committed (job started); CommittedJobUnknown (the commit answer was lost, but the session is gone, so Vault took it); or with -Wait the job's final status (SUCCESS, ERRORS_ENCOUNTERED, ...).</summary>
        public string Status { get; set; }
        public bool Resumed { get; set; }
        public int PartCount { get; set; }
        public int PartsSent { get; set; }
        public int PartsAlreadyThere { get; set; }
        public long BytesSent { get; set; }
        public TimeSpan Duration { get; set; }

        /// <summary>Bytes sent per second in this run.</summary>
        public double BytesPerSecond => Duration.TotalSeconds > 0 ? Math.Round(BytesSent / Duration.TotalSeconds) : 0;

        public override string ToString() => $"{LocalPath} -> {Destination}: {Status}";
    }

    /// <summary>
    /// Uploads one file through a resumable upload session: resume or create, send the missing parts in
    /// order while the next part is read and hashed, check every part's MD5 against Vault's, commit once.
    /// Plain C# over <see cref="VaultClient"/>: the cmdlet only feeds it and shows its progress.
    /// </summary>
    public sealed class FileUploader
    {
        /// <summary>Sends of one part whose MD5 Vault reports differently before giving up.</summary>
        public const int MaxSendsPerPart = 3;

        readonly VaultClient _client;

        public FileUploader(VaultClient client)
        {
            _client = client;
        }

        /// <summary>
        /// Uploads <paramref name="request"/>. On failure or Ctrl+C after the session exists, the thrown
        /// exception is an <see cref="UploadInterruptedException"/> that names the session so it can be
        /// resumed (run the same command again) or aborted.
        /// </summary>
        public async Task<UploadResult> UploadAsync(FileUploadRequest request, Action<UploadProgress> onProgress, VaultCallContext ctx)
        {
            var watch = Stopwatch.StartNew();
            var progress = new UploadProgress { LocalPath = request.LocalPath, Destination = request.Destination, Size = request.Size, Stage = "Checking for an upload to resume" };
            onProgress?.Invoke(progress);
            string apiVersion = _client.Options.ApiVersion;
            PartPlan plan = PartPlanner.Plan(request.Size, apiVersion, request.PartSize, Path.GetFileName(request.LocalPath));
            var result = new UploadResult { LocalPath = request.LocalPath, Destination = request.Destination, Size = request.Size };

            UploadSession session = null;
            try
            {
                ResumeDecision decision;
                (session, plan, decision) = await FindResumableAsync(request, plan, ctx).ConfigureAwait(false);
                if (session == null)
                {
                    session = await _client.CreateUploadSessionOnceAsync(request.Destination, request.Size, request.Overwrite, ctx).ConfigureAwait(false);
                    decision = ResumePlanner.ForNewSession(plan);
                    ctx.Verbose($"Created upload session {session.Id} for {request.Destination}: {plan}. If the upload stops, run the same command again to resume it.");
                }
                else
                {
                    result.Resumed = true;
                    ctx.Verbose($"Resuming upload session {session.Id} for {request.Destination}: {decision.Reason}");
                }
                result.UploadSessionId = session.Id;
                result.PartCount = plan.PartCount;
                result.PartsAlreadyThere = decision.PartsAlreadyThere.Count;
                progress.BytesDone = decision.BytesAlreadyThere;
                progress.Stage = "Uploading";
                onProgress?.Invoke(progress);

                await SendPartsAsync(request, plan, session.Id, decision.PartsToSend, result, progress, onProgress, ctx).ConfigureAwait(false);

                progress.Stage = "Committing";
                onProgress?.Invoke(progress);
                VaultJob job;
                try
                {
                    job = await _client.CommitUploadSessionOnceAsync(session.Id, ctx).ConfigureAwait(false);
                }
                catch (VaultException e) when (e.ErrorType == "COMMIT_UNCONFIRMED")
                {
                    // Every part was confirmed and the session is gone after our commit: Vault took it. Only
                    // the job id was lost with the answer, so there is no job to wait for.
                    ctx.Verbose(e.Message);
                    result.Status = "CommittedJobUnknown";
                    return result;
                }
                result.JobId = job.JobId;
                result.Status = "Committed";
                session = null; // committed: nothing left to resume
                if (request.WaitForJob)
                {
                    progress.Stage = $"Waiting for job {job.JobId}";
                    onProgress?.Invoke(progress);
                    job = await _client.WaitForJobAsync(job, _client.Options.JobStatusInterval, j => ctx.Verbose($"Job {j.JobId} of {request.Destination}: {j.Status}."), ctx).ConfigureAwait(false);
                    result.Status = job.Status;
                    if (!job.Succeeded)
                        throw new VaultException(VaultFailureKind.Vault, "JOB_" + job.Status,
                            $"The commit job {job.JobId} of {request.Destination} ended with {job.Status}; the file was not staged.",
                            "Check the job in Vault and the staging path, then upload the file again.");
                }
            }
            catch (Exception e) when (session != null && (e is VaultException || e is OperationCanceledException || e is IOException))
            {
                throw new UploadInterruptedException(request, session, result, e);
            }
            finally
            {
                result.Duration = watch.Elapsed;
                progress.Finished = true;
                onProgress?.Invoke(progress);
            }
            return result;
        }

        /// <summary>
        /// Looks for one of the caller's own active sessions for the same destination and size, and decides
        /// whether it can be continued. A session whose parts were cut with another part size is continued
        /// with that size; one that cannot be continued is aborted (it is the caller's, for this same file).
        /// </summary>
        async Task<(UploadSession, PartPlan, ResumeDecision)> FindResumableAsync(FileUploadRequest request, PartPlan plan, VaultCallContext ctx)
        {
            UploadSession existing = await Task.Run(() => _client.FindUploadSession(request.Destination, request.Size, ctx), ctx.CancellationToken).ConfigureAwait(false);
            if (existing == null) return (null, plan, null);

            List<RemotePart> remote = await Task.Run(() => _client.ListUploadSessionParts(existing.Id, ctx)
                .Select(p => new RemotePart(p.PartNumber, p.Size, p.Md5)).ToList(), ctx.CancellationToken).ConfigureAwait(false);

            // Keep the part size the earlier run chose, so its parts can be kept.
            RemotePart first = remote.FirstOrDefault(p => p.PartNumber == 1);
            if (first != null && first.Size != plan.PartSize && first.Size < request.Size && request.PartSize == null)
            {
                try
                {
                    plan = PartPlanner.Plan(request.Size, plan.ApiVersion, first.Size, Path.GetFileName(request.LocalPath));
                }
                catch (VaultInputException)
                {
                    // Not a size we may use: the decision below refuses the session.
                }
            }
            ResumeDecision decision = await ResumePlanner.DecideAsync(plan, existing.Size, remote, request.LocalPath, 1, ctx.CancellationToken).ConfigureAwait(false);
            if (decision.CanResume) return (existing, plan, decision);

            ctx.Verbose($"Upload session {existing.Id} for {request.Destination}: {decision.Reason} Aborting the old session.");
            await _client.AbortUploadSessionAsync(existing.Id, ctx).ConfigureAwait(false);
            return (null, plan, null);
        }

        /// <summary>
        /// Sends the parts in ascending order. The reader reads and hashes the next part while this one is
        /// on the wire; Vault's MD5 of each part must equal ours, else the part is sent again.
        /// </summary>
        async Task SendPartsAsync(FileUploadRequest request, PartPlan plan, string sessionId, IReadOnlyList<int> partsToSend,
            UploadResult result, UploadProgress progress, Action<UploadProgress> onProgress, VaultCallContext ctx)
        {
            if (partsToSend.Count == 0) return;
            using (var reader = new PartReader(request.LocalPath, plan, readAhead: 1, partNumbers: partsToSend))
            {
                FilePart part;
                while ((part = await reader.NextAsync(ctx.CancellationToken).ConfigureAwait(false)) != null)
                {
                    using (part)
                    {
                        await SendPartAsync(sessionId, part, request.Destination, ctx).ConfigureAwait(false);
                        result.PartsSent++;
                        result.BytesSent += part.Length;
                        progress.BytesDone += part.Length;
                        progress.BytesSent += part.Length;
                        onProgress?.Invoke(progress);
                    }
                }
            }
        }

        async Task SendPartAsync(string sessionId, FilePart part, string destination, VaultCallContext ctx)
        {
            for (int send = 1; ; send++)
            {
                UploadSessionPart answer = await _client.UploadPartAsync(sessionId, part.PartNumber, part.Length,
                    () => new ByteArrayContent(part.Buffer, 0, part.Length), ctx).ConfigureAwait(false);
                if (answer.Size == part.Length && Md5Hex.AreEqual(answer.Md5, part.Md5Hex)) return;

                string what = answer.Size != part.Length
                    ? $"Vault stored {answer.Size} bytes of the {part.Length} sent"
                    : $"Vault's MD5 {answer.Md5} differs from the local {part.Md5Hex}";
                if (send >= MaxSendsPerPart)
                    throw new VaultException(VaultFailureKind.Client, "PART_MD5_MISMATCH",
                        $"Part {part.PartNumber} of {destination} arrived damaged {send} times ({what}).",
                        "Something between here and Vault alters the data (a proxy or a failing network card); the upload session is kept, so fix that and run the same command again.");
                ctx.Verbose($"Part {part.PartNumber} of {destination} arrived damaged ({what}); sending it again.");
            }
        }
    }

    /// <summary>An upload that stopped after its session was created: the session stays and can be resumed.</summary>
    public sealed class UploadInterruptedException : Exception
    {
        public UploadInterruptedException(FileUploadRequest request, UploadSession session, UploadResult result, Exception cause)
            : base(Describe(request, session, result, cause), cause)
        {
            Request = request;
            Session = session;
            Result = result;
        }

        public FileUploadRequest Request { get; }
        public UploadSession Session { get; }
        public UploadResult Result { get; }

        public bool WasCancelled => InnerException is OperationCanceledException;

        static string Describe(FileUploadRequest request, UploadSession session, UploadResult result, Exception cause)
        {
            string why = cause is OperationCanceledException ? "was stopped" : "failed: " + cause.Message;
            string expires = session.ExpirationDate.HasValue ? $" until {session.ExpirationDate.Value:yyyy-MM-dd HH:mm} (local time)" : "";
            return $"The upload of {request.LocalPath} to {request.Destination} {why} " +
                   $"Upload session {session.Id} stays active{expires} with the parts sent so far. " +
                   $"Run the same Send-VaultFile command again to resume it, or abort it with Remove-VaultUploadSession -Id '{session.Id}'.";
        }
    }
}
