using System;
using System.Collections.Generic;
using System.Linq;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// A cmdlet whose work is a Vault job per item (move, rename, delete). With -NoWait each job is written as
    /// soon as Vault accepted it. Otherwise the jobs of all its input are started first and then waited for
    /// together, so ten items take one 10-second status interval, not ten; each job that does not end in
    /// SUCCESS is a non-terminating error naming its path and id.
    /// </summary>
    public abstract class StagingJobCmdlet : StagingCmdlet
    {
        /// <summary>Jobs held before they are waited for, so a long pipeline neither holds every job nor starts thousands of waits at once.</summary>
        const int MaxPendingJobs = 500;

        readonly List<Started> _pending = new List<Started>();

        sealed class Started
        {
            public VaultJob Job;
            public string Outcome;
            public Action<VaultJob> OnSucceeded;
        }

        /// <summary>-NoWait: return the jobs instead of waiting for them.</summary>
        protected abstract bool NoWaitRequested { get; }

        /// <summary>
        /// A job Vault accepted: written at once with -NoWait, else waited for with the others. On SUCCESS,
        /// <paramref name="onSucceeded"/> runs on the pipeline thread; otherwise the error says <paramref name="outcome"/>
        /// ("the item was not moved.").
        /// </summary>
        protected void JobStarted(VaultJob job, string outcome, Action<VaultJob> onSucceeded)
        {
            FlushMessages();
            if (NoWaitRequested)
            {
                WriteVerbose($"Vault started job {job.JobId}: {job.Operation}.");
                WriteObject(job);
                return;
            }
            WriteVerbose($"Vault started job {job.JobId}: {job.Operation}; it is waited for with the others.");
            _pending.Add(new Started { Job = job, Outcome = outcome, OnSucceeded = onSucceeded });
            if (_pending.Count >= MaxPendingJobs) WaitForStartedJobs();
        }

        protected override void EndProcessing() => WaitForStartedJobs();

        void WaitForStartedJobs()
        {
            if (_pending.Count == 0) return;
            Dictionary<VaultJob, Started> started = _pending.ToDictionary(s => s.Job);
            _pending.Clear();
            WriteVerbose($"Waiting for {started.Count} job(s); Vault allows one status read per job every 10 seconds.");
            WaitForJobs(started.Keys, null, (job, error) =>
            {
                Started s = started[job];
                if (error != null) WriteFailure(error, job.Path);
                else if (job.Succeeded) RunFor(job.Path, () => s.OnSucceeded(job));
                else WriteFailure(JobFailed(job, s.Outcome), job.Path);
            });
        }
    }
}
