using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// The deletions of a sync with -Delete, after its transfers: on the staging server each is a Vault job
    /// (<see cref="ItemChange"/>: started, then waited for; the jobs wait together, each on its own 10-second
    /// clock), locally a file or a folder with what is in it. A job that does not end in SUCCESS fails that record.
    /// </summary>
    internal sealed class SyncDeleter : IDisposable
    {
        readonly VaultClient _client;
        readonly VaultCallContext _ctx;

        public SyncDeleter(VaultClient client, int throttleLimit, VaultCallContext ctx)
        {
            _client = client;
            _ctx = ctx;
            Run = new TransferRun<SyncRecord, SyncRecord>(throttleLimit, ctx.CancellationToken);
        }

        public TransferRun<SyncRecord, SyncRecord> Run { get; }

        public void Start(IEnumerable<SyncRecord> deletions) => Run.Start(deletions, DeleteAsync);

        async Task<SyncRecord> DeleteAsync(SyncRecord record, CancellationToken token)
        {
            VaultCallContext ctx = _ctx.WithCancellation(token);
            if (record.Direction == SyncDirection.Upload)
            {
                await ItemChange.Delete(record.StagingPath, record.Kind == StagingItemKind.Folder).RunAsync(_client, ctx).ConfigureAwait(false);
            }
            else if (record.Kind == StagingItemKind.Folder)
            {
                if (Directory.Exists(record.LocalPath)) Directory.Delete(record.LocalPath, recursive: true);
            }
            else if (File.Exists(record.LocalPath))
            {
                File.Delete(record.LocalPath);
            }
            record.Action = "Deleted";
            return record;
        }

        public void Dispose() => Run.Dispose();
    }
}
