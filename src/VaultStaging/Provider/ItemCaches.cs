using System;
using System.Collections.Generic;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>
    /// What one command (Get-ChildItem, Remove-Item) already listed, per connection, kept in its dynamic
    /// parameters object (<see cref="VaultCommandScope"/>) and so gone with the command. A recursive listing
    /// makes a whole subtree known: an item not in it is not there.
    /// </summary>
    internal sealed class CommandListings
    {
        readonly Dictionary<VaultClient, Listing> _byClient = new Dictionary<VaultClient, Listing>();

        public Listing For(VaultClient client)
        {
            lock (_byClient)
            {
                if (!_byClient.TryGetValue(client, out Listing listing)) _byClient[client] = listing = new Listing();
                return listing;
            }
        }
    }

    internal sealed class Listing
    {
        readonly Dictionary<string, List<StagingItem>> _children = new Dictionary<string, List<StagingItem>>(StagingPath.Comparer);
        readonly Dictionary<string, StagingItem> _items = new Dictionary<string, StagingItem>(StagingPath.Comparer);
        readonly List<string> _deep = new List<string>();

        /// <summary>The contents of <paramref name="folder"/> when this command listed them.</summary>
        public bool TryGetChildren(string folder, out IReadOnlyList<StagingItem> children)
        {
            lock (_items)
            {
                children = _children.TryGetValue(folder, out List<StagingItem> list) ? list.ToArray() : null;
                return children != null;
            }
        }

        /// <summary>Whether one recursive listing of this command covered everything below <paramref name="folder"/>.</summary>
        public bool HasTree(string folder)
        {
            lock (_items)
            {
                foreach (string root in _deep)
                    if (StagingPath.IsWithin(folder, root)) return true;
                return false;
            }
        }

        /// <summary>Whether this command knows what is at <paramref name="path"/>; <paramref name="item"/> null means nothing is.</summary>
        public bool TryGetItem(string path, out StagingItem item)
        {
            lock (_items)
            {
                if (_items.TryGetValue(path, out item)) return true;
                foreach (string root in _deep)
                    if (path != root && StagingPath.IsWithin(path, root)) return true;
                string parent = StagingPath.ParentOf(path);
                return parent != null && _children.ContainsKey(parent);
            }
        }

        /// <summary>What one lookup found at <paramref name="path"/> (null: nothing).</summary>
        public void Remember(string path, StagingItem item)
        {
            lock (_items) _items[path] = item;
        }

        /// <summary>A folder's contents, as one listing answered them.</summary>
        public void AddFolder(string folder, IEnumerable<StagingItem> children)
        {
            lock (_items)
            {
                var list = new List<StagingItem>();
                foreach (StagingItem child in children)
                {
                    list.Add(child);
                    _items[child.Path] = child;
                }
                _children[folder] = list;
                if (!_items.ContainsKey(folder)) _items[folder] = StagingItem.Folder(folder);
            }
        }

        /// <summary>Everything below <paramref name="root"/>, as one recursive listing answered it.</summary>
        public void AddTree(string root, IEnumerable<StagingItem> all)
        {
            lock (_items)
            {
                _children[root] = new List<StagingItem>();
                if (!_items.ContainsKey(root)) _items[root] = StagingItem.Folder(root);
                foreach (StagingItem item in all)
                {
                    _items[item.Path] = item;
                    if (item.IsFolder && !_children.ContainsKey(item.Path)) _children[item.Path] = new List<StagingItem>();
                    string parent = StagingPath.ParentOf(item.Path);
                    if (parent == null) continue;
                    if (!_children.TryGetValue(parent, out List<StagingItem> siblings)) _children[parent] = siblings = new List<StagingItem>();
                    siblings.Add(item);
                }
                _deep.Add(root);
            }
        }

        /// <summary>After a delete or move: <paramref name="path"/> and everything below it are gone.</summary>
        public void Forget(string path)
        {
            lock (_items)
            {
                var gone = new List<string>();
                foreach (string known in _items.Keys) if (StagingPath.IsWithin(known, path)) gone.Add(known);
                foreach (string known in gone)
                {
                    _items.Remove(known);
                    _children.Remove(known);
                }
                string parent = StagingPath.ParentOf(path);
                if (parent != null && _children.TryGetValue(parent, out List<StagingItem> siblings))
                    siblings.RemoveAll(i => i.Path == path);
            }
        }
    }
}
