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
    internal sealed class FileUploader
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
                throw Taken(request, there, e);
            }
            finally
            {
                result.Duration = watch.Elapsed;
                progress?.Finish();
            }
        }

        /// <summary>
        /// The refusal of a file whose destination is taken (without -Overwrite), the same for both methods: what
        /// is there, that it was kept, and what to do. A file of the local file's size is most likely this file,
        /// sent by an earlier run (one killed after its commit, say): the message says so.
        /// </summary>
        static VaultException Taken(FileUploadRequest request, StagingItem there, VaultException vaultSaid = null)
        {
            string message, hint;
            if (there != null && there.IsFolder)
            {
                message = $"{request.Destination} is a folder on the staging server; {request.LocalPath} was not sent.";
                hint = $"To upload into that folder, end -Destination with '/' ({request.Destination}/).";
            }
            else
            {
                string same = there?.Size == request.Size
                    ? $" It has the local file's size ({request.Size:N0} bytes): an earlier run may have sent it already."
                    : "";
                message = $"A file is already at {request.Destination}; it was kept, and {request.LocalPath} was not sent.{same}";
                hint = "Add -Overwrite to replace it.";
            }
            return vaultSaid != null ? vaultSaid.Rephrased(message, hint) : new VaultException(VaultFailureKind.Client, "ITEM_NAME_EXISTS", message, hint);
        }

        /// <summary>
        /// Without -Overwrite, a destination that is taken is refused before any session exists: Vault would take
        /// every part and the commit, and only its commit job would fail (the old file stays). The small-file
        /// path gets the same refusal from Vault at once.
        /// </summary>
        async Task RefuseIfTakenAsync(FileUploadRequest request, VaultCallContext ctx)
        {
            StagingItem there = await _client.GetItemAsync(request.Destination, ctx).ConfigureAwait(false);
            if (there != null) throw Taken(request, there);
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
            PartPlan plan = request.PlanParts(_client.Options.ApiVersion);
            // Everything local first: a file that cannot be read or hashed must fail before a session exists.
            using (OpenLocal(request)) { }
            Md5Hex.EnsureAvailable();

            UploadSession session = null;
            bool committing = false;
            try
            {
                if (!request.Overwrite) await RefuseIfTakenAsync(request, ctx).ConfigureAwait(false);
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
                    // job id was lost with the answer; the staging server's listing says the rest.
                    UploadSession committed = session;
                    session = null; // gone: nothing to resume, whatever happens next
                    await SettleLostCommitAsync(request, committed, result, progress, ctx).ConfigureAwait(false);
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
                // Resume instructions only for a session that is still there: a failed call may have met one that
                // was committed (a commit sent twice by something between us and Vault), aborted or expired.
                if (!(e is VaultException) || await IsActiveOrUnknownAsync(session, ctx).ConfigureAwait(false))
                    throw new UploadInterruptedException(request, session, result, e, duringCommit: committing);
                if (committing && await ListsOurFileAsync(request, session, ctx).ConfigureAwait(false))
                {
                    ctx.Verbose($"The commit of upload session {session.Id} failed ({e.Message}), but the session is gone and the staging server lists {request.Destination} with its {request.Size:N0} bytes: Vault took the commit.");
                    result.Status = UploadStatus.Staged;
                    return result;
                }
                throw new UploadInterruptedException(request, session, result, e, duringCommit: committing, sessionGone: true);
            }
            finally
            {
                result.Duration = watch.Elapsed;
                progress?.Finish();
            }
            return result;
        }

        /// <summary>How long -Wait looks for a file whose commit answer was lost (no job id to wait for) before it gives up.</summary>
        public static readonly TimeSpan LostCommitWait = TimeSpan.FromMinutes(5);

        /// <summary>
        /// A commit whose answer was lost and whose session is gone: Vault took it, so it is never sent again and
        /// no resume is offered. The file listed with its size (and, with -Overwrite, changed since the session was
        /// created) is the evidence that it is staged: Staged. Without it: CommittedJobUnknown, since the job may
        /// still be running; with -Wait the listing is read again, at the job status pace, until the file shows or
        /// <see cref="LostCommitWait"/> has passed (then an error: nothing says it was staged).
        /// </summary>
        async Task SettleLostCommitAsync(FileUploadRequest request, UploadSession committed, UploadResult result, TransferProgress progress, VaultCallContext ctx)
        {
            string lost = $"The answer to the commit of upload session {committed.Id} was lost, and the session is no longer active, so Vault took the commit";
            progress?.SetStage("Checking the staged file");
            var watch = Stopwatch.StartNew();
            while (true)
            {
                if (await ListsOurFileAsync(request, committed, ctx).ConfigureAwait(false))
                {
                    ctx.Verbose($"{lost}; the staging server lists {request.Destination} with its {request.Size:N0} bytes.");
                    result.Status = UploadStatus.Staged;
                    return;
                }
                if (!request.WaitForJob)
                {
                    ctx.Verbose($"{lost}; its job id is unknown, and the file is not listed yet (the job may still be running). Check it later with Get-VaultStagingItem -Path '{request.Destination.Replace("'", "''")}'.");
                    result.Status = UploadStatus.CommittedJobUnknown;
                    return;
                }
                if (watch.Elapsed >= LostCommitWait)
                    throw new VaultException(VaultFailureKind.Client, "NOT_STAGED",
                        $"{lost}, but after {LostCommitWait.TotalMinutes:0} minutes the staging server still does not list {request.Destination} with its {request.Size:N0} bytes, and with the answer the job id to wait for was lost.",
                        $"The commit job may still be running: check later with Get-VaultStagingItem -Path '{request.Destination.Replace("'", "''")}'. If the file never appears, send it again.");
                await Task.Delay(_client.Options.JobStatusInterval, ctx.CancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Whether the staging server lists the file this upload makes: its destination with its size and, when
        /// it may have replaced a file (-Overwrite), changed since the session was created (Vault's clock on both).
        /// </summary>
        async Task<bool> ListsOurFileAsync(FileUploadRequest request, UploadSession session, VaultCallContext ctx)
        {
            StagingItem there;
            try
            {
                there = await _client.GetItemAsync(request.Destination, ctx).ConfigureAwait(false);
            }
            catch (VaultException)
            {
                return false;
            }
            if (there == null || there.IsFolder || there.Size != request.Size) return false;
            if (!request.Overwrite) return true; // a taken destination was refused before the session was made
            return there.ModifiedDate.HasValue && session.CreatedDate.HasValue && there.ModifiedDate.Value >= session.CreatedDate.Value.AddSeconds(-1);
        }

        /// <summary>Whether the session is still active; true when that cannot be told (the message then keeps the resume instructions).</summary>
        async Task<bool> IsActiveOrUnknownAsync(UploadSession session, VaultCallContext ctx)
        {
            try
            {
                return await _client.IsUploadSessionActiveAsync(session.Id, ctx).ConfigureAwait(false);
            }
            catch (Exception e) when (e is VaultException || e is OperationCanceledException)
            {
                return true;
            }
        }

        /// <summary>-Wait: the job must end in SUCCESS and the staging server must list the file with its size (one call, no download).</summary>
        async Task WaitAndCheckAsync(FileUploadRequest request, VaultJob job, UploadResult result, TransferProgress progress, VaultCallContext ctx)
        {
            progress?.SetStage($"Waiting for job {job.JobId}");
            job.Path = request.Destination;
            job = await _client.WaitForJobAsync(job, null, ctx).ConfigureAwait(false);
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
}
