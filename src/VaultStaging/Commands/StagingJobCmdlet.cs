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

        readonly Dictionary<VaultJob, ItemChange> _pending = new Dictionary<VaultJob, ItemChange>();

        /// <summary>-NoWait: return the jobs instead of waiting for them.</summary>
        protected abstract bool NoWaitRequested { get; }

        /// <summary>-PassThru: write each moved or renamed item, read at its new path, once its job has succeeded.</summary>
        protected virtual bool PassThruRequested => false;

        /// <summary>The parameter that says where the item goes (named when it is not there after its job).</summary>
        protected virtual string TargetParameter => null;

        /// <summary>The checks before the job (<see cref="ItemChange.CheckAsync"/>): the item there, or ItemNotFound naming it.</summary>
        private protected StagingItem Check(ItemChange change, string hint) =>
            Await(change.CheckAsync(Client, hint, CallContext)) ?? throw NotFound(change.Source, "Path");

        /// <summary>Starts the change's job (after ShouldProcess): written at once with -NoWait, else waited for with the others.</summary>
        private protected void Start(ItemChange change)
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
            _pending.Add(job, change);
            if (_pending.Count >= MaxPendingJobs) WaitForStartedJobs();
        }

        protected override void EndProcessing() => WaitForStartedJobs();

        void WaitForStartedJobs()
        {
            if (_pending.Count == 0) return;
            Dictionary<VaultJob, ItemChange> started = _pending.ToDictionary(p => p.Key, p => p.Value);
            _pending.Clear();
            WriteVerbose($"Waiting for {started.Count} job(s); Vault allows one status read per job every 10 seconds.");
            WaitForJobs(started.Keys, (job, ctx) => started[job].WaitAsync(Client, job, ctx), (job, error) =>
            {
                if (error != null) WriteFailure(error, job.Path);
                else RunFor(job.Path, () => Succeeded(started[job], job));
            });
        }

        void Succeeded(ItemChange change, VaultJob job)
        {
            if (change.Target == null || !PassThruRequested)
            {
                WriteVerbose(change.Summary);
                return;
            }
            WriteItem(Await(Client.GetItemAsync(change.Target, CallContext))
                ?? throw NotFound(change.Target, TargetParameter, $"Job {job.JobId} succeeded, but nothing"));
        }
    }
}
