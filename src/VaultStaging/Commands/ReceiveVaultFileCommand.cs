using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Downloads staged files (and, with -Recurse, folder trees) to local disk: ranged GETs streamed to a
    /// temporary file that is renamed into place only when complete and checked; the same command again
    /// resumes; an existing local file is never replaced without -Force. The cmdlet resolves what to fetch
    /// and where; <see cref="DownloadBatch"/> does the work.
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "VaultFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(DownloadResult))]
    public sealed class ReceiveVaultFileCommand : TransferCmdlet
    {
        /// <summary>Staging paths of files or folders; StagingItem objects from the pipeline bind by their Path.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        public string[] Path { get; set; }

        /// <summary>A local folder (the files go into it), or for one file its local file path. By default the current folder.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; }

        /// <summary>Folders given in -Path are fetched with everything in them, their tree recreated under -Destination.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Replace local files that differ from the staged ones (identical files are always skipped).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Files fetched at the same time; at most 10 requests are in flight on one connection whatever this says.</summary>
        [Parameter]
        [ValidateRange(1, 50)]
        public int ThrottleLimit { get; set; } = 10;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        // What a piped StagingItem brings along, so it need not be looked up again.
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public StagingItemKind? Kind { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public long? Size { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public DateTime? ModifiedDate { get; set; }

        protected override IEnumerable<string> StagingPathsGiven => Path ?? Enumerable.Empty<string>();

        readonly List<FileDownloadRequest> _files = new List<FileDownloadRequest>();
        readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        readonly List<string> _leftOut = new List<string>();
        string _destination;
        bool _destinationIsFolder;
        int _inputs;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            try
            {
                _destination = LocalPathOf(string.IsNullOrEmpty(Destination) ? "." : Destination, "Destination");
            }
            catch (VaultInputException e)
            {
                ThrowFailure(e, Destination);
            }
            _destinationIsFolder = Recurse || Directory.Exists(_destination) || string.IsNullOrEmpty(Destination)
                || Destination.EndsWith("/", StringComparison.Ordinal) || Destination.EndsWith("\\", StringComparison.Ordinal);
            if (File.Exists(_destination) && Recurse)
                ThrowFailure(new VaultInputException("Destination", $"'{Destination}' is a file; with -Recurse give a folder to download into."), Destination);
        }

        protected override void ProcessRecord()
        {
            foreach (string path in Path)
            {
                _inputs++;
                RunFor(path, () =>
                {
                    string remote = StagingPath.ValidateAny(StagingPathOf(path, "Path"), "Path");
                    StagingItem item = PipedItem(remote) ?? Await(Client.GetItemAsync(remote, CallContext));
                    if (item == null)
                        throw new VaultException(VaultFailureKind.Vault, "ItemNotFound", $"There is no file or folder at {remote} on the staging server.",
                            "Check the path with Get-VaultStagingItem (a non-admin's paths start at their own folder).");
                    if (item.IsFolder) AddFolder(remote);
                    else if (!Filter.TakesFile(item.Name)) _leftOut.Add(item.Path);
                    else Add(item, FileTarget(item));
                });
            }
        }

        /// <summary>A StagingItem piped in carries its kind, size and date: no need to ask Vault again.</summary>
        StagingItem PipedItem(string remote)
        {
            if (Path.Length != 1 || Kind == null) return null;
            return Kind == StagingItemKind.Folder ? StagingItem.Folder(remote)
                : Size == null ? null : new StagingItem { Kind = StagingItemKind.File, Path = remote, Size = Size, ModifiedDate = ModifiedDate };
        }

        string FileTarget(StagingItem item)
        {
            if (!_destinationIsFolder) return _destination;
            return LocalNames.Resolve(_destination, item.Name, item.Path);
        }

        void AddFolder(string folder)
        {
            if (!Recurse)
                throw new VaultInputException("Path", $"{folder} is a folder. Add -Recurse to download it with everything in it.");
            if (!_destinationIsFolder && File.Exists(_destination))
                throw new VaultInputException("Destination", $"'{Destination}' is a file; give a folder to download {folder} into.");
            Runner.Stream<StagingItem>((ctx, onItem, _) => Client.ListItemsAsync(folder, true, onItem, ctx), item =>
            {
                string relative = StagingPath.RelativeTo(item.Path, folder);
                if (string.IsNullOrEmpty(relative)) return;
                // The filters apply to the one listing already made: no call more.
                if (Filter.LeavesOut(relative, item.IsFolder))
                {
                    _leftOut.Add(item.Path);
                    return;
                }
                try
                {
                    string local = LocalNames.Resolve(_destination, relative, item.Path);
                    if (item.IsFolder)
                    {
                        if (ShouldProcess(local, "Create folder")) Directory.CreateDirectory(local);
                    }
                    else Add(item, local);
                }
                catch (VaultException e)
                {
                    WriteFailure(e, item.Path);
                }
            });
        }

        void Add(StagingItem item, string local)
        {
            if (!_seen.Add(item.Path)) return;
            _files.Add(new FileDownloadRequest(item.Path, item.Size ?? 0, item.ModifiedDate, local) { Force = Force });
        }

        protected override void EndProcessing()
        {
            TellLeftOut(_leftOut);
            if (_files.Count == 0) return;
            if (!_destinationIsFolder && (_files.Count > 1 || _inputs > 1))
                ThrowFailure(new VaultInputException("Destination",
                    $"{_files.Count} files were asked for but -Destination '{Destination}' names one file. Give a folder (it is made if needed when the path ends with '/' or '\\')."), Destination);
            var targets = _files.Where(f => ShouldProcess($"{f.RemotePath} ({f.Size:N0} bytes) -> {f.LocalPath}", "Download")).ToList();
            if (targets.Count == 0) return;
            using (var batch = new DownloadBatch(Client, targets, ThrottleLimit, CallContext))
            {
                var display = new TransferProgressDisplay(this, "Receiving files from Vault", targets.Select(f => batch.Progress[f]).ToList());
                var unfinished = new List<FileDownloadRequest>();
                batch.Start();
                Pump(batch.Run, display, outcome =>
                {
                    if (outcome.Succeeded)
                    {
                        if (PassThru) WriteObject(outcome.Result);
                        else WriteVerbose($"{outcome.Item.RemotePath} -> {outcome.Item.LocalPath}: {outcome.Result.Status}.");
                    }
                    // Only Ctrl+C leaves a download unfinished; any other end of a file is a failure and an error.
                    else if (outcome.WasCancelled && StopToken.IsCancellationRequested) unfinished.Add(outcome.Item);
                    else WriteFailure(outcome.Error as VaultException ?? DownloadFailed(outcome.Item, outcome.Error), outcome.Item.RemotePath);
                }, left =>
                {
                    unfinished.AddRange(left.Where(o => !o.Succeeded).Select(o => o.Item));
                    if (unfinished.Count > 0)
                        WriteLastingWarning($"{unfinished.Count} download(s) did not finish ({string.Join(", ", unfinished.Take(5).Select(f => f.RemotePath))}{(unfinished.Count > 5 ? ", ..." : "")}). " +
                                            "Nothing partial is under the final names; run the same command again to resume from the bytes already on disk.");
                });
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
            }
        }

        /// <summary>A download that failed outside Vault: on the local side (a file where a folder is meant, permissions) running it again alone does not help.</summary>
        static VaultException DownloadFailed(FileDownloadRequest file, Exception e) =>
            e is IOException || e is UnauthorizedAccessException
                ? new VaultException(VaultFailureKind.Client, "DOWNLOAD_FAILED", $"{file.RemotePath} was not downloaded: {file.LocalPath} could not be written: {e.Message}",
                    "Check the local destination (a file where a folder is meant, permissions, free space), then run the same command again; the ranges already on disk are kept.")
                : new VaultException(VaultFailureKind.Client, "DOWNLOAD_FAILED", $"{file.RemotePath} was not downloaded: {e.Message}", "Run the same command again to resume it.");
    }
}
