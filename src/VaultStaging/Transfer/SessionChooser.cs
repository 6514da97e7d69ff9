using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>The session an upload goes on with (null: a new one), the plan its parts follow and what is left to send.</summary>
    internal sealed class SessionChoice
    {
        public UploadSession Session;
        public PartPlan Plan;
        public ResumeDecision Decision;
    }

    /// <summary>
    /// Decides what to do with the upload sessions already on the vault for a file's destination, by one
    /// rule: a session is continued only when it is this user's, for the same destination, size and
    /// overwrite flag, and every part it holds matches the local file by size and MD5 (which is what
    /// running the same command again finds). Any other session of this user for that destination is
    /// another upload: while it has had activity in the last <see cref="ActiveWindow"/> it may be a
    /// concurrent upload (another runbook of the same service account), so it is neither aborted nor written
    /// to, and the file stops with an error naming it, unless -Force; an idle one is aborted (with a warning,
    /// and only if the host confirms) and the file starts afresh. Another user's session is never touched;
    /// without the user id (Vault did not say) no session can be told to be ours, so none is used or aborted.
    /// Paths are compared in one form (<see cref="StagingPath.ForComparison"/>), whichever form Vault lists.
    /// </summary>
    internal sealed class SessionChooser
    {
        public static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(15);

        readonly VaultClient _client;
        readonly ITransferHost _host;
        readonly IReadOnlyList<UploadSession> _sessions;

        public SessionChooser(VaultClient client, ITransferHost host, IReadOnlyList<UploadSession> sessions)
        {
            _client = client;
            _host = host;
            _sessions = sessions;
        }

        public async Task<SessionChoice> ChooseAsync(FileUploadRequest request, PartPlan plan, VaultCallContext ctx)
        {
            var fresh = new SessionChoice { Plan = plan, Decision = null };
            if (_sessions.Count == 0) return fresh;
            if (_client.UserId == null)
            {
                ctx.Verbose($"Vault did not say which user this connection is, so no upload session already on the vault is continued or aborted for {request.Destination}.");
                return fresh;
            }
            bool isAdmin = await _client.IsAdminAsync(ctx).ConfigureAwait(false);
            List<UploadSession> ours = _sessions
                .Where(s => s.Owner == _client.UserId && StagingPath.AreSame(s.Path, request.Destination, _client.UserId, isAdmin))
                .OrderByDescending(s => s.CreatedDate ?? DateTime.MinValue)
                .ToList();

            SessionChoice chosen = null;
            var others = new List<(UploadSession Session, string Reason)>();
            foreach (UploadSession s in ours)
            {
                if (chosen != null)
                {
                    others.Add((s, "a newer session for the same file is being continued"));
                    continue;
                }
                (SessionChoice choice, string reason) = await TryContinueAsync(s, request, plan, ctx).ConfigureAwait(false);
                if (choice != null) chosen = choice;
                else others.Add((s, reason));
            }
            foreach ((UploadSession s, string reason) in others)
            {
                if (IsActive(s) && !request.Force)
                    throw new VaultException(VaultFailureKind.Client, "SESSION_IN_USE",
                        $"The upload of {request.LocalPath} to {request.Destination} did not start: upload session {s.Id} for the same path " +
                        $"({s.Size:N0} bytes, last activity {Describe(s)}) is another upload ({reason}), and it was active in the last {ActiveWindow.TotalMinutes:0} minutes, so it may still be running.",
                        $"If nothing else is uploading that file, abort it with Remove-VaultUploadSession -Id '{s.Id.Replace("'", "''")}', or run Send-VaultFile again with -Force to abort it and start afresh.");
                await AbortAsync(s, request, reason, ctx).ConfigureAwait(false);
            }
            return chosen ?? fresh;
        }

        /// <summary>The choice to continue <paramref name="s"/>, or why it cannot be.</summary>
        async Task<(SessionChoice, string)> TryContinueAsync(UploadSession s, FileUploadRequest request, PartPlan plan, VaultCallContext ctx)
        {
            if (s.Size != request.Size)
                return (null, $"it is for a file of {s.Size:N0} bytes, the local file has {request.Size:N0}");
            bool sameOverwrite = s.Overwrite.HasValue ? s.Overwrite.Value == request.Overwrite : !request.Overwrite;
            if (!sameOverwrite)
                return (null, s.Overwrite.HasValue
                    ? $"it was created {(s.Overwrite.Value ? "with" : "without")} -Overwrite and this upload is {(request.Overwrite ? "with" : "without")} it"
                    : "Vault does not say whether it overwrites an existing file, and this upload is with -Overwrite");

            List<UploadSessionPart> parts = await _client.ListUploadSessionPartsAsync(s.Id, ctx).ConfigureAwait(false);
            List<RemotePart> remote = parts.Select(p => new RemotePart(p.PartNumber, p.Size, p.Md5)).ToList();
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
            ResumeDecision decision = await ResumePlanner.DecideAsync(plan, s.Size, remote, request.LocalPath, 1, ctx.CancellationToken).ConfigureAwait(false);
            if (!decision.CanResume) return (null, decision.Reason.TrimEnd('.'));
            if (decision.PartsToReplace.Count > 0)
                return (null, $"its parts {ResumeDecision.Ranges(decision.PartsToReplace)} differ from the local file by MD5");
            return (new SessionChoice { Session = s, Plan = plan, Decision = decision }, null);
        }

        static bool IsActive(UploadSession s)
        {
            DateTime? last = s.LastUploadedDate ?? s.CreatedDate;
            // No date at all: it cannot be shown idle, so it is treated as active.
            return last == null || DateTime.Now - last.Value < ActiveWindow;
        }

        static string Describe(UploadSession s)
        {
            DateTime? last = s.LastUploadedDate ?? s.CreatedDate;
            return last.HasValue ? last.Value.ToString("yyyy-MM-dd HH:mm") + " local time" : "unknown";
        }

        /// <summary>Aborts a session of this user's for the file's destination, if the host confirms, always with a warning.</summary>
        public async Task AbortAsync(UploadSession s, FileUploadRequest request, string reason, VaultCallContext ctx)
        {
            string target = $"upload session {s.Id} ({s.Path}, {s.Size:N0} bytes, last activity {Describe(s)})";
            if (!await _host.ConfirmAsync(target, "Abort", ctx.CancellationToken).ConfigureAwait(false))
                throw new VaultException(VaultFailureKind.Client, "SESSION_NOT_ABORTED",
                    $"The upload of {request.LocalPath} to {request.Destination} did not start: upload session {s.Id} for the same path ({reason}) was not aborted.",
                    $"Abort it with Remove-VaultUploadSession -Id '{s.Id.Replace("'", "''")}', then send the file again.");
            await _client.AbortUploadSessionAsync(s.Id, ctx).ConfigureAwait(false);
            ctx.Warning($"Aborted upload session {s.Id} for {s.Path} ({s.Size:N0} bytes): {reason}.");
        }
    }
}
