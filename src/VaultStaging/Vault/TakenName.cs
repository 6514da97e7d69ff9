using System;
using System.Threading.Tasks;

namespace VaultStaging.Vault
{
    /// <summary>
    /// The look before a move or rename. Vault does either in a job, and what that job does when the name is
    /// taken in the target folder is UNCONFIRMED: it may end in a job status that does not say why, or replace
    /// the item that is there. So every command that moves or renames (Move-VaultStagingItem,
    /// Rename-VaultStagingItem, and Move-Item and Rename-Item on a drive) looks first, and refuses with
    /// ITEM_NAME_EXISTS, the type Vault gives a folder created on a taken name, before any job starts.
    /// </summary>
    internal static class TakenName
    {
        /// <summary>
        /// One lookup of <paramref name="target"/>; an item there, other than <paramref name="source"/> itself,
        /// is an ITEM_NAME_EXISTS <see cref="VaultException"/> from <see cref="Error"/>.
        /// </summary>
        public static async Task RefuseIfTakenAsync(VaultClient client, string source, string target, string done, string hint,
            VaultCallContext ctx, Func<string, string> shown = null)
        {
            StagingItem there = await client.GetItemAsync(target, ctx).ConfigureAwait(false);
            if (there == null || string.Equals(there.Path, source, StringComparison.Ordinal)) return;
            throw Error(there, source, target, done, hint, shown);
        }

        /// <summary>
        /// "A file named x.csv is already in /Imports, so /Exports/x.csv was not moved (ITEM_NAME_EXISTS)."
        /// <paramref name="done"/> is what did not happen ("moved", "renamed"); <paramref name="shown"/> turns a
        /// staging path into the form the user typed (a drive path on a drive), or null for staging paths.
        /// </summary>
        public static VaultException Error(StagingItem there, string source, string target, string done, string hint, Func<string, string> shown = null)
        {
            Func<string, string> show = shown ?? (p => p);
            return new VaultException(VaultFailureKind.Client, "ITEM_NAME_EXISTS",
                $"A {(there.IsFolder ? "folder" : "file")} named {StagingPath.NameOf(target)} is already in {show(StagingPath.ParentOf(target) ?? StagingPath.Root)}, so {show(source)} was not {done} (ITEM_NAME_EXISTS).",
                hint);
        }
    }
}
