using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// The files of one Receive-VaultFile (or one sync's downloads), fetched <c>throttleLimit</c> files at a
    /// time, each in several ranges. Two remote files that would land on one local file (names that differ
    /// only by case, where the file system ignores case) are refused before anything is fetched: the first
    /// keeps its place, the others fail naming both. Disposing the batch cancels and waits for everything.
    /// </summary>
    internal sealed class DownloadBatch : IDisposable
    {
        readonly VaultClient _client;
        readonly VaultCallContext _ctx;
        readonly List<FileDownloadRequest> _files;
        readonly Dictionary<FileDownloadRequest, VaultException> _refused = new Dictionary<FileDownloadRequest, VaultException>();

        public DownloadBatch(VaultClient client, IReadOnlyList<FileDownloadRequest> files, int throttleLimit, VaultCallContext ctx)
        {
            _client = client;
            _ctx = ctx;
            _files = files.ToList();
            var taken = new Dictionary<string, FileDownloadRequest>(StringComparer.Ordinal);
            foreach (FileDownloadRequest f in _files)
            {
                string key = LocalNames.CollisionKey(System.IO.Path.GetFullPath(f.LocalPath));
                if (taken.TryGetValue(key, out FileDownloadRequest first))
                    _refused[f] = new VaultException(VaultFailureKind.Client, "LOCAL_NAME_COLLISION",
                        $"{f.RemotePath} was not downloaded: it would be the same local file as {first.RemotePath} ({first.LocalPath}), because this file system does not tell names apart by case.",
                        "Rename one of them on the staging server, or download them into different folders.");
                else taken[key] = f;
            }
            Run = new TransferRun<FileDownloadRequest, DownloadResult>(throttleLimit, ctx.CancellationToken);
            Progress = _files.ToDictionary(f => f, f => new TransferProgress(f.RemotePath, f.Size));
        }

        public TransferRun<FileDownloadRequest, DownloadResult> Run { get; }
        public IReadOnlyDictionary<FileDownloadRequest, TransferProgress> Progress { get; }

        public void Start()
        {
            var downloader = new FileDownloader(_client);
            Run.Start(_files, (file, token) =>
            {
                if (_refused.TryGetValue(file, out VaultException refused))
                {
                    Progress[file].Finish();
                    throw refused;
                }
                return downloader.DownloadAsync(file, Progress[file], _ctx.WithCancellation(token));
            });
        }

        public void Dispose() => Run.Dispose();
    }
}
