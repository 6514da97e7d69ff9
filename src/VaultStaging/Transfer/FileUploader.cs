using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// Uploads one file through a resumable upload session: continue a session that already holds this
    /// file's parts or create one, send the missing parts in order while the next part is read and hashed,
    /// check every part's MD5 against Vault's, commit once, and with -Wait wait for the job and check that
    /// the file is listed with its size. Small files go up in one call instead (<see cref="UploadDirectAsync"/>).
    /// Plain C# over <see cref="VaultClient"/>.
    /// </summary>
    public sealed class FileUploader
    {
        /// <summary>Sends of one part (or of a small file) whose MD5 Vault reports differently before giving up.</summary>
        public const int MaxSendsPerPart = 3;

        readonly VaultClient _client;
        readonly ITransferHost _host;
        readonly SessionChooser _chooser;

        /// <param name="client">The connection's client.</param>
        /// <param name="host">Asked before an upload session found on the vault is aborted (null: allowed).</param>
        /// <param name="sessions">The active upload sessions as listed once for the whole command (null: none needed).</param>
        public FileUploader(VaultClient client, ITransferHost host, IReadOnlyList<UploadSession> sessions)
        {
            _client = client;
            _host = host ?? AllowAllHost.Instance;
            _chooser = new SessionChooser(client, _host, sessions ?? Array.Empty<UploadSession>());
        }

        /// <summary>
        /// Called once the commit was accepted, before waiting for its job (-Wait): the upload's sending is
        /// over, so a batch lets the next file start (<see cref="UploadBatch"/>).
        /// </summary>
        public Action BeforeWaiting { get; set; }

        /// <summary>Uploads <paramref name="request"/> by the method its size calls for.</summary>
        public Task<UploadResult> UploadAsync(FileUploadRequest request, TransferProgress progress, VaultCallContext ctx) =>
            request.EffectiveMethod == UploadMethod.Direct
                ? UploadDirectAsync(request, progress, ctx)
                : UploadThroughSessionAsync(request, progress, ctx);

        /// <summary>One POST .../items, streamed from disk and checked by MD5 (<see cref="DirectUpload"/>).</summary>
        public async Task<UploadResult> UploadDirectAsync(FileUploadRequest request, TransferProgress progress, VaultCallContext ctx)
        {
            var watch = Stopwatch.StartNew();
            var result = new UploadResult { LocalPath = request.LocalPath, Destination = request.Destination, Size = request.Size, Method = UploadMethod.Direct };
            progress?.SetStage("Uploading");
            try
            {
                (StagingItem item, int sends) = await DirectUpload.SendAsync(_client, request.Destination, request.Size, () => OpenLocal(request),
                    request.Overwrite, progress, ctx).ConfigureAwait(false);
                result.BytesSent = sends * request.Size;
                result.Md5 = item.Md5;
                result.Status = UploadStatus.Staged;
                return result;
            }
            catch (VaultException e) when (e.ErrorType == "ITEM_NAME_EXISTS" && !request.Overwrite)
            {
                // Vault only says the name is taken: say by what, and what to do.
                StagingItem there = await _client.GetItemAsync(request.Destination, ctx).ConfigureAwait(false);
                throw there != null && there.IsFolder
                    ? e.Rephrased($"{request.Destination} is a folder on the staging server; {request.LocalPath} was not sent.",
                        $"To upload into that folder, end -Destination with '/' ({request.Destination}/).")
                    : e.Rephrased($"A file is already at {request.Destination}; it was kept, and {request.LocalPath} was not sent.",
                        "Add -Overwrite to replace it.");
            }
            finally
            {
                result.Duration = watch.Elapsed;
                progress?.Finish();
            }
        }

        static Stream OpenLocal(FileUploadRequest request)
        {
            var file = new FileStream(request.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan);
            if (file.Length != request.Size)
            {
                long now = file.Length;
                file.Dispose();
                throw PartReader.FileChanged(request.LocalPath, request.Size, now);
            }
            return file;
        }

        /// <summary>
        /// The session path. On failure or Ctrl+C after the session exists, the exception is an
        /// <see cref="UploadInterruptedException"/> that names the session so it can be resumed or aborted.
        /// </summary>
        public async Task<UploadResult> UploadThroughSessionAsync(FileUploadRequest request, TransferProgress progress, VaultCallContext ctx)
        {
            var watch = Stopwatch.StartNew();
            var result = new UploadResult { LocalPath = request.LocalPath, Destination = request.Destination, Size = request.Size, Method = UploadMethod.UploadSession };
            progress?.SetStage("Checking for an upload to resume");
            PartPlan plan = PartPlanner.Plan(request.Size, _client.Options.ApiVersion, request.PartSize, Path.GetFileName(request.LocalPath));
            // Everything local first: a file that cannot be read or hashed must fail before a session exists.
            using (OpenLocal(request)) { }
            Md5Hex.EnsureAvailable();

            UploadSession session = null;
            bool committing = false;
            try
            {
                SessionChoice choice = await _chooser.ChooseAsync(request, plan, ctx).ConfigureAwait(false);
                plan = choice.Plan;
                ResumeDecision decision = choice.Decision;
                if (choice.Session != null)
                {
                    session = choice.Session;
                    result.Resumed = true;
                    ctx.Verbose($"Resuming upload session {session.Id} for {request.Destination}: {decision.Reason}");
                }
                else
                {
                    session = await _client.CreateUploadSessionOnceAsync(request.Destination, request.Size, request.Overwrite, ctx,
                        twin => _chooser.AbortAsync(twin, request, $"a create whose answer was lost arrived late and made it; this upload uses {twin.Path} in another session", ctx)).ConfigureAwait(false);
                    decision = ResumePlanner.ForNewSession(plan);
                    ctx.Verbose($"Created upload session {session.Id} for {request.Destination}: {plan}. If the upload stops, run the same command again to resume it.");
                }
                result.UploadSessionId = session.Id;
                result.PartCount = plan.PartCount;
                result.PartsAlreadyThere = decision.PartsAlreadyThere.Count;
                progress?.AlreadyThere(decision.BytesAlreadyThere);
                progress?.SetStage("Uploading");

                await SendPartsAsync(request, plan, session.Id, decision.PartsToSend, result, progress, ctx).ConfigureAwait(false);

                progress?.SetStage("Committing");
                VaultJob job;
                try
                {
                    committing = true;
                    job = await _client.CommitUploadSessionOnceAsync(session.Id, ctx).ConfigureAwait(false);
                    committing = false;
                }
                catch (VaultException e) when (e.ErrorType == "COMMIT_UNCONFIRMED")
                {
                    // Every part was confirmed and the session is gone after our commit: Vault took it. Only the
                    // job id was lost with the answer, so there is no job to wait for.
                    if (request.WaitForJob) ctx.Warning(e.Message + " -Wait cannot wait for a job whose id is unknown.");
                    else ctx.Verbose(e.Message);
                    result.Status = UploadStatus.CommittedJobUnknown;
                    return result;
                }
                session = null; // committed: nothing left to resume
                result.JobId = job.JobId;
                result.Status = UploadStatus.CommitAccepted;
                if (request.WaitForJob)
                {
                    BeforeWaiting?.Invoke();
                    await WaitAndCheckAsync(request, job, result, progress, ctx).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (session != null && (e is VaultException || e is OperationCanceledException || e is IOException || e is UnauthorizedAccessException))
            {
                throw new UploadInterruptedException(request, session, result, e, duringCommit: committing);
            }
            finally
            {
                result.Duration = watch.Elapsed;
                progress?.Finish();
            }
            return result;
        }

        /// <summary>-Wait: the job must end in SUCCESS and the staging server must list the file with its size (one call, no download).</summary>
        async Task WaitAndCheckAsync(FileUploadRequest request, VaultJob job, UploadResult result, TransferProgress progress, VaultCallContext ctx)
        {
            progress?.SetStage($"Waiting for job {job.JobId}");
            job.Path = request.Destination;
            job = await _client.WaitForJobAsync(job, null, j => ctx.Verbose($"Job {j.JobId} of {request.Destination}: {j.Status}."), ctx).ConfigureAwait(false);
            result.JobStatus = job.Status;
            if (!job.Succeeded)
                throw job.Failure(
                    $"The commit job {job.JobId} of {request.Destination} ended with {job.Status}; the file was not staged.",
                    request.Overwrite ? "Check the job in Vault (Admin > Operations > Job Status) and the staging path, then upload the file again."
                        : "If a file is already at that path, Vault keeps it unless the upload says -Overwrite. Check the path, then upload again.");
            progress?.SetStage("Checking the staged file");
            StagingItem staged = await _client.GetItemAsync(request.Destination, ctx).ConfigureAwait(false);
            if (staged == null || staged.IsFolder || staged.Size != request.Size)
                throw new VaultException(VaultFailureKind.Client, "NOT_STAGED",
                    $"The commit job {job.JobId} of {request.Destination} ended with SUCCESS, but the staging server " +
                    (staged == null ? "lists no file at that path." : staged.IsFolder ? "lists a folder at that path." : $"lists it with {staged.Size:N0} bytes, not {request.Size:N0}."),
                    "Check the staging path with Get-VaultStagingItem, then upload the file again.");
            result.Status = UploadStatus.Staged;
        }

        /// <summary>
        /// Sends the parts in ascending order. The reader reads and hashes the next part while this one is
        /// on the wire; Vault's MD5 of each part must equal ours, else the part is sent again.
        /// </summary>
        async Task SendPartsAsync(FileUploadRequest request, PartPlan plan, string sessionId, IReadOnlyList<int> partsToSend,
            UploadResult result, TransferProgress progress, VaultCallContext ctx)
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
                        progress?.Moved(part.Length);
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
        public UploadInterruptedException(FileUploadRequest request, UploadSession session, UploadResult result, Exception cause, bool duringCommit = false)
            : base(Describe(request, session, cause, duringCommit), cause)
        {
            Request = request;
            Session = session;
            Result = result;
        }

        public FileUploadRequest Request { get; }
        public UploadSession Session { get; }
        public UploadResult Result { get; }

        public bool WasCancelled => InnerException is OperationCanceledException;

        /// <summary>The command that resumes this one file: the same destination and overwrite flag.</summary>
        public string ResumeCommand => ResumeCommandFor(Request);

        public string AbortCommand => $"Remove-VaultUploadSession -Id '{Quote(Session.Id)}'";

        internal static string ResumeCommandFor(FileUploadRequest request) =>
            $"Send-VaultFile -LiteralPath '{Quote(request.LocalPath)}' -Destination '{Quote(request.Destination)}'"
            + (request.Method == UploadMethod.UploadSession ? " -UploadMethod UploadSession" : "")
            + (request.PartSize.HasValue ? " -PartSize " + request.PartSize.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")
            + (request.Overwrite ? " -Overwrite" : "");

        static string Quote(string text) => (text ?? "").Replace("'", "''");

        static string Describe(FileUploadRequest request, UploadSession session, Exception cause, bool duringCommit)
        {
            string why = cause is OperationCanceledException ? "was stopped." : "failed: " + cause.Message.TrimEnd('.') + ".";
            if (duringCommit && cause is OperationCanceledException)
                return $"The upload of {request.LocalPath} to {request.Destination} was stopped while its commit was on the way: every part was sent and checked, " +
                       $"and Vault may have taken the commit of upload session {session.Id}. Check with Get-VaultUploadSession -Id '{Quote(session.Id)}': " +
                       $"if it is gone, the file was committed; if it is still active, run {ResumeCommandFor(request)} to commit it, or abort it with Remove-VaultUploadSession -Id '{Quote(session.Id)}'.";
            string expires = session.ExpirationDate.HasValue ? $" until {session.ExpirationDate.Value:yyyy-MM-dd HH:mm} (local time)" : "";
            return $"The upload of {request.LocalPath} to {request.Destination} {why} " +
                   $"Upload session {session.Id} stays active{expires} with the parts sent so far. " +
                   $"To resume it, run: {ResumeCommandFor(request)} (or the same command again). " +
                   $"To abort it, run: Remove-VaultUploadSession -Id '{Quote(session.Id)}'.";
        }
    }
}
