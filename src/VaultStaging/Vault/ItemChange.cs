using System;
using System.Threading.Tasks;

namespace VaultStaging.Vault
{
    /// <summary>
    /// The one home of "check, start an item job, wait, report" for a move, rename or delete of a staging item
    /// (each a Vault job): the item cmdlets, the drive, Sync -Delete and Test-VaultConnection use it and keep only
    /// their own asking (ShouldProcess), -NoWait and wording of results. The checks are look-ups before any job,
    /// so a typo fails clearly. What Vault's job does with a taken name is UNCONFIRMED (it may fail without saying
    /// why, or replace the item there: the emulator's --taken-name plays either), so no job starts onto one.
    /// </summary>
    internal sealed class ItemChange
    {
        readonly string _newParent;
        readonly string _newName;
        readonly string _done;   // what did not happen when the job fails: "moved", "renamed", "deleted"
        bool _recurse;

        ItemChange(string source, bool moves, string newParent, string newName, bool recurse, string done)
        {
            Source = StagingPath.Normalize(source);
            if (moves) Target = StagingPath.Combine(newParent ?? StagingPath.ParentOf(Source), newName ?? StagingPath.NameOf(Source));
            _newParent = newParent;
            _newName = newName;
            _recurse = recurse;
            _done = done;
        }

        /// <summary>Into <paramref name="folder"/> (null: where it is), under <paramref name="newName"/> (null: its own name).</summary>
        public static ItemChange Move(string source, string folder, string newName = null) => new ItemChange(source, true, folder, newName, false, "moved");

        public static ItemChange Rename(string source, string newName) => new ItemChange(source, true, null, newName, false, "renamed");

        /// <summary>With <paramref name="recurse"/>, a folder and everything in it (a file is deleted without the flag).</summary>
        public static ItemChange Delete(string path, bool recurse) => new ItemChange(path, false, null, null, recurse, "deleted");

        public string Source { get; }

        /// <summary>Where a moved or renamed item will be; null for a delete.</summary>
        public string Target { get; }

        /// <summary>A move or rename onto the item's own path: no job is started for it (each caller says so in its own way).</summary>
        public bool ChangesNothing => Target == Source;

        /// <summary>A folder moved into itself or a folder inside it (Vault's job would fail).</summary>
        public bool IntoItself => Target != null && Target != Source && StagingPath.IsWithin(Target, Source);

        /// <summary>
        /// The look-ups before the job (one call, two for a move or rename): the item at <see cref="Source"/>, or
        /// null when nothing is there (the caller says so in its own words); FolderNotEmpty for a folder with items
        /// deleted without recurse; ITEM_NAME_EXISTS for a taken target (<see cref="RefuseTakenNameAsync"/>).
        /// <paramref name="hint"/> says what to do instead.
        /// </summary>
        public async Task<StagingItem> CheckAsync(VaultClient client, string hint, VaultCallContext ctx)
        {
            (StagingItem item, bool hasChildren) = await client.LookUpAsync(Source, ctx).ConfigureAwait(false);
            if (item == null) return null;
            if (Target != null) await RefuseTakenNameAsync(client, hint, ctx).ConfigureAwait(false);
            else if (item.IsFolder && !_recurse && hasChildren)
                throw new VaultException(VaultFailureKind.Client, "FolderNotEmpty", $"The folder {Source} is not empty; nothing was deleted.", hint);
            _recurse &= item.IsFolder;
            return item;
        }

        /// <summary>One look-up of <see cref="Target"/>: an item there, other than the source itself, is <see cref="Taken"/>.</summary>
        public async Task RefuseTakenNameAsync(VaultClient client, string hint, VaultCallContext ctx, Func<string, string> shown = null)
        {
            StagingItem there = await client.GetItemAsync(Target, ctx).ConfigureAwait(false);
            if (there != null && !string.Equals(there.Path, Source, StringComparison.Ordinal)) throw Taken(there, hint, shown);
        }

        /// <summary>
        /// "A file named x.csv is already in /Imports, so /Exports/x.csv was not moved (ITEM_NAME_EXISTS)."
        /// <paramref name="shown"/> turns a staging path into the form the user typed (a drive path on a drive).
        /// </summary>
        public VaultException Taken(StagingItem there, string hint, Func<string, string> shown = null)
        {
            shown = shown ?? (p => p);
            return new VaultException(VaultFailureKind.Client, "ITEM_NAME_EXISTS",
                $"A {(there.IsFolder ? "folder" : "file")} named {StagingPath.NameOf(Target)} is already in {shown(StagingPath.ParentOf(Target) ?? StagingPath.Root)}, so {shown(Source)} was not {_done} (ITEM_NAME_EXISTS).", hint);
        }

        /// <summary>Starts the job (one call, never sent twice: see <see cref="VaultClient.MoveItemAsync"/>).</summary>
        public Task<VaultJob> StartAsync(VaultClient client, VaultCallContext ctx) => Target == null
            ? client.DeleteItemAsync(Source, _recurse, ctx)
            : client.MoveItemAsync(Source, _newParent, _newName, ctx);

        /// <summary>Starts the job and waits for it (<see cref="WaitAsync"/>).</summary>
        public async Task<VaultJob> RunAsync(VaultClient client, VaultCallContext ctx, TimeSpan? timeout = null, Func<VaultJob, VaultException> failure = null) =>
            await WaitAsync(client, await StartAsync(client, ctx).ConfigureAwait(false), ctx, timeout, failure).ConfigureAwait(false);

        /// <summary>
        /// Waits for this change's job (a verbose line per status read): SUCCESS returns it; TIMEOUT when it had not
        /// finished within <paramref name="timeout"/>; any other end is the JOB_ error, in
        /// <paramref name="failure"/>'s words when given (the drive's), else "Move /a to /b/a: job 5 ended with
        /// ERRORS_ENCOUNTERED; the item was not moved." and where to look.
        /// </summary>
        public async Task<VaultJob> WaitAsync(VaultClient client, VaultJob job, VaultCallContext ctx, TimeSpan? timeout = null, Func<VaultJob, VaultException> failure = null)
        {
            await client.WaitForJobAsync(job, timeout, ctx).ConfigureAwait(false);
            if (!job.IsFinished)
                throw new VaultException(VaultFailureKind.Client, "TIMEOUT",
                    $"{job.Subject} had not finished after {timeout.Value.TotalSeconds:0.#} s (last status {job.Status ?? "unknown"}); Vault goes on with it.",
                    $"Get-VaultJob -Id {job.JobId} shows it later.");
            if (job.Succeeded) return job;
            throw failure?.Invoke(job) ?? job.Failure(
                $"{job.Subject} ended with {job.Status}; the item was not {_done}.",
                $"Get-VaultJob -Id {job.JobId} shows the job (and the vault's Admin > Operations > Job Status its details). Check that the item and the destination are as expected, then run the command again.");
        }
    }
}
