using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Upload;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Uploads local files of any size to the vault's file staging server through resumable upload sessions:
    /// parts streamed from disk in order, each part's MD5 checked against Vault's, an interrupted upload
    /// resumed by running the same command again, several files at once.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "VaultFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(UploadResult))]
    public sealed class SendVaultFileCommand : VaultConnectedCmdlet
    {
        const string PathSet = "Path";
        const string LiteralPathSet = "LiteralPath";

        /// <summary>Local files; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; }

        /// <summary>Local files, taken as typed (no wildcards); FileInfo objects from Get-ChildItem bind here.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; }

        /// <summary>The staging path: ending in '/', a folder the file names are added to; otherwise the file's full path (one file only).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; }

        [Parameter]
        public SwitchParameter Overwrite { get; set; }

        /// <summary>Bytes per part, 5 MiB to 50 MiB; by default the smallest that keeps within Vault's part count.</summary>
        [Parameter]
        public long PartSize { get; set; }

        /// <summary>Files uploaded at the same time (each is one upload session of the vault's 50).</summary>
        [Parameter]
        [ValidateRange(1, 16)]
        public int ThrottleLimit { get; set; } = 4;

        /// <summary>Wait for each commit job to finish (Vault allows one status read per 10 seconds).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        readonly List<FileUploadRequest> _files = new List<FileUploadRequest>();
        readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);

        protected override void ProcessRecord()
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(PartSize)))
            {
                try
                {
                    PartPlanner.Plan(1, ActiveConnection.ApiVersion, PartSize); // the bounds, once rather than per file
                }
                catch (VaultInputException e)
                {
                    ThrowFailure(e, PartSize);
                }
            }
            foreach (string file in ResolveFiles())
            {
                try
                {
                    FileUploadRequest request = Check(file);
                    if (request != null && _seen.Add(request.LocalPath)) _files.Add(request);
                }
                catch (VaultInputException e)
                {
                    WriteFailure(e, file);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_files.Count == 0) return;
            if (_files.Count > 1 && !Destination.TrimEnd().EndsWith("/", StringComparison.Ordinal))
            {
                ThrowFailure(new VaultInputException("Destination",
                    $"{_files.Count} files were given but -Destination '{Destination}' names one file. End it with '/' to upload them into that folder."), Destination);
            }
            var targets = new List<FileUploadRequest>();
            foreach (FileUploadRequest f in _files)
            {
                if (ShouldProcess($"{f.LocalPath} ({f.Size:N0} bytes) -> {f.Destination} on {ActiveConnection.Vault}", "Upload")) targets.Add(f);
            }
            if (targets.Count > 0) Run(targets);
        }

        /// <summary>The local files named by -Path (wildcards) or -LiteralPath, as file system paths.</summary>
        IEnumerable<string> ResolveFiles()
        {
            if (ParameterSetName == LiteralPathSet)
            {
                foreach (string p in LiteralPath) yield return GetUnresolvedProviderPathFromPSPath(p);
                yield break;
            }
            foreach (string p in Path)
            {
                Collection<string> resolved = null;
                try
                {
                    resolved = GetResolvedProviderPathFromPSPath(p, out ProviderInfo provider);
                    if (provider.Name != "FileSystem")
                    {
                        WriteFailure(new VaultInputException("Path", $"'{p}' is not a file system path; Send-VaultFile uploads local files."), p);
                        continue;
                    }
                }
                catch (ItemNotFoundException)
                {
                    WriteFailure(new VaultInputException("Path", $"Cannot find the file '{p}'. Check the path; for names with [ or ], use -LiteralPath."), p);
                    continue;
                }
                catch (System.Management.Automation.DriveNotFoundException e)
                {
                    WriteFailure(new VaultInputException("Path", e.Message), p);
                    continue;
                }
                foreach (string r in resolved) yield return r;
            }
        }

        /// <summary>Everything checkable is checked here, before any call: a bad file never creates a session.</summary>
        FileUploadRequest Check(string file)
        {
            if (Directory.Exists(file))
                throw new VaultInputException("Path", $"'{file}' is a folder. Give files, for example -Path '{System.IO.Path.Combine(file, "*")}' or Get-ChildItem '{file}' -File | Send-VaultFile ...");
            var info = new FileInfo(file);
            if (!info.Exists)
                throw new VaultInputException("Path", $"Cannot find the file '{file}'.");
            string destination = Destination.Trim().Replace('\\', '/');
            if (destination.EndsWith("/", StringComparison.Ordinal)) destination += info.Name;
            destination = StagingPath.Validate(destination, "Destination");
            // Plans now: an empty file, one over 500 GB, or a part size that cannot cut this file is an error before any call.
            PartPlanner.Plan(info.Length, ActiveConnection.ApiVersion, PartSizeOrNull, info.Name);
            return new FileUploadRequest(info.FullName, info.Length, destination)
            {
                Overwrite = Overwrite,
                PartSize = PartSizeOrNull,
                WaitForJob = Wait,
            };
        }

        long? PartSizeOrNull => MyInvocation.BoundParameters.ContainsKey(nameof(PartSize)) ? PartSize : (long?)null;

        /// <summary>
        /// Uploads ThrottleLimit files at a time on pool threads, while this (pipeline) thread writes their
        /// progress, messages, results and errors: PowerShell's streams are only written from here.
        /// </summary>
        void Run(List<FileUploadRequest> files)
        {
            var uploader = new FileUploader(Client);
            var progress = new ConcurrentDictionary<string, UploadProgress>(StringComparer.Ordinal);
            var throttle = new SemaphoreSlim(ThrottleLimit);
            var started = DateTime.UtcNow;
            var running = new Dictionary<Task<UploadResult>, FileUploadRequest>();
            foreach (FileUploadRequest file in files)
            {
                Task<UploadResult> task = Task.Run(async () =>
                {
                    await throttle.WaitAsync(StopToken).ConfigureAwait(false);
                    try
                    {
                        return await uploader.UploadAsync(file, p => progress[p.LocalPath] = Snapshot(p), CallContext).ConfigureAwait(false);
                    }
                    finally
                    {
                        throttle.Release();
                    }
                });
                running[task] = file;
            }

            var display = new ProgressDisplay(this, files, started);
            var interrupted = new List<UploadInterruptedException>();
            while (running.Count > 0)
            {
                Task.WaitAny(running.Keys.Cast<Task>().ToArray(), 200);
                FlushMessages();
                display.Show(progress);
                foreach (Task<UploadResult> done in running.Keys.Where(t => t.IsCompleted).ToList())
                {
                    FileUploadRequest file = running[done];
                    running.Remove(done);
                    Exception error = done.Exception?.GetBaseException();
                    if (error == null)
                    {
                        if (PassThru) WriteObject(done.Result);
                        else WriteVerbose($"Uploaded {file.LocalPath} to {file.Destination}: {done.Result.Status}.");
                    }
                    else if (error is UploadInterruptedException stopped)
                    {
                        interrupted.Add(stopped);
                        if (!stopped.WasCancelled) WriteFailure(AsVaultException(stopped), file.LocalPath);
                    }
                    else if (!(error is OperationCanceledException))
                    {
                        WriteFailure(error is VaultException ? error : new VaultException(VaultFailureKind.Client, "UPLOAD_FAILED",
                            $"The upload of {file.LocalPath} failed: {error.Message}", ""), file.LocalPath);
                    }
                }
            }
            display.Complete();
            FlushMessages();
            if (StopToken.IsCancellationRequested)
            {
                // The pipeline is stopping and its streams are closed; the host can still tell the user how to resume.
                foreach (UploadInterruptedException stopped in interrupted)
                    try { Host.UI.WriteWarningLine(stopped.Message); } catch (Exception) { }
                throw new PipelineStoppedException();
            }
        }

        static UploadProgress Snapshot(UploadProgress p) => new UploadProgress
        {
            LocalPath = p.LocalPath, Destination = p.Destination, Size = p.Size, BytesDone = p.BytesDone,
            BytesSent = p.BytesSent, Stage = p.Stage, Finished = p.Finished,
        };

        /// <summary>The cause's error type (so -ErrorAction and catch blocks can branch on it) with the resume instructions.</summary>
        static VaultException AsVaultException(UploadInterruptedException e)
        {
            var cause = e.InnerException as VaultException;
            return new VaultException(cause?.Kind ?? VaultFailureKind.Client, cause?.ErrorType ?? "UPLOAD_INTERRUPTED", e.Message, cause?.Hint ?? "", e);
        }

        /// <summary>Write-Progress for the whole run (id 1) and each file being sent (its child).</summary>
        sealed class ProgressDisplay
        {
            readonly Cmdlet _cmdlet;
            readonly List<FileUploadRequest> _files;
            readonly DateTime _started;
            readonly long _total;
            readonly Dictionary<string, int> _ids = new Dictionary<string, int>(StringComparer.Ordinal);
            readonly HashSet<string> _completed = new HashSet<string>(StringComparer.Ordinal);

            public ProgressDisplay(Cmdlet cmdlet, List<FileUploadRequest> files, DateTime started)
            {
                _cmdlet = cmdlet;
                _files = files;
                _started = started;
                _total = files.Sum(f => f.Size);
                for (int i = 0; i < files.Count; i++) _ids[files[i].LocalPath] = i + 2;
            }

            public void Show(ConcurrentDictionary<string, UploadProgress> progress)
            {
                double seconds = Math.Max(0.001, (DateTime.UtcNow - _started).TotalSeconds);
                long done = progress.Values.Sum(p => p.BytesDone);
                long sent = progress.Values.Sum(p => p.BytesSent);
                int finished = progress.Values.Count(p => p.Finished);
                _cmdlet.WriteProgress(Record(1, -1, "Sending files to Vault", $"{finished} of {_files.Count} files, {Mb(done)} of {Mb(_total)} MB", done, _total, sent / seconds));
                foreach (UploadProgress p in progress.Values)
                {
                    int id = _ids[p.LocalPath];
                    if (p.Finished)
                    {
                        if (_completed.Add(p.LocalPath)) _cmdlet.WriteProgress(new ProgressRecord(id, p.Destination, "Done") { ParentActivityId = 1, RecordType = ProgressRecordType.Completed });
                        continue;
                    }
                    _cmdlet.WriteProgress(Record(id, 1, p.Destination, $"{p.Stage}: {Mb(p.BytesDone)} of {Mb(p.Size)} MB", p.BytesDone, p.Size, p.BytesSent / seconds));
                }
            }

            public void Complete() => _cmdlet.WriteProgress(new ProgressRecord(1, "Sending files to Vault", "Done") { RecordType = ProgressRecordType.Completed });

            static ProgressRecord Record(int id, int parent, string activity, string status, long done, long total, double rate)
            {
                var record = new ProgressRecord(id, activity, status + (rate > 0 ? $", {rate / 1048576:0.0} MB/s" : ""))
                {
                    ParentActivityId = parent,
                    PercentComplete = total > 0 ? (int)Math.Min(100, 100 * done / total) : 0,
                };
                if (rate > 0 && total > done) record.SecondsRemaining = (int)Math.Min(int.MaxValue, (total - done) / rate);
                return record;
            }

            static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.CurrentCulture);
        }
    }
}
