using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Makes a staging folder match a local folder (-Direction Upload, the default) or the other way round,
    /// like robocopy /MIR: files missing on the target, of another size, or newer on the source are sent;
    /// unchanged files cost no call beyond one recursive listing; with -Delete, what the source lacks is
    /// removed from the target. Three steps, each done by the transfer engine: plan (<see cref="SyncPlanner"/>),
    /// send (<see cref="UploadBatch"/> / <see cref="DownloadBatch"/>), delete (<see cref="SyncDeleter"/>).
    /// </summary>
    [Cmdlet(VerbsData.Sync, "VaultStagingFolder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SyncRecord))]
    public sealed class SyncVaultStagingFolderCommand : TransferCmdlet
    {
        /// <summary>The local folder.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>The staging folder.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        public string Destination { get; set; }

        /// <summary>Upload (default): the staging folder is made to match the local one. Download: the local folder is made to match the staging one.</summary>
        [Parameter]
        public SyncDirection Direction { get; set; } = SyncDirection.Upload;

        /// <summary>Remove from the target the files and folders the source lacks (asks once, as a high-impact change).</summary>
        [Parameter]
        public SwitchParameter Delete { get; set; }

        /// <summary>Enter local folder links (symbolic links, junctions) too; a link back into the tree is skipped with a warning.</summary>
        [Parameter]
        public SwitchParameter FollowSymlink { get; set; }

        /// <summary>With -Delete: do not ask before deleting.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Files sent at the same time; at most 10 requests are in flight on one connection whatever this says.</summary>
        [Parameter]
        [ValidateRange(1, 50)]
        public int ThrottleLimit { get; set; } = 10;

        /// <summary>One record per file or folder: Uploaded or Downloaded (as the direction), Skipped, Deleted or Failed.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override IEnumerable<string> StagingPathsGiven => new[] { Destination };

        protected override void EndProcessing()
        {
            string local = null;
            string staging = null;
            List<LocalEntry> localTree = null;
            var walk = new LocalTree { FollowLinks = FollowSymlink, SkipFolder = Filter.ExcludesFolder };
            var remoteTree = new List<StagingItem>();
            bool rootExists = false;
            RunFor(Path, () =>
            {
                local = LocalPathOf(Path, "Path");
                if (File.Exists(local)) throw new VaultInputException("Path", $"'{Path}' is a file; give the local folder to sync.");
                bool localExists = Directory.Exists(local);
                if (!localExists && Direction == SyncDirection.Upload)
                    throw new VaultInputException("Path", $"The local folder '{Path}' does not exist; nothing was sent or made. Check the path (-Direction Download makes the local folder from the staging one).");
                staging = StagingPath.ValidateAny(StagingPathOf(Destination, "Destination"), "Destination");
                // The local tree is read while the staging tree is listed: the disk and the network at once.
                Task<List<LocalEntry>> readingLocal = localExists
                    ? Task.Run(() => walk.Walk(local))
                    : Task.FromResult(new List<LocalEntry>());
                try
                {
                    StagingItem root = Await(Client.GetItemAsync(staging, CallContext));
                    if (root != null && !root.IsFolder)
                        throw new VaultInputException("Destination", $"{staging} is a file on the staging server; give the staging folder to sync.");
                    if (root == null && Direction == SyncDirection.Download)
                        throw new VaultException(VaultFailureKind.Vault, "ItemNotFound", $"There is no folder {staging} on the staging server; nothing was made or changed locally.", "Check the path with Get-VaultStagingItem.");
                    rootExists = root != null;
                    if (root != null)
                        Runner.Stream<StagingItem>((ctx, onItem, _) => Client.ListItemsAsync(staging, true, onItem, ctx), remoteTree.Add);
                }
                finally
                {
                    // Waited for even when the listing failed: nothing runs after the command.
                    try { readingLocal.Wait(); }
                    catch (AggregateException) { }
                }
                localTree = readingLocal.GetAwaiter().GetResult();
                if (rootExists) AddFoldersTheListingHid(staging, localTree, remoteTree);
                // Made only once the source is known to exist: a sync of a staging folder that is not there
                // leaves nothing behind.
                if (!localExists && ShouldProcess(local, "Create folder")) Directory.CreateDirectory(local);
            }, terminating: true);
            if (localTree == null) return;
            WriteTreeNotes(walk);

            // Out of the sync on both sides: what the filters leave out, and what is inside a local folder the walk did not
            // enter (it could not be listed, or a link not followed), the folder included: never made, deleted or written through.
            IReadOnlyList<string> unread = walk.FoldersNotWalked;
            bool LeavesOut(string relative, bool isFolder) =>
                Filter.LeavesOut(relative, isFolder) || unread.Any(u => u.Length == 0 || relative == u || relative.StartsWith(u + "/", StringComparison.Ordinal));
            SyncPlan plan = SyncPlanner.Plan(Direction, local, staging, localTree, remoteTree, Delete, leavesOut: LeavesOut);
            TellLeftOut(plan.LeftOut.Where(p => Filter.LeavesOut(p, false) || Filter.LeavesOut(p, true)).ToList());
            WriteVerbose($"Sync {Direction} {local} <-> {staging}: {plan.Send.Count} to send, {plan.MakeFolders.Count} folder(s) to make, {plan.Skip.Count} unchanged, {plan.Delete.Count} to delete, {plan.Conflicts.Count} in conflict, {plan.Refused.Count} with a name this file system cannot hold, {plan.LeftOut.Count} left out.");
            foreach (SyncRecord conflict in plan.Conflicts)
            {
                WriteFailure(new VaultException(VaultFailureKind.Client, "SYNC_CONFLICT", $"{conflict.RelativePath} was not synced: {conflict.Reason}.", ConflictHint(conflict)), conflict.RelativePath);
                if (PassThru) WriteObject(conflict);
            }
            foreach (KeyValuePair<SyncRecord, VaultException> refused in plan.Refused)
            {
                WriteFailure(refused.Value, refused.Key.StagingPath);
                if (PassThru) WriteObject(refused.Key);
            }
            if (PassThru) foreach (SyncRecord skipped in plan.Skip) WriteObject(skipped);

            string verb = Direction == SyncDirection.Upload ? "Upload" : "Download";
            List<SyncRecord> send = plan.Send.Where(r => ShouldProcess(Describe(r), $"{verb} ({r.Reason})")).ToList();
            List<SyncRecord> folders = plan.MakeFolders.Where(r => ShouldProcess(Describe(r), "Create folder")).ToList();
            List<SyncRecord> delete = plan.Delete.Where(r => ShouldProcess(Describe(r), $"Delete ({r.Reason})")).ToList();
            if (delete.Count > 0 && !ConfirmDeletions(delete)) delete.Clear();

            // The target's folders are known from the listing: only missing ones cost a call.
            var known = plan.TargetFolders.Select(f => StagingPath.Combine(staging, f)).ToList();
            if (rootExists) known.Add(staging);
            var maker = new FolderMaker(Client, known);
            MakeFolders(folders, maker);
            if (send.Count > 0)
            {
                if (Direction == SyncDirection.Upload) Upload(send, maker);
                else Download(send);
            }
            if (delete.Count > 0 && !StopToken.IsCancellationRequested) Remove(delete);
        }

        /// <summary>
        /// The Action of a file or folder put in place on the target: one word per direction, the word
        /// Receive-VaultFile uses for a download, so one filter finds what a run changed.
        /// </summary>
        string DoneAction => Direction == SyncDirection.Upload ? "Uploaded" : "Downloaded";

        /// <summary>
        /// A vault that answers a recursive listing with the files alone (one of the two forms seen, vault-api.md)
        /// names no folder: those that hold a file are derived from its path (DerivedFolders), so the only ones the
        /// listing cannot show are folders with no file below them, empty on the staging server or not there at
        /// all. A local folder the listing did not show is looked up (a read) only where that difference matters:
        /// an upload of a folder with no file in it (made again on every run otherwise, a write in an unchanged
        /// sync), and a download with -Delete (a local folder that is on the staging server, empty, stays). A
        /// folder an upload puts files into is simply made, which costs no more than the read when it is already
        /// there (Vault says ITEM_NAME_EXISTS, and it is used), and one call less when it is new.
        /// </summary>
        void AddFoldersTheListingHid(string staging, List<LocalEntry> localTree, List<StagingItem> remoteTree)
        {
            if (remoteTree.Any(i => i.IsFolder && !i.Derived)) return;
            if (Direction == SyncDirection.Download && !Delete) return;
            var shown = new HashSet<string>(remoteTree.Select(i => i.Path), StagingPath.Comparer);
            // Local folders (relative paths) with a file to send below them.
            var holdsFile = new HashSet<string>(StringComparer.Ordinal);
            if (Direction == SyncDirection.Upload)
                foreach (string file in localTree.Where(e => !e.IsFolder && !Filter.LeavesOut(e.RelativePath, false)).Select(e => e.RelativePath))
                    for (int slash = file.LastIndexOf('/'); slash > 0 && holdsFile.Add(file.Substring(0, slash)); slash = file.LastIndexOf('/', slash - 1)) { }
            var absent = new HashSet<string>(StagingPath.Comparer);
            foreach (LocalEntry folder in localTree.Where(e => e.IsFolder && !holdsFile.Contains(e.RelativePath)).OrderBy(e => e.RelativePath, StringComparer.Ordinal))
            {
                string remote = StagingPath.Combine(staging, folder.RelativePath);
                if (shown.Contains(remote)) continue;
                if (absent.Contains(StagingPath.ParentOf(remote))) { absent.Add(remote); continue; } // inside a folder that is not there
                StagingItem there = Await(Client.GetItemAsync(remote, CallContext));
                if (there == null) { absent.Add(remote); continue; }
                remoteTree.Add(there);
                shown.Add(remote);
            }
        }

        /// <summary>What ShouldProcess names: the item changed, and for a transfer where it comes from.</summary>
        static string Describe(SyncRecord r)
        {
            bool up = r.Direction == SyncDirection.Upload;
            string target = up ? r.StagingPath : r.LocalPath;
            if (r.Reason == "not on the source" || r.Kind == StagingItemKind.Folder) return target;
            return up ? $"{r.LocalPath} -> {target}" : $"{r.StagingPath} -> {target}";
        }

        /// <summary>What to do about a file on one side where the other has a folder: names both, and the commands that change each.</summary>
        static string ConflictHint(SyncRecord conflict)
        {
            bool sourceIsFolder = conflict.Kind == StagingItemKind.Folder;
            bool localIsFolder = conflict.Direction == SyncDirection.Upload ? sourceIsFolder : !sourceIsFolder;
            string local = localIsFolder ? $"the local folder {conflict.LocalPath}" : $"the local file {conflict.LocalPath}";
            string staging = localIsFolder
                ? $"the staged file {conflict.StagingPath} (Rename-VaultStagingItem, Remove-VaultStagingItem)"
                : $"the staging folder {conflict.StagingPath} (Rename-VaultStagingItem, Remove-VaultStagingItem -Recurse)";
            return $"Rename or remove one of them, {local} or {staging}, then run the same sync again. -Delete never removes either.";
        }

        /// <summary>Deletion is a high-impact change: asked once for all, unless -Force, -Confirm:$false or $ConfirmPreference says not to.</summary>
        bool ConfirmDeletions(List<SyncRecord> delete)
        {
            if (Force || (MyInvocation.BoundParameters.TryGetValue("Confirm", out object c) && c is SwitchParameter s && !s.IsPresent)) return true;
            if (GetVariableValue("ConfirmPreference") is ConfirmImpact preference && preference == ConfirmImpact.None) return true;
            string where = Direction == SyncDirection.Upload ? "from the staging server" : "from the local folder";
            return ShouldContinue($"Delete {delete.Count} file(s) and folder(s) {where} that the source does not have ({string.Join(", ", delete.Take(5).Select(d => d.RelativePath))}{(delete.Count > 5 ? ", ..." : "")})? Deletions on the staging server cannot be undone.",
                "Sync-VaultStagingFolder -Delete");
        }

        void MakeFolders(List<SyncRecord> folders, FolderMaker maker)
        {
            foreach (SyncRecord folder in folders.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
            {
                RunFor(folder.RelativePath, () =>
                {
                    if (Direction == SyncDirection.Upload) Await(maker.EnsureAsync(folder.StagingPath, CallContext));
                    else Directory.CreateDirectory(folder.LocalPath);
                    folder.Action = DoneAction;
                    if (PassThru) WriteObject(folder);
                });
            }
        }

        void Upload(List<SyncRecord> send, FolderMaker maker)
        {
            var requests = send.ToDictionary(r => new FileUploadRequest(r.LocalPath, r.Size ?? 0, r.StagingPath) { Overwrite = true }, r => r);
            using (var batch = new UploadBatch(Client, this, requests.Keys.ToList(), ThrottleLimit, CallContext, maker))
            {
                batch.Start();
                var unfinished = new List<UploadInterruptedException>();
                Pump(batch.Run, new TransferProgressDisplay(this, "Syncing to Vault", requests.Keys.Select(k => batch.Progress[k]).ToList()),
                    o =>
                    {
                        // Only Ctrl+C leaves a file unfinished without a Failed record; any other cancellation is a failure.
                        if (o.Error is UploadInterruptedException stopped && stopped.WasCancelled && StopToken.IsCancellationRequested) unfinished.Add(stopped);
                        else Report(requests[o.Item], o.Succeeded, o.Error is UploadInterruptedException i ? i.ToVaultException() : o.Error);
                    },
                    left =>
                    {
                        unfinished.AddRange(left.Select(o => o.Error).OfType<UploadInterruptedException>());
                        foreach (UploadInterruptedException stopped in unfinished) WriteLastingWarning(stopped.Message);
                        if (unfinished.Count > 0 || left.Count > 0)
                            WriteLastingWarning("The sync was stopped. Run the same command again to finish it: interrupted uploads resume.");
                    });
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
            }
        }

        void Download(List<SyncRecord> send)
        {
            var requests = send.ToDictionary(r => new FileDownloadRequest(r.StagingPath, r.Size ?? 0, r.ModifiedDate, r.LocalPath) { Force = true }, r => r);
            using (var batch = new DownloadBatch(Client, requests.Keys.ToList(), ThrottleLimit, CallContext))
            {
                batch.Start();
                Pump(batch.Run, new TransferProgressDisplay(this, "Syncing from Vault", requests.Keys.Select(k => batch.Progress[k]).ToList()),
                    // Every file not brought is a Failed record and an error; only Ctrl+C leaves files unfinished without one.
                    o => { if (!(o.WasCancelled && StopToken.IsCancellationRequested)) Report(requests[o.Item], o.Succeeded, o.Error); },
                    left =>
                    {
                        if (left.Count > 0 || StopToken.IsCancellationRequested)
                            WriteLastingWarning("The sync was stopped. Run the same command again to finish it: interrupted downloads resume from the bytes on disk.");
                    });
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
            }
        }

        void Remove(List<SyncRecord> delete)
        {
            using (var deleter = new SyncDeleter(Client, ThrottleLimit, CallContext))
            {
                deleter.Start(delete);
                Pump(deleter.Run, null, o => { if (!(o.WasCancelled && StopToken.IsCancellationRequested)) Report(o.Item, o.Succeeded, o.Error); }, null);
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
            }
        }

        void Report(SyncRecord record, bool succeeded, Exception error)
        {
            if (succeeded)
            {
                if (record.Action == null) record.Action = DoneAction;
                WriteVerbose($"{record.Action} {record.RelativePath} ({record.Reason}).");
            }
            else
            {
                record.Action = "Failed";
                record.Reason = error.Message;
                WriteFailure(error is VaultException ? error
                    : (record.Direction == SyncDirection.Upload ? LocalFileFailure.Describe(error, record.LocalPath) : null) ?? new VaultException(VaultFailureKind.Client, "SYNC_FAILED", $"{record.RelativePath} was not synced: {error.Message}", "Run the same command again."), record.RelativePath);
            }
            if (PassThru) WriteObject(record);
        }
    }
}
