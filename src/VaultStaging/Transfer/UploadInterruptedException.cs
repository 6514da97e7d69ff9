using System;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// An upload that stopped after its session was created: the session stays and can be resumed, unless it was
    /// found gone (<see cref="SessionGone"/>), when the message says so and offers no resume.
    /// </summary>
    public sealed class UploadInterruptedException : Exception
    {
        public UploadInterruptedException(FileUploadRequest request, UploadSession session, UploadResult result, Exception cause, bool duringCommit = false,
            bool sessionGone = false)
            : base(Describe(request, session, cause, duringCommit, sessionGone), cause)
        {
            Request = request;
            Session = session;
            Result = result;
            SessionGone = sessionGone;
        }

        /// <summary>The session was found gone after the failure (committed, aborted or expired): nothing to resume.</summary>
        public bool SessionGone { get; }

        /// <summary>
        /// The error a command writes for it, the same from Send-VaultFile and Sync-VaultStagingFolder: the cause's
        /// error type (so -ErrorAction and catch blocks can branch on it), this message with what to do, the
        /// cause's hint and Vault's execution id.
        /// </summary>
        public VaultException ToVaultException()
        {
            var cause = InnerException as VaultException;
            return new VaultException(cause?.Kind ?? VaultFailureKind.Client, cause?.ErrorType ?? "UPLOAD_INTERRUPTED", Message,
                SessionGone ? "" : cause?.Hint ?? "", this)
            { ExecutionId = cause?.ExecutionId, Operation = cause?.Operation, HttpStatus = cause?.HttpStatus };
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

        static string Describe(FileUploadRequest request, UploadSession session, Exception cause, bool duringCommit, bool sessionGone)
        {
            string why = cause is OperationCanceledException ? "was stopped." : "failed: " + cause.Message.TrimEnd('.') + ".";
            if (sessionGone)
                return $"The upload of {request.LocalPath} to {request.Destination} {why} Upload session {session.Id} no longer exists " +
                       (duringCommit
                           ? $"(committed, aborted or expired), and the staging server does not list {request.Destination} with its {request.Size:N0} bytes. " +
                             $"If a commit job is still running, the file appears soon: check with Get-VaultStagingItem -Path '{Quote(request.Destination)}'. If it does not, run the same command again to send the file afresh."
                           : $"(aborted or expired), so the parts sent are gone and there is nothing to resume. Run the same command again to send the file afresh.");
            if (duringCommit && cause is OperationCanceledException)
                return $"The upload of {request.LocalPath} to {request.Destination} was stopped while its commit was on the way: every part was sent and checked, " +
                       $"and Vault may have taken the commit of upload session {session.Id}. Check with Get-VaultUploadSession -Id '{Quote(session.Id)}': " +
                       $"if it is gone, the file was committed; if it is still active, run {ResumeCommandFor(request)} to commit it, or abort it with Remove-VaultUploadSession -Id '{Quote(session.Id)}'.";
            // The session's 78-character id is said once in words (the failed call's message often names it
            // already), and again in the command that aborts it.
            string theSession = why.IndexOf(session.Id, StringComparison.Ordinal) >= 0 ? "The upload session" : $"Upload session {session.Id}";
            string expires = session.ExpirationDate.HasValue ? $" until {session.ExpirationDate.Value:yyyy-MM-dd HH:mm} (local time)" : "";
            return $"The upload of {request.LocalPath} to {request.Destination} {why} " +
                   $"{theSession} stays active{expires} with the parts sent so far. " +
                   $"To resume it, run: {ResumeCommandFor(request)} (or the same command again). " +
                   $"To abort it, run: Remove-VaultUploadSession -Id '{Quote(session.Id)}'.";
        }
    }
}
