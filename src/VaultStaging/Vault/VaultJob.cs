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

        /// <summary>The staging path of the file the job produces, when known.</summary>
        public string Path { get; set; }

        public long? CreatedBy { get; set; }
        public DateTime? CreatedDate { get; set; }
        public DateTime? RunStartDate { get; set; }
        public DateTime? RunEndDate { get; set; }

        public bool IsFinished => Status != null && Array.IndexOf(FinalStatuses, Status) >= 0;
        public bool Succeeded => Status == "SUCCESS";

        public override string ToString() => $"job {JobId}: {Status ?? "submitted"}";

        internal void Update(JObject data)
        {
            Status = (string)data["status"] ?? Status;
            CreatedBy = data["created_by"]?.Type == JTokenType.Integer ? (long?)data["created_by"] : CreatedBy;
            CreatedDate = VaultJson.ParseDate((string)data["created_date"]) ?? CreatedDate;
            RunStartDate = VaultJson.ParseDate((string)data["run_start_date"]) ?? RunStartDate;
            RunEndDate = VaultJson.ParseDate((string)data["run_end_date"]) ?? RunEndDate;
        }
    }
}
