using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Threading;
using VaultStaging.Vault;

namespace VaultStaging.Host
{
    /// <summary>
    /// Everything the module keeps for one runspace, in one place (as PSOpenAD keeps its GlobalState): the
    /// default connection, the vaults connected to, the provider's calls waiting on Vault, and the few
    /// seconds of memory that tab completion and the drive share. Never a plain static: a ForEach-Object
    /// -Parallel iteration or a job runs in another runspace and must not use (or replace) this one's
    /// session unasked. The table holds runspaces weakly, so a closed runspace takes its state with it.
    /// </summary>
    internal sealed class RunspaceStore
    {
        static readonly ConditionalWeakTable<Runspace, RunspaceStore> Table = new ConditionalWeakTable<Runspace, RunspaceStore>();

        /// <summary>The state of the runspace this thread runs in; outside any runspace, an empty one that keeps nothing.</summary>
        public static RunspaceStore Current => Of(Runspace.DefaultRunspace);

        public static RunspaceStore Of(Runspace runspace) =>
            runspace == null ? new RunspaceStore() : Table.GetValue(runspace, _ => new RunspaceStore());

        readonly object _gate = new object();
        VaultConnection _default;
        readonly List<string> _vaults = new List<string>();
        readonly List<VaultConnection> _made = new List<VaultConnection>();
        readonly HashSet<CancellationTokenSource> _calls = new HashSet<CancellationTokenSource>();
        readonly ConditionalWeakTable<VaultClient, ItemMemory> _memory = new ConditionalWeakTable<VaultClient, ItemMemory>();

        // ---- Connections --------------------------------------------------------------------------------

        /// <summary>The default connection (Connect-Vault), or null.</summary>
        public VaultConnection DefaultConnection
        {
            get { lock (_gate) return _default; }
            set
            {
                lock (_gate)
                {
                    _default = value;
                    if (value == null) return;
                    if (!_made.Contains(value)) _made.Add(value);
                    // What the user would type again: the DNS name for https, the whole address otherwise.
                    string typed = value.BaseUri.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? value.Vault : value.BaseUri.TrimEnd('/');
                    _vaults.Remove(typed);
                    _vaults.Insert(0, typed);
                }
            }
        }

        /// <summary>The vaults connected to in this runspace, the latest first (for -Vault completion).</summary>
        public IReadOnlyList<string> ConnectedVaults
        {
            get { lock (_gate) return _vaults.ToArray(); }
        }

        /// <summary>
        /// Remove-Module: every connection Connect-Vault made in this runspace is closed (its sockets released)
        /// and the default forgotten. A connection handed to another runspace ($using:) closes with it: the
        /// module that made it is gone.
        /// </summary>
        public void CloseConnections()
        {
            VaultConnection[] made;
            lock (_gate)
            {
                made = _made.ToArray();
                _made.Clear();
                _default = null;
            }
            foreach (VaultConnection connection in made)
            {
                try { connection.Client.Dispose(); }
                catch (Exception) { } // closing is best effort; the session expires on its own
            }
        }

        // ---- Calls in flight ----------------------------------------------------------------------------

        /// <summary>
        /// A provider call waiting on Vault. PowerShell calls some provider methods with a context of their own
        /// (Get-ChildItem -Recurse asks IsItemContainer that way first), which never hears of Ctrl+C; but
        /// StopProcessing reaches another instance of the provider in the same runspace, and that instance
        /// cancels them all. A runspace runs one pipeline at a time (nested ones stop with it).
        /// </summary>
        public void AddCall(CancellationTokenSource call)
        {
            lock (_calls) _calls.Add(call);
        }

        public void RemoveCall(CancellationTokenSource call)
        {
            lock (_calls) _calls.Remove(call);
        }

        public void CancelCalls()
        {
            CancellationTokenSource[] now;
            lock (_calls)
            {
                now = new CancellationTokenSource[_calls.Count];
                _calls.CopyTo(now);
            }
            foreach (CancellationTokenSource call in now)
            {
                try { call.Cancel(); }
                catch (ObjectDisposedException) { }
            }
        }

        // ---- Memory for completion and the drive -------------------------------------------------------

        /// <summary>This runspace's few seconds of memory of <paramref name="client"/>'s staging server.</summary>
        public ItemMemory MemoryOf(VaultClient client) => _memory.GetValue(client, _ => new ItemMemory(client));
    }

    /// <summary>
    /// A few seconds of memory of one connection's staging server, for the calls that come without a command of
    /// ours to keep it in: tab completion (which asks at every key press), Set-Location and Resolve-Path. An entry
    /// holds only while nothing that may change what is staged went through its connection
    /// (<see cref="VaultClient.ChangeMark"/>: Send-VaultFile, Remove-VaultStagingItem, a drive's New-Item, a job's
    /// status read), so what this runspace changed is never answered from before the change.
    /// </summary>
    internal sealed class ItemMemory
    {
        static readonly long Lifetime = 3 * Stopwatch.Frequency;
        static readonly long FolderLifetime = 5 * Stopwatch.Frequency;

        /// <summary>How many items of one listing are remembered (the first ones: what tab completion offers).</summary>
        internal const int MaxRememberedOfListing = 1000;
        const int MaxEntries = 10000;

        readonly VaultClient _client;
        readonly Dictionary<string, (StagingItem Item, long Stamp, long Mark)> _items = new Dictionary<string, (StagingItem, long, long)>(StagingPath.Comparer);
        (string Folder, List<StagingItem> Items, long Stamp, long Mark) _folder;

        internal ItemMemory(VaultClient client) => _client = client;

        static long Now => Stopwatch.GetTimestamp();

        /// <summary>What was at <paramref name="path"/> a moment ago, and not before <paramref name="since"/> (<paramref name="item"/> null: nothing).</summary>
        public bool TryGet(string path, out StagingItem item, long since = 0)
        {
            item = null;
            lock (_items)
            {
                if (!_items.TryGetValue(path, out var entry) || entry.Stamp < since) return false;
                if (Now - entry.Stamp > Lifetime || entry.Mark != _client.ChangeMark)
                {
                    _items.Remove(path);
                    return false;
                }
                item = entry.Item;
                return true;
            }
        }

        /// <summary>Remembers what a call that started at change mark <paramref name="mark"/> found at <paramref name="path"/>.</summary>
        public void Put(string path, StagingItem item, long mark)
        {
            if (mark != _client.ChangeMark) return; // something may have changed while it was asked
            lock (_items)
            {
                if (_items.Count >= MaxEntries)
                {
                    var old = new List<string>();
                    foreach (var pair in _items) if (Now - pair.Value.Stamp > Lifetime) old.Add(pair.Key);
                    foreach (string key in old) _items.Remove(key);
                }
                if (_items.Count < MaxEntries) _items[path] = (item, Now, mark);
            }
        }

        /// <summary>The one folder listing tab completion kept (a few seconds, until the next change), or null.</summary>
        public List<StagingItem> FolderListing(string folder)
        {
            lock (_items)
                return _folder.Folder == folder && _folder.Mark == _client.ChangeMark && Now - _folder.Stamp < FolderLifetime ? _folder.Items : null;
        }

        public void KeepFolderListing(string folder, List<StagingItem> items, long mark)
        {
            lock (_items) _folder = (folder, items, Now, mark);
        }
    }

    /// <summary>Remove-Module VaultStaging: the connections this runspace made are closed.</summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) => RunspaceStore.Current.CloseConnections();
    }
}
