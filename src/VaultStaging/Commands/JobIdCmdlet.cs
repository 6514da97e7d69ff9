using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// A cmdlet that reads jobs by id: -Id from the pipeline (numbers, or objects with a JobId, such as the
    /// jobs of -NoWait and Complete-VaultUploadSession), and the hidden -Path and -Operation such a job brings
    /// along, so messages still say what the job does.
    /// </summary>
    public abstract class JobIdCmdlet : StagingCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("JobId")]
        [ValidateRange(1L, long.MaxValue)]
        public long[] Id { get; set; }

        /// <summary>Only for messages: the staging path of a job that comes down the pipeline.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string Path { get; set; }

        /// <summary>Only for messages: what a job that comes down the pipeline does.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string Operation { get; set; }

        /// <summary>A job to read: its id, and the piped job's path and operation when they belong to it (one id per object).</summary>
        protected VaultJob JobOf(long id)
        {
            bool piped = Id.Length == 1;
            return new VaultJob
            {
                JobId = id,
                Path = piped && !string.IsNullOrEmpty(Path) ? Path : null,
                Operation = piped && !string.IsNullOrEmpty(Operation) ? Operation : null,
            };
        }

        /// <summary>Vault refuses an unknown job id (INVALID_DATA): say that the id is what to check.</summary>
        protected static VaultException Explain(VaultException e, long id)
        {
            if (e.ErrorType != "INVALID_DATA" && e.ErrorType != "INSUFFICIENT_ACCESS") return e;
            return e.Rephrased(e.Message, $"Check the job id {id}: Vault knows the jobs of this vault, and users other than admins can read only the jobs they started.");
        }
    }
}
