using System;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Commits upload sessions: Vault starts a job that assembles the parts into the file. Returns the job;
    /// with -Wait, its final status.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Complete, "VaultUploadSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VaultJob))]
    public sealed class CompleteVaultUploadSessionCommand : VaultConnectedCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("UploadSessionId")]
        [ArgumentCompleter(typeof(UploadSessionIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; }

        /// <summary>Only for messages: the staging path of the session when it comes down the pipeline.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string Path { get; set; }

        /// <summary>Wait for the commit job to finish (Vault allows one status read per 10 seconds).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string id in Id)
            {
                RunFor(id, () =>
                {
                    string target = Path != null && Id.Length == 1 ? $"{Path} (upload session {id})" : "upload session " + id;
                    if (!ShouldProcess(target, "Commit")) return;
                    VaultJob job = Await(Client.CommitUploadSessionOnceAsync(id, CallContext));
                    if (Id.Length == 1) job.Path = Path;
                    if (Wait.IsPresent)
                    {
                        job = WaitFor(job);
                        if (!job.Succeeded)
                        {
                            WriteFailure(new VaultException(VaultFailureKind.Vault, "JOB_" + job.Status,
                                $"The commit job {job.JobId} of upload session {id} ended with {job.Status}; the file was not staged.",
                                "Check the job in Vault (Admin > Operations > Job Status) and the staging path, then upload again."), id);
                        }
                    }
                    WriteObject(job);
                });
            }
        }

        VaultJob WaitFor(VaultJob job)
        {
            var progress = new ProgressRecord(1, "Waiting for commit job " + job.JobId, "submitted");
            VaultJob done = Await(Client.WaitForJobAsync(job, Client.Options.JobStatusInterval,
                j => CallContext.Verbose($"Job {j.JobId}: {j.Status}."), CallContext));
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            return done;
        }
    }
}
