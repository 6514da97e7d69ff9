using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    // Reading: Test-Path, Get-Item, Get-ChildItem (and its -Name), Resolve-Path's wildcards, tab completion.
    public sealed partial class VaultStagingProvider
    {
        /// <summary>
        /// Test-Path, and PowerShell's check before most commands. PowerShell swallows whatever this throws (and
        /// answers "does not exist"), so a failure, no connection included, is written as an error here first.
        /// </summary>
        protected override bool ItemExists(string path) => Answer(path, t => Lookup(t) != null);

        protected override bool IsItemContainer(string path) => Answer(path, t => Lookup(t)?.IsFolder == true);

        // Test-Path and Get-Item get a scope of their own, so what they learn ends with them (see Lookup).
        protected override object ItemExistsDynamicParameters(string path) => new VaultItemParameters();

        protected override object GetItemDynamicParameters(string path) => new VaultItemParameters();

        bool Answer(string path, Func<Target, bool> question)
        {
            // A drive's root is taken to be there, connected or not: cd Vault: works, and the command that then
            // needs Vault reports a missing connection once, as a terminating error (which only this check would
            // have turned into a second, misleading "Cannot find path").
            string drive = ProviderPath.DriveOf(path);
            if (ProviderPath.StagingOf(path) == StagingPath.Root && (drive == null || FindDrive(drive) != null)) return true;
            try
            {
                return Guard(path, () => question(Resolve(path)), terminating: true);
            }
            catch (ProviderInvocationException e) when (e.ErrorRecord != null)
            {
                WriteError(e.ErrorRecord);
                return false;
            }
        }

        protected override void GetItem(string path) => Guard(path, () =>
        {
            Target t = Resolve(path);
            StagingItem item = Lookup(t);
            if (item == null)
            {
                WriteError(Errors.NotFound(path));
                return;
            }
            // Get-ChildItem on a file comes here: -Filter, -File and -Directory still apply.
            if (!t.IsStagingRoot && !PassesFilter(item.Name)) return;
            if (DynamicParameters is VaultChildItemParameters kinds && !kinds.Wants(item)) return;
            WriteItem(t, item);
        });

        protected override object GetChildItemsDynamicParameters(string path, bool recurse) =>
            new VaultChildItemParameters { Recurse = recurse };

        protected override object GetChildNamesDynamicParameters(string path) => new VaultChildItemParameters();

        protected override void GetChildItems(string path, bool recurse) => GetChildItems(path, recurse, uint.MaxValue);

        /// <summary>
        /// Get-ChildItem. With -Recurse (or -Depth) everything below the folder comes from ONE recursive listing
        /// (Vault's pages, streamed as they arrive), never a call per folder; -Depth only drops what is deeper.
        /// </summary>
        protected override void GetChildItems(string path, bool recurse, uint depth) => Guard(path, () =>
        {
            Target t = Resolve(path);
            bool deep = recurse && depth > 0;
            var kinds = DynamicParameters as VaultChildItemParameters;
            Listing listing = (DynamicParameters as VaultCommandScope)?.Listings.For(t.Client);
            int remembered = 0;
            long mark = t.Client.ChangeMark;
            void Take(StagingItem item)
            {
                if (item.Path == t.Staging) return; // a file's own path lists the file itself
                if (deep && depth != uint.MaxValue && LevelBelow(item.Path, t.Staging) > depth) return;
                if (remembered++ < ItemMemory.MaxRememberedOfListing) State.MemoryOf(t.Client).Put(item.Path, item, mark); // for tab completion next
                if (!PassesFilter(item.Name) || (kinds != null && !kinds.Wants(item))) return;
                WriteItem(t, item);
            }
            if (!deep && listing != null && listing.TryGetChildren(t.Staging, out IReadOnlyList<StagingItem> known))
            {
                foreach (StagingItem item in known) Take(item);
                return;
            }
            Runner.Stream<StagingItem>((ctx, onItem, shown) => t.Client.ListItemsAsync(t.Staging, deep, onItem, ctx, shown: shown), Take);
        });

        /// <summary>How many folders down from <paramref name="folder"/> an item is (0: a direct child).</summary>
        static uint LevelBelow(string path, string folder)
        {
            string below = StagingPath.RelativeTo(path, folder) ?? "";
            uint level = 0;
            foreach (char c in below) if (c == '/') level++;
            return level;
        }

        /// <summary>
        /// Names of a folder's items: Get-ChildItem -Name, and PowerShell's own walks for wildcards, -Include and
        /// -Exclude. ReturnAllContainers (PowerShell is about to recurse) or a recursing command reads the whole
        /// subtree at once and keeps it for the rest of the command, so the walk costs one listing.
        /// </summary>
        protected override void GetChildNames(string path, ReturnContainers returnContainers) => Guard(path, () =>
        {
            Target t = Resolve(path);
            var scope = DynamicParameters as VaultCommandScope;
            var kinds = DynamicParameters as VaultChildItemParameters;
            bool all = returnContainers == ReturnContainers.ReturnAllContainers;
            foreach (StagingItem child in Children(t, all || (scope != null && scope.Recurse), scope))
            {
                bool matches = PassesFilter(child.Name) && (kinds == null || kinds.Wants(child));
                if (matches || (all && child.IsFolder)) WriteItemObject(child.Name, t.PathOf(child.Path), child.IsFolder);
            }
        });

        /// <summary>A folder's items: from this command's listings when it has them, else listed (recursively when <paramref name="deep"/>, and kept).</summary>
        IEnumerable<StagingItem> Children(Target t, bool deep, VaultCommandScope scope)
        {
            Listing listing = scope?.Listings.For(t.Client);
            if (listing != null && (!deep || listing.HasTree(t.Staging)) && listing.TryGetChildren(t.Staging, out IReadOnlyList<StagingItem> known)) return known;
            var read = new List<StagingItem>();
            bool keep = listing != null && deep;
            long mark = t.Client.ChangeMark;
            Runner.Stream<StagingItem>((ctx, onItem, shown) => t.Client.ListItemsAsync(t.Staging, keep, onItem, ctx, shown: shown), item =>
            {
                if (item.Path != t.Staging) read.Add(item);
            });
            foreach (StagingItem item in read.Take(ItemMemory.MaxRememberedOfListing)) State.MemoryOf(t.Client).Put(item.Path, item, mark);
            if (listing == null) return read;
            if (keep) listing.AddTree(t.Staging, read);
            else listing.AddFolder(t.Staging, read);
            listing.TryGetChildren(t.Staging, out IReadOnlyList<StagingItem> children);
            return children ?? read;
        }

        /// <summary>Remove-Item asks this before removing a folder without -Recurse (and then asks the user).</summary>
        protected override bool HasChildItems(string path) => Guard(path, () =>
        {
            Target t = Resolve(path);
            Listing listing = (DynamicParameters as VaultCommandScope)?.Listings.For(t.Client);
            if (listing != null && listing.TryGetChildren(t.Staging, out IReadOnlyList<StagingItem> known)) return known.Count > 0;
            return Runner.Run(ctx => t.Client.LookUpAsync(t.Staging, ctx)).HasChildren;
        }, terminating: true);
    }
}
