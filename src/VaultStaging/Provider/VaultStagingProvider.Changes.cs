using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    // Changing: New-Item, Remove-Item, Rename-Item, Move-Item (the last three are Vault jobs, waited for), and
    // Copy-Item's refusal. A change goes through the client, whose ChangeMark then ends what the short cache knew.
    public sealed partial class VaultStagingProvider
    {
        /// <summary>New-Item -ItemType Directory (-Force: missing parents too, and an existing folder is fine) or File (-Value, -Force replaces).</summary>
        protected override void NewItem(string path, string itemTypeName, object newItemValue) => Guard(path, () =>
        {
            Target t = Resolve(path);
            bool folder;
            switch ((itemTypeName ?? "").Trim().ToLowerInvariant())
            {
                case "":
                case "file":
                    folder = false;
                    break;
                case "directory":
                case "folder":
                case "container":
                    folder = true;
                    break;
                default:
                    throw new VaultInputException("ItemType", $"A Vault drive holds files and folders: -ItemType must be Directory or File, not '{itemTypeName}'.");
            }
            string staging = StagingPath.ValidateAny(t.Staging, "Path", allowRoot: false);
            if (!ShouldProcess(t.PathOf(staging), folder ? "Create folder" : "Create file")) return;
            StagingItem item = folder ? NewFolder(t, staging) : NewFile(t, staging, newItemValue);
            if (item != null) WriteItem(t, item);
        });

        StagingItem NewFolder(Target t, string staging)
        {
            StagingItem there = Lookup(t);
            if (there != null)
            {
                if (there.IsFolder && Force) return there;
                throw Exists(t, staging, there, there.IsFolder ? "New-Item -Force returns the existing folder." : "Remove the file first, or choose another name.");
            }
            EnsureParent(t, StagingPath.ParentOf(staging), "New-Item -ItemType Directory -Force makes the missing folders too.");
            Runner.Run(ctx => t.Client.CreateFolderAsync(staging, ctx));
            return StagingItem.Folder(staging);
        }

        StagingItem NewFile(Target t, string staging, object value)
        {
            StagingItem there = Lookup(t);
            if (there != null && (there.IsFolder || !Force))
                throw Exists(t, staging, there, there.IsFolder ? "Choose another name." : "New-Item -Force replaces the file; Set-Content replaces its content.");
            EnsureParent(t, StagingPath.ParentOf(staging), "New-Item -Force makes the missing folders too.");
            object raw = value is PSObject pso ? pso.BaseObject : value;
            byte[] bytes = raw as byte[] ?? new UTF8Encoding(false).GetBytes(raw == null ? "" : LanguagePrimitives.ConvertTo<string>(raw));
            StagingItem item = Upload(t, staging, bytes, bytes.Length, overwrite: there != null);
            return item.ModifiedDate != null ? item : WithModifiedDate(t, staging, item);
        }

        /// <summary>
        /// Vault's answer to a created file has no modified_date, so New-Item would show the new file with an
        /// empty Modified: the date is read back from Vault (one listing call). Worth that call: New-Item makes one
        /// file, and the date shown is Vault's own (its clock, whole seconds), the one dir and a sync see later,
        /// which the local clock's time of the answer would not be. The file is in place either way, so a failed
        /// read only leaves the date out (a verbose line says why).
        /// </summary>
        StagingItem WithModifiedDate(Target t, string staging, StagingItem item)
        {
            try
            {
                StagingItem listed = Runner.Run(ctx => t.Client.GetItemAsync(staging, ctx));
                if (listed != null && !listed.IsFolder) item.ModifiedDate = listed.ModifiedDate;
            }
            catch (VaultException e)
            {
                WriteVerbose($"{t.PathOf(staging)} was created; its modified date could not be read: {e.Message}");
            }
            return item;
        }

        static VaultException Exists(Target t, string staging, StagingItem there, string hint) =>
            Errors.Refused("ITEM_NAME_EXISTS", $"An item with the name {t.PathOf(staging)} already exists ({(there.IsFolder ? "a folder" : "a file")}).", hint);

        /// <summary>New-Item's parent folder: with -Force the missing folders are made (mkdir -p), else it must be there.</summary>
        void EnsureParent(Target t, string parent, string hint)
        {
            if (Force && !IsFolder(t, parent))
            {
                var maker = new FolderMaker(t.Client);
                Runner.Run(ctx => maker.EnsureAsync(parent, ctx));
            }
            else
            {
                RequireParent(t, parent, hint);
            }
        }

        /// <summary>Sends a small file in one call, checked by MD5 and sent again if it arrived damaged (as Send-VaultFile does).</summary>
        internal StagingItem Upload(Target t, string staging, byte[] bytes, int length, bool overwrite)
        {
            if (length > VaultClient.MaxDirectFileSize)
                throw Errors.Refused("EXCEEDS_FILE_MAX_SIZE",
                    $"{t.PathOf(staging)} would be {length:N0} bytes; a Vault drive writes files of at most {VaultClient.MaxDirectFileSize:N0} bytes.",
                    "Use Send-VaultFile for larger files: it uploads them in parts.");
            StagingItem item = Runner.Run(async ctx => (await DirectUpload.SendAsync(t.Client, staging, length,
                () => new MemoryStream(bytes, 0, length, writable: false), overwrite, null, ctx).ConfigureAwait(false)).Item);
            item.Name = StagingPath.NameOf(staging); // the client already gives the path in the form asked for
            return item;
        }

        bool IsFolder(Target t, string folder) => folder == null || folder == StagingPath.Root || Lookup(t.At(folder))?.IsFolder == true;

        /// <summary>The parent folder must be there (Vault makes no parents): a clear error otherwise.</summary>
        void RequireParent(Target t, string parent, string hint)
        {
            if (parent == null || parent == StagingPath.Root) return;
            StagingItem folder = Lookup(t.At(parent));
            if (folder != null && folder.IsFolder) return;
            throw Errors.Refused(folder == null ? "PathNotFound" : "InvalidArgument",
                folder == null ? $"The folder {t.PathOf(parent)} does not exist." : $"{t.PathOf(parent)} is a file, not a folder.", hint);
        }

        protected override object RemoveItemDynamicParameters(string path, bool recurse) => new VaultRemoveItemParameters { Recurse = recurse };

        /// <summary>
        /// Remove-Item: one Vault job per item, waited for (Vault allows a status read per job every 10 s). A
        /// folder with items and no -Recurse never gets here unasked: PowerShell asks first (HasChildItems).
        /// </summary>
        protected override void RemoveItem(string path, bool recurse) => Guard(path, () =>
        {
            Target t = Resolve(path);
            if (t.IsStagingRoot)
                throw Errors.Refused("OPERATION_NOT_ALLOWED", $"{path} is the root of the staging server; it cannot be removed.", "Remove the items in it instead: Remove-Item " + t.PathOf("/") + "* -Recurse.");
            StagingItem item = Lookup(t);
            if (item == null) WriteError(Errors.NotFound(path));
            else if (ShouldProcess(t.PathOf(t.Staging), item.IsFolder ? "Remove folder" : "Remove file")) RunJob(t, ItemChange.Delete(t.Staging, item.IsFolder && recurse), "Remove-Item");
        });

        protected override void RenameItem(string path, string newName) => Guard(path, () =>
        {
            Target t = Resolve(path);
            if (t.IsStagingRoot) throw Errors.Refused("OPERATION_NOT_ALLOWED", "The root of the staging server cannot be renamed.", "");
            var change = ItemChange.Rename(t.Staging, StagingPath.ValidateName(newName, "NewName"));
            StagingItem item = Lookup(t);
            if (item == null) WriteError(Errors.NotFound(path));
            else Change(t, t, item, change, "Rename-Item", "Choose another name, or rename or remove the item that is there first.");
        });

        /// <summary>
        /// Move-Item within the drive's connection: into an existing folder, or to a new path (a move and a rename
        /// in one Vault job). Between two connections it is refused (download and upload instead).
        /// </summary>
        protected override void MoveItem(string path, string destination) => Guard(path, () =>
        {
            Target from = Resolve(path);
            Target to = Resolve(destination);
            if (!ReferenceEquals(from.Client, to.Client))
                throw Errors.Refused("OPERATION_NOT_ALLOWED",
                    $"Move-Item cannot move {path} to {destination}: the two drives are on different connections ({from.Connection} and {to.Connection}).",
                    "Download with Receive-VaultFile and upload with Send-VaultFile to copy between vaults or users.");
            if (from.IsStagingRoot) throw Errors.Refused("OPERATION_NOT_ALLOWED", "The root of the staging server cannot be moved.", "");
            StagingItem item = Lookup(from);
            if (item == null)
            {
                WriteError(Errors.NotFound(path));
                return;
            }
            StagingItem there = Lookup(to);
            bool into = there != null && there.IsFolder;
            string newParent = into ? to.Staging : StagingPath.ParentOf(to.Staging);
            string newName = into ? StagingPath.NameOf(from.Staging) : StagingPath.ValidateName(StagingPath.NameOf(to.Staging), "Destination");
            var change = ItemChange.Move(from.Staging, newParent == StagingPath.ParentOf(from.Staging) ? null : newParent,
                newName == StagingPath.NameOf(from.Staging) ? null : newName);
            if (there == null) RequireParent(to, newParent, "Make the folder first: New-Item -ItemType Directory.");
            else if (!into && !change.ChangesNothing) throw change.Taken(there, "Remove it first, or move to another name.", to.PathOf);
            if (item.IsFolder && change.IntoItself)
                throw Errors.Refused("OPERATION_NOT_ALLOWED", $"{path} cannot be moved into itself.", "");
            Change(from, to, item, change, "Move-Item",
                "Move it under another name (Move-Item to the full new path), or move, rename or remove the item that is there first.", checkTarget: there != null);
        });

        /// <summary>
        /// Rename-Item and Move-Item once the item is known: the target name checked (a new path Move-Item looked up is
        /// known to be free), the question, the job, and the item at its new path. A change onto the item's own
        /// path starts no job and writes the item as it is, as the file system's provider does.
        /// </summary>
        void Change(Target from, Target to, StagingItem item, ItemChange change, string cmdlet, string hint, bool checkTarget = true)
        {
            if (!change.ChangesNothing)
            {
                if (checkTarget) Runner.Run(ctx => change.RefuseTakenNameAsync(from.Client, hint, ctx, to.PathOf));
                if (!ShouldProcess($"Item: {from.PathOf(from.Staging)} Destination: {to.PathOf(change.Target)}", cmdlet.Replace('-', ' '))) return;
                RunJob(from, change, cmdlet);
            }
            WriteItem(to, Copy(item, change.Target));
        }

        /// <summary>Copy-Item within or out of a Vault drive: refused with the cmdlets that do it (see also MakePath).</summary>
        protected override void CopyItem(string path, string copyPath, bool recurse) =>
            WriteError(Errors.CopyNotSupported(path, copyPath, Errors.Crossing.Within));

        /// <summary>Copy-Item from a Vault drive to another provider is refused here, before PowerShell's own less helpful error.</summary>
        protected override object CopyItemDynamicParameters(string path, string destination, bool recurse)
        {
            if (!OnThisProvider(destination)) ThrowTerminatingError(Errors.CopyNotSupported(path, destination, Errors.Crossing.Download));
            return null;
        }

        /// <summary>Move-Item off the drive: the same pointer to Receive-VaultFile.</summary>
        protected override object MoveItemDynamicParameters(string path, string destination)
        {
            if (!OnThisProvider(destination)) ThrowTerminatingError(Errors.CopyNotSupported(path, destination, Errors.Crossing.MoveOut));
            return new VaultItemParameters();
        }

        protected override object NewItemDynamicParameters(string path, string itemTypeName, object newItemValue) => new VaultItemParameters();

        protected override object RenameItemDynamicParameters(string path, string newName) => new VaultItemParameters();

        /// <summary>Whether a destination as typed resolves to this provider (an unreadable one counts as yes: PowerShell reports it).</summary>
        bool OnThisProvider(string destination)
        {
            ProviderInfo provider;
            try
            {
                if (string.IsNullOrEmpty(destination)) provider = SessionState.Path.CurrentLocation.Provider;
                else SessionState.Path.GetUnresolvedProviderPathFromPSPath(destination, out provider, out PSDriveInfo _);
            }
            catch (Exception)
            {
                return true;
            }
            return provider == null || provider.ImplementingType == typeof(VaultStagingProvider);
        }

        /// <summary>Starts the change's job and waits for it; anything but SUCCESS is an error that names the job and its status.</summary>
        void RunJob(Target t, ItemChange change, string cmdlet)
        {
            string what = cmdlet + " " + t.PathOf(change.Source);
            try
            {
                Runner.Run(ctx => change.RunAsync(t.Client, ctx, failure: job => job.Failure(
                    $"{what}: Vault's job {job.JobId} ended {job.Status ?? "without a status"}; nothing may have changed.",
                    "Check the items with Get-ChildItem, then try again.")));
            }
            finally
            {
                Forget(t, change.Source);
            }
        }

        // (The short cache needs no word: the change went through the client, which moved its ChangeMark.)
        void Forget(Target t, string staging)
        {
            (DynamicParameters as VaultCommandScope)?.Listings.For(t.Client).Forget(staging);
        }
    }
}
