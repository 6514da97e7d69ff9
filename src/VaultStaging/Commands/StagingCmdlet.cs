using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// What the cmdlets of the staging server's files, folders and jobs share: items written with the fields
    /// Vault added after this version, one wording for "nothing is there", and waiting for many jobs at once
    /// while each finished job is written from the pipeline thread as soon as it ends.
    /// </summary>
    public abstract class StagingCmdlet : VaultConnectedCmdlet
    {
        /// <summary>Fields Vault added after this version become note properties, so nothing Vault sent is hidden.</summary>
        protected void WriteItem(StagingItem item)
        {
            if (item.AdditionalFields == null || item.AdditionalFields.Count == 0) WriteObject(item);
            else WriteObject(ItemView.Shown(item));
        }

        /// <summary>The item at <paramref name="path"/>, or an ItemNotFound error naming it (one listing call).</summary>
        protected StagingItem ExistingItem(string path, string parameterName) =>
            Await(Client.GetItemAsync(path, CallContext)) ?? throw NotFound(path, parameterName);

        /// <summary>Nothing at a staging path: ItemNotFound (ObjectNotFound), naming the path and how paths are written.</summary>
        protected VaultException NotFound(string path, string parameterName, string what = "Nothing")
        {
            string parent = StagingPath.ParentOf(path) ?? StagingPath.Root;
            // Staging paths take no wildcards: a * or ? typed as one is most likely meant as a pattern.
            string hint = WildcardPattern.ContainsWildcardCharacters(path)
                ? $"Staging paths take no wildcards (* ? [ ] are part of a name); list the folder and match names with -Filter: Get-VaultStagingItem {StagingPath.Quote(parent)} -Filter {StagingPath.Quote(StagingPath.NameOf(path))}."
                : $"Get-VaultStagingItem {StagingPath.Quote(parent)} lists what is in {parent}. Admins write paths from the staging root (/u1234/Folder/File.txt), other users from their own folder (/Folder/File.txt).";
            return new VaultException(VaultFailureKind.Client, "ItemNotFound", $"-{parameterName}: {what} is at the staging path {path}.", hint);
        }

        /// <summary>A job that ended in anything but SUCCESS: an error whose id is JOB_ and the status, naming the path and the job.</summary>
        protected static VaultException JobFailed(VaultJob job, string outcome)
        {
            return job.Failure(
                $"{JobText(job)} ended with {job.Status}; {outcome}",
                $"Get-VaultJob -Id {job.JobId} shows the job (and the vault's Admin > Operations > Job Status its details). Check that the item and the destination are as expected, then run the command again.");
        }

        /// <summary>
        /// Waits for <paramref name="jobs"/> together (each read on its own 10-second clock by the client) and
        /// calls <paramref name="onDone"/> on the pipeline thread for each as soon as its wait ends: finished, at
        /// the timeout (not <see cref="VaultJob.IsFinished"/>), or failed to be read (the exception).
        /// Ctrl+C stops the waiting; the jobs go on in Vault.
        /// </summary>
        protected void WaitForJobs(IReadOnlyCollection<VaultJob> jobs, TimeSpan? timeout, Action<VaultJob, Exception> onDone)
        {
            if (jobs.Count == 0) return;
            Runner.Stream<KeyValuePair<VaultJob, Exception>>((ctx, ended, _) => Task.WhenAll(jobs.Select(job =>
                    Client.WaitForJobAsync(job, timeout, j => ctx.Verbose($"{JobText(j)}: {j.Status}."), ctx)
                        .ContinueWith(t => ended(new KeyValuePair<VaultJob, Exception>(job, t.IsFaulted ? t.Exception.GetBaseException() : t.IsCanceled ? new OperationCanceledException() : null)),
                            TaskContinuationOptions.ExecuteSynchronously))),
                end =>
                {
                    if (end.Value is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                    if (end.Value != null && !(end.Value is VaultException)) ExceptionDispatchInfo.Capture(end.Value).Throw();
                    onDone(end.Key, end.Value);
                });
        }

        /// <summary>The start of a sentence about a job: "Move /a.txt to /b/a.txt: job 101002", or "Job 101002".</summary>
        protected static string JobText(VaultJob job) =>
            (job.Operation ?? job.Path) is string what ? $"{what}: job {job.JobId}" : $"Job {job.JobId}";
    }
}
