using System.Management.Automation;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Commits upload sessions: Vault starts a job that assembles the parts into the file. Returns the job;
    /// with -Wait, its final status.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Complete, "VaultUploadSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VaultJob))]
    public sealed class CompleteVaultUploadSessionCommand : UploadSessionActionCmdlet
    {
        /// <summary>Wait for the commit job to finish (Vault allows one status read per 10 seconds).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string id in Id)
            {
                RunFor(id, () =>
                {
                    string target = Describe(id);
                    if (!ShouldProcess(target, "Commit")) return;
                    VaultJob job = Await(Client.CommitUploadSessionOnceAsync(id, CallContext));
                    job.Path = PathOf(id);
                    if (Wait.IsPresent)
                    {
                        job = WaitFor(job);
                        if (!job.Succeeded)
                        {
                            WriteFailure(job.Failure(
                                $"The commit job {job.JobId} of upload session {id} ended with {job.Status}; the file was not staged.",
                                "Check the job in Vault (Admin > Operations > Job Status) and the staging path, then upload again."), id);
                        }
                    }
                    WriteObject(job);
                });
            }
        }

        /// <summary>Each status read shows in -Verbose; the client keeps to Vault's pace of one read per 10 seconds.</summary>
        VaultJob WaitFor(VaultJob job) => Await(Client.WaitForJobAsync(job, null, CallContext));
    }
}
