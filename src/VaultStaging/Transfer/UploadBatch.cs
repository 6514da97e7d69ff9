using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// The files of one Send-VaultFile (or one sync's uploads): checked together before anything is sent,
    /// then sent <c>throttleLimit</c> at a time. The vault's upload sessions are listed once for the whole
    /// batch, and only if a file needs a session; destination folders are made once each. Outcomes come out
    /// of <see cref="Run"/> as files end; disposing the batch cancels and waits for everything it started.
    /// </summary>
    internal sealed class UploadBatch : IDisposable
    {
        readonly VaultClient _client;
        readonly ITransferHost _host;
        readonly IReadOnlyList<FileUploadRequest> _files;
        readonly VaultCallContext _ctx;
        readonly FolderMaker _folders;
        Lazy<Task<List<UploadSession>>> _sessions;

        public UploadBatch(VaultClient client, ITransferHost host, IReadOnlyList<FileUploadRequest> files, int throttleLimit, VaultCallContext ctx,
            FolderMaker folders = null)
        {
            CheckDestinations(files);
            _client = client;
            _host = host ?? AllowAllHost.Instance;
            _files = files;
            _ctx = ctx;
            _folders = folders ?? new FolderMaker(client);
            Run = new TransferRun<FileUploadRequest, UploadResult>(throttleLimit, ctx.CancellationToken);
            Progress = files.ToDictionary(f => f, f => new TransferProgress(f.Destination, f.Size));
        }

        public TransferRun<FileUploadRequest, UploadResult> Run { get; }
        public IReadOnlyDictionary<FileUploadRequest, TransferProgress> Progress { get; }

        /// <summary>
        /// Two local files for one staging path would both report success and leave one of them staged:
        /// refused before anything is sent, naming both. Names are compared without case, since whether
        /// Vault tells names apart by case is not documented.
        /// </summary>
        public static void CheckDestinations(IEnumerable<FileUploadRequest> files)
        {
            var seen = new Dictionary<string, FileUploadRequest>(StringComparer.OrdinalIgnoreCase);
            foreach (FileUploadRequest f in files)
            {
                string key = StagingPath.Normalize(f.Destination);
                if (seen.TryGetValue(key, out FileUploadRequest first))
                    throw new VaultInputException("Destination",
                        $"'{first.LocalPath}' and '{f.LocalPath}' would both be staged as {(string.Equals(first.Destination, f.Destination, StringComparison.Ordinal) ? f.Destination : first.Destination + " and " + f.Destination + " (which differ only by case)")}, " +
                        "and only one of them would stay. Nothing was sent. Send them to different folders (for a folder tree, use -Recurse), or rename one.");
                seen[key] = f;
            }
        }

        /// <summary>Starts every file; outcomes come out of <see cref="Run"/>.</summary>
        public void Start()
        {
            _sessions = new Lazy<Task<List<UploadSession>>>(() => _client.ListUploadSessionsAsync(_ctx.WithCancellation(Run.Token)));
            Run.Start(_files, (file, token, releaseSlot) => UploadOneAsync(file, token, releaseSlot));
        }

        /// <summary>
        /// One file. With -Wait, the file gives its place among the ThrottleLimit back once Vault accepted its
        /// commit: waiting for the job (one status read per 10 seconds) sends nothing, so the next file starts
        /// meanwhile and the jobs are waited for together.
        /// </summary>
        async Task<UploadResult> UploadOneAsync(FileUploadRequest file, CancellationToken token, Action releaseSlot)
        {
            VaultCallContext ctx = _ctx.WithCancellation(token);
            TransferProgress progress = Progress[file];
            progress.SetStage("Starting");
            await _folders.EnsureAsync(StagingPath.ParentOf(file.Destination), ctx).ConfigureAwait(false);
            IReadOnlyList<UploadSession> sessions = file.EffectiveMethod == UploadMethod.UploadSession
                ? await _sessions.Value.ConfigureAwait(false) : null;
            return await new FileUploader(_client, _host, sessions) { BeforeWaiting = releaseSlot }.UploadAsync(file, progress, ctx).ConfigureAwait(false);
        }

        public void Dispose() => Run.Dispose();
    }
}
