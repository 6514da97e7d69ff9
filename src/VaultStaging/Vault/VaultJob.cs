using System;
using Newtonsoft.Json.Linq;

namespace VaultStaging
{
    /// <summary>A Vault job, such as the one that assembles a committed upload session into its file.</summary>
    public sealed class VaultJob
    {
        /// <summary>Statuses after which the job does not change any more.</summary>
        static readonly string[] FinalStatuses = { "SUCCESS", "ERRORS_ENCOUNTERED", "CANCELLED", "TIMEOUT", "COMPLETED_DUE_TO_INACTIVITY", "MISSED_SCHEDULE" };

        public long JobId { get; set; }

        /// <summary>SCHEDULED, QUEUED, RUNNING, SUCCESS, ERRORS_ENCOUNTERED, ...; null before it was read.</summary>
        public string Status { get; set; }

        /// <summary>The upload session the job commits, when known.</summary>
        public string UploadSessionId { get; set; }

        /// <summary>The staging path the job acts on (the file a commit produces, the item moved or deleted), when known.</summary>
        public string Path { get; set; }

        /// <summary>
        /// What the job does, in words ("Move /a.txt to /b/a.txt") when this connection started it; for another job,
        /// "Unknown (a POST job started elsewhere)": Vault's status says only the HTTP method that started it.
        /// </summary>
        public string Operation { get; set; }

        /// <summary>Vault's name for the job's method, when it reports one.</summary>
        public string Method { get; set; }

        public long? CreatedBy { get; set; }
        public DateTime? CreatedDate { get; set; }
        public DateTime? RunStartDate { get; set; }
        public DateTime? RunEndDate { get; set; }

        public bool IsFinished => Status != null && Array.IndexOf(FinalStatuses, Status) >= 0;
        public bool Succeeded => Status == "SUCCESS";

        public override string ToString() => $"job {JobId}: {Status ?? "submitted"}";

        /// <summary>The start of a sentence about the job: "Move /a.txt to /b/a.txt: job 101002", or "Job 101002".</summary>
        internal string Subject => (Operation ?? Path) is string what ? $"{what}: job {JobId}" : $"Job {JobId}";

        /// <summary>The error for a job that ended in anything but SUCCESS: its id is JOB_ and the status, one form wherever a job is waited for.</summary>
        internal Vault.VaultException Failure(string message, string hint) =>
            new Vault.VaultException(Vault.VaultFailureKind.Vault, "JOB_" + (Status ?? "UNKNOWN"), message, hint);

        internal void Update(JObject data)
        {
            Status = VaultJson.AsString(data["status"]) ?? Status;
            Method = VaultJson.AsString(data["method"]) ?? Method;
            CreatedBy = VaultJson.AsInt64(data["created_by"]) ?? CreatedBy;
            CreatedDate = VaultJson.AsDate(data["created_date"]) ?? CreatedDate;
            RunStartDate = VaultJson.AsDate(data["run_start_date"]) ?? RunStartDate;
            RunEndDate = VaultJson.AsDate(data["run_end_date"]) ?? RunEndDate;
            if (Operation == null) Operation = Method != null ? $"Unknown (a {Method} job started elsewhere)" : "Unknown (started elsewhere)";
        }
    }
}
