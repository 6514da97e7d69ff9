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

        /// <summary>
        /// Waits for <paramref name="jobs"/> together, each by <paramref name="wait"/> (read on its own 10-second
        /// clock by the client), and calls <paramref name="onDone"/> on the pipeline thread for each as soon as its
        /// wait ends: with the exception it threw (a job that failed, or could not be read), or null.
        /// Ctrl+C stops the waiting; the jobs go on in Vault.
        /// </summary>
        protected void WaitForJobs(IReadOnlyCollection<VaultJob> jobs, Func<VaultJob, VaultCallContext, Task> wait, Action<VaultJob, Exception> onDone)
        {
            if (jobs.Count == 0) return;
            Runner.Stream<KeyValuePair<VaultJob, Exception>>((ctx, ended, _) => Task.WhenAll(jobs.Select(job =>
                    wait(job, ctx)
                        .ContinueWith(t => ended(new KeyValuePair<VaultJob, Exception>(job, t.IsFaulted ? t.Exception.GetBaseException() : t.IsCanceled ? new OperationCanceledException() : null)),
                            TaskContinuationOptions.ExecuteSynchronously))),
                end =>
                {
                    if (end.Value is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                    if (end.Value != null && !(end.Value is VaultException)) ExceptionDispatchInfo.Capture(end.Value).Throw();
                    onDone(end.Key, end.Value);
                });
        }
    }
}
