using System;
using System.Collections.Generic;

namespace VaultStaging.Vault
{
    /// <summary>
    /// The folders of a recursive listing, whichever form the vault answers it in (UNCONFIRMED, vault-api.md):
    /// Veeva's reference lists each folder before its contents; the answers vvfst's authors recorded from a vault
    /// hold the files alone. Either way the caller gets every folder below the listed one once, before the first
    /// item inside it: a folder the vault left out is derived from the paths below it. (An empty folder such a
    /// vault leaves out cannot be derived: nothing names it.)
    /// </summary>
    internal sealed class DerivedFolders
    {
        readonly string _root;
        readonly HashSet<string> _given = new HashSet<string>(StagingPath.Comparer);

        /// <param name="root">The folder listed, in the same form as the items' paths.</param>
        public DerivedFolders(string root)
        {
            _root = StagingPath.Normalize(root);
        }

        /// <summary>
        /// The folders above <paramref name="item"/> (below the listed folder) not given yet, top down, then the
        /// item itself, unless it is a folder already given (derived from an earlier path).
        /// </summary>
        public IEnumerable<StagingItem> Complete(StagingItem item)
        {
            if (item.Path == null)
            {
                yield return item;
                yield break;
            }
            var missing = new Stack<string>();
            for (string folder = StagingPath.ParentOf(item.Path);
                 folder != null && folder != _root && StagingPath.IsWithin(folder, _root) && !_given.Contains(folder);
                 folder = StagingPath.ParentOf(folder))
            {
                missing.Push(folder);
            }
            while (missing.Count > 0)
            {
                string folder = missing.Pop();
                _given.Add(folder);
                StagingItem derived = StagingItem.Folder(folder);
                derived.Derived = true;
                yield return derived;
            }
            if (item.IsFolder && !_given.Add(item.Path)) yield break;
            yield return item;
        }
    }
}
