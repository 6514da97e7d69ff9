using System;
using System.Collections.Generic;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Waits for Vault jobs to finish and writes each one as soon as it has. All the jobs given (also down the
    /// pipeline) are waited for together, each read once per 10 seconds as Vault allows. At -Timeout, each job
    /// still running is a TIMEOUT error naming its last status, and is written as it was last read.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "VaultJob")]
    [OutputType(typeof(VaultJob))]
    public sealed class WaitVaultJobCommand : JobIdCmdlet
    {
        /// <summary>Seconds to wait at most; by default until every job has finished.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Timeout { get; set; }

        readonly List<VaultJob> _jobs = new List<VaultJob>();
        readonly HashSet<long> _ids = new HashSet<long>();

        protected override void ProcessRecord()
        {
            foreach (long id in Id)
                if (_ids.Add(id)) _jobs.Add(JobOf(id));
        }

        protected override void EndProcessing()
        {
            TimeSpan? timeout = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null;
            RunFor(null, () => WaitForJobs(_jobs, (job, ctx) => Client.WaitForJobAsync(job, timeout, ctx), (job, error) =>
            {
                if (error is VaultException failure)
                {
                    WriteFailure(Explain(failure, job.JobId), job.JobId);
                    return;
                }
                if (!job.IsFinished)
                {
                    // Said as it happened: with a -Timeout shorter than Vault's interval the job is read once and the
                    // wait ends at once, since the next read would come after the timeout.
                    double interval = Client.Options.JobStatusInterval.TotalSeconds;
                    WriteFailure(new VaultException(VaultFailureKind.Client, "TIMEOUT",
                        $"{job.Subject} had not finished when its status was last read ({job.Status ?? "unknown"}). Vault allows one status read per job " +
                        $"every {interval:0.#} seconds, and the next one would have come after -Timeout {Timeout} s, so the wait ended without it.",
                        $"The job goes on in Vault. Wait again with Wait-VaultJob -Id {job.JobId}, or give a -Timeout of more than {interval:0.#} s to let it be read again."), job.JobId);
                }
                WriteObject(job);
            }));
        }
    }
}
