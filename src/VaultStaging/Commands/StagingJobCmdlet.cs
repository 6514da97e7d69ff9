using System.Collections.Generic;
using System.Linq;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// A cmdlet whose work is a Vault job per item (move, rename, delete), checked, started and waited for by
    /// <see cref="ItemChange"/>. With -NoWait each job is written as soon as Vault accepted it. Otherwise the
    /// jobs of all its input are started first and then waited for together, so ten items take one 10-second
    /// status interval, not ten; each job that does not end in SUCCESS is a non-terminating error naming its
    /// path and id.
    /// </summary>
    public abstract class StagingJobCmdlet : StagingCmdlet
    {
        /// <summary>Jobs held before they are waited for, so a long pipeline neither holds every job nor starts thousands of waits at once.</summary>
        const int MaxPendingJobs = 500;

        /// <summary>Each job started and not yet waited for: its change, and with -PassThru the parameter that says where the item goes.</summary>
        readonly Dictionary<VaultJob, (ItemChange Change, string PassThru)> _pending = new Dictionary<VaultJob, (ItemChange, string)>();

        /// <summary>-NoWait: return the jobs instead of waiting for them.</summary>
        protected abstract bool NoWaitRequested { get; }

        /// <summary>The checks before the job (<see cref="ItemChange.CheckAsync"/>): the item there, or ItemNotFound naming it.</summary>
        private protected StagingItem Check(ItemChange change, string hint) =>
            Await(change.CheckAsync(Client, hint, CallContext)) ?? throw NotFound(change.Source, "Path");

        /// <summary>
        /// Starts the change's job (after ShouldProcess): written at once with -NoWait, else waited for with the others.
        /// <paramref name="passThru"/> (-PassThru): the item is read at its new path once the job succeeded, and this
        /// parameter (which says where it goes) is named if it is not there.
        /// </summary>
        private protected void Start(ItemChange change, string passThru = null)
        {
            VaultJob job = Await(change.StartAsync(Client, CallContext));
            FlushMessages();
            if (NoWaitRequested)
            {
                WriteVerbose($"Vault started job {job.JobId}: {job.Operation}.");
                WriteObject(job);
                return;
            }
            WriteVerbose($"Vault started job {job.JobId}: {job.Operation}; it is waited for with the others.");
            _pending.Add(job, (change, passThru));
            if (_pending.Count >= MaxPendingJobs) WaitForStartedJobs();
        }

        protected override void EndProcessing() => WaitForStartedJobs();

        void WaitForStartedJobs()
        {
            if (_pending.Count == 0) return;
            var started = _pending.ToDictionary(p => p.Key, p => p.Value);
            _pending.Clear();
            WriteVerbose($"Waiting for {started.Count} job(s); Vault allows one status read per job every 10 seconds.");
            WaitForJobs(started.Keys, (job, ctx) => started[job].Change.WaitAsync(Client, job, ctx), (job, error) =>
            {
                (ItemChange change, string passThru) = started[job];
                if (error != null) WriteFailure(error, job.Path);
                else if (passThru != null)
                    RunFor(job.Path, () => WriteItem(Await(Client.GetItemAsync(change.Target, CallContext))
                        ?? throw NotFound(change.Target, passThru, $"Job {job.JobId} succeeded, but nothing")));
            });
        }
    }
}
