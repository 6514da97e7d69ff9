using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// Makes the staging folders a transfer needs, parents first (Vault creates no parents), each at most
    /// once per command however many files go into it. A folder that is already there (ITEM_NAME_EXISTS) is
    /// simply used. Which error Vault gives for a missing parent is not documented, so any refusal of a
    /// folder whose parent is not known to exist is answered by making the parent, then the folder again.
    /// A file where a folder is needed is an error that says so (Vault itself only says the folder does not
    /// exist, or that the name is taken).
    /// </summary>
    internal sealed class FolderMaker
    {
        readonly VaultClient _client;
        readonly ConcurrentDictionary<string, Lazy<Task>> _folders = new ConcurrentDictionary<string, Lazy<Task>>(StagingPath.Comparer);
        int _created;

        /// <param name="client">The connection's client.</param>
        /// <param name="known">Folders known to exist already (from a listing): never asked for.</param>
        public FolderMaker(VaultClient client, IEnumerable<string> known = null)
        {
            _client = client;
            if (known != null)
                foreach (string folder in known) _folders[StagingPath.Normalize(folder)] = new Lazy<Task>(() => Task.CompletedTask);
        }

        /// <summary>Folders this maker created.</summary>
        public int Created => Volatile.Read(ref _created);

        /// <summary>Makes sure <paramref name="folder"/> and its parents exist.</summary>
        public Task EnsureAsync(string folder, VaultCallContext ctx)
        {
            string normal = StagingPath.Normalize(folder);
            if (normal == StagingPath.Root) return Task.CompletedTask;
            Task made = _folders.GetOrAdd(normal, f => new Lazy<Task>(() => MakeAsync(f, ctx))).Value;
            // A failed or cancelled attempt is not remembered: the next file asks again.
            if (made.IsFaulted || made.IsCanceled) _folders.TryRemove(normal, out _);
            return made;
        }

        async Task MakeAsync(string folder, VaultCallContext ctx)
        {
            try
            {
                await CreateAsync(folder, ctx).ConfigureAwait(false);
            }
            catch (VaultException e) when (VaultClient.IsNotFound(e) && StagingPath.ParentOf(folder) != StagingPath.Root)
            {
                ctx.Verbose($"Vault refused the folder {folder} ({e.ErrorType}); making its parent first.");
                await EnsureAsync(StagingPath.ParentOf(folder), ctx).ConfigureAwait(false);
                await CreateAsync(folder, ctx).ConfigureAwait(false);
            }
        }

        async Task CreateAsync(string folder, VaultCallContext ctx)
        {
            try
            {
                await _client.CreateFolderAsync(folder, ctx).ConfigureAwait(false);
                Interlocked.Increment(ref _created);
                ctx.Verbose($"Created the staging folder {folder}.");
            }
            catch (VaultException e) when (e.ErrorType == "ITEM_NAME_EXISTS")
            {
                // Something of that name is there: used as it is when it is a folder.
                StagingItem there = await _client.GetItemAsync(folder, ctx).ConfigureAwait(false);
                if (there != null && !there.IsFolder)
                    throw e.Rephrased($"A file named {StagingPath.NameOf(folder)} is already at {folder}, where a folder is needed: nothing can be put into it.",
                        "Choose another destination, or rename or remove that file first (Rename-VaultStagingItem, Remove-VaultStagingItem).");
                ctx.Verbose($"The staging folder {folder} is already there.");
            }
        }
    }
}
