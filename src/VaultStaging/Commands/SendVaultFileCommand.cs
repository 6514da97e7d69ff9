using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Uploads local files (or, with -Recurse, folder trees) of any size to the vault's file staging server:
    /// files up to 50,000,000 bytes in one MD5-checked call, larger ones through resumable upload sessions
    /// (parts streamed in order, each MD5-checked; the same command again resumes). Destination folders are
    /// made as needed. The cmdlet binds, checks, confirms and writes; <see cref="UploadBatch"/> does the work.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "VaultFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(UploadResult))]
    public sealed class SendVaultFileCommand : TransferCmdlet
    {
        const string PathSet = "Path";
        const string LiteralPathSet = "LiteralPath";

        /// <summary>Local files or folders; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; }

        /// <summary>Local files or folders, taken as typed (no wildcards); FileInfo objects from Get-ChildItem bind here.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; }

        /// <summary>The staging path: ending in '/', a folder the file names are added to; otherwise the file's full path (one file only).</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        public string Destination { get; set; }

        /// <summary>Folders given in -Path are sent with everything in them, their tree recreated under -Destination.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>With -Recurse, enter folder links (symbolic links, junctions) too; a link back into the tree is skipped with a warning.</summary>
        [Parameter]
        public SwitchParameter FollowSymlink { get; set; }

        [Parameter]
        public SwitchParameter Overwrite { get; set; }

        /// <summary>Bytes per part, 5 MiB to 50 MiB; by default the smallest that keeps within Vault's part count.</summary>
        [Parameter]
        public long PartSize { get; set; }

        /// <summary>Auto (default), Direct (one call, files up to 50,000,000 bytes) or UploadSession (resumable).</summary>
        [Parameter]
        public UploadMethod UploadMethod { get; set; } = UploadMethod.Auto;

        /// <summary>Files sent at the same time; at most 10 requests are in flight on one connection whatever this says.</summary>
        [Parameter]
        [ValidateRange(1, 50)]
        public int ThrottleLimit { get; set; } = 10;

        /// <summary>Wait for each commit job and check that the file is listed with its size (Vault allows one status read per 10 seconds).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Abort an upload session of the same destination that was active in the last 15 minutes, instead of stopping.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        readonly List<FileUploadRequest> _files = new List<FileUploadRequest>();
        readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        readonly List<string> _leftOut = new List<string>();
        bool _destinationChecked;
        string _destination;

        protected override IEnumerable<string> StagingPathsGiven => new[] { Destination };

        protected override void ProcessRecord()
        {
            if (!_destinationChecked)
            {
                _destinationChecked = true;
                CheckOptions();
            }
            foreach (string file in ResolveInputs())
            {
                try
                {
                    foreach (FileUploadRequest request in Check(file))
                        if (_seen.Add(request.LocalPath)) _files.Add(request);
                }
                catch (VaultInputException e)
                {
                    WriteFailure(e, file);
                }
            }
        }

        /// <summary>Bounds that do not depend on a file, once: a wrong -PartSize or -Destination fails before any file is looked at.</summary>
        void CheckOptions()
        {
            try
            {
                if (MyInvocation.BoundParameters.ContainsKey(nameof(PartSize)))
                    PartPlanner.CheckPartSize(PartSize, ActiveConnection.ApiVersion);
                _destination = StagingPathOf(Destination, "Destination");
                if (Recurse || IsFolderDestination) StagingPath.ValidateAny(_destination, "Destination");
                else StagingPath.ValidateFile(_destination, "Destination");
            }
            catch (VaultInputException e)
            {
                ThrowFailure(e, Destination);
            }
        }

        bool IsFolderDestination => _destination.TrimEnd().EndsWith("/", StringComparison.Ordinal) || _destination.TrimEnd().EndsWith("\\", StringComparison.Ordinal);

        protected override void EndProcessing()
        {
            TellLeftOut(_leftOut);
            if (_files.Count == 0) return;
            if (_files.Count > 1 && !IsFolderDestination && !Recurse)
            {
                ThrowFailure(new VaultInputException("Destination",
                    $"{_files.Count} files were given but -Destination '{Destination}' names one file. End it with '/' to upload them into that folder."), Destination);
            }
            try
            {
                UploadBatch.CheckDestinations(_files);
            }
            catch (VaultInputException e)
            {
                ThrowFailure(e, Destination);
            }
            var targets = _files.Where(f => ShouldProcess($"{f.LocalPath} ({f.Size:N0} bytes) -> {f.Destination} on {ActiveConnection.Vault}", "Upload")).ToList();
            if (targets.Count > 0) Run(targets);
        }

        void Run(List<FileUploadRequest> files)
        {
            using (var batch = new UploadBatch(Client, this, files, ThrottleLimit, CallContext))
            {
                var display = new TransferProgressDisplay(this, "Sending files to Vault", files.Select(f => batch.Progress[f]).ToList());
                var unfinished = new List<UploadInterruptedException>();
                batch.Start();
                Pump(batch.Run, display, outcome =>
                {
                    if (outcome.Succeeded)
                    {
                        if (PassThru) WriteObject(outcome.Result);
                        else WriteVerbose($"Uploaded {outcome.Item.LocalPath} to {outcome.Item.Destination}: {outcome.Result.Status}.");
                        return;
                    }
                    if (outcome.Error is UploadInterruptedException stopped)
                    {
                        // Only Ctrl+C leaves a file unfinished without an error; any other cancellation is a failure.
                        if (stopped.WasCancelled && StopToken.IsCancellationRequested) { unfinished.Add(stopped); return; }
                        WriteFailure(stopped.ToVaultException(), outcome.Item.LocalPath);
                    }
                    else if (!(outcome.WasCancelled && StopToken.IsCancellationRequested))
                    {
                        WriteFailure(outcome.Error is VaultException ? outcome.Error : LocalFileFailure.Describe(outcome.Error, outcome.Item.LocalPath) ?? new VaultException(VaultFailureKind.Client, "UPLOAD_FAILED",
                            $"The upload of {outcome.Item.LocalPath} failed: {outcome.Error.Message}", ""), outcome.Item.LocalPath);
                    }
                }, left =>
                {
                    unfinished.AddRange(left.Select(o => o.Error).OfType<UploadInterruptedException>());
                    // Said before anything else can fail: each unfinished file, its session and how to go on.
                    foreach (UploadInterruptedException stopped in unfinished)
                        WriteLastingWarning(stopped.Message);
                });
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
            }
        }

        /// <summary>The local files and folders named by -Path (wildcards) or -LiteralPath, as file system paths.</summary>
        IEnumerable<string> ResolveInputs()
        {
            if (ParameterSetName == LiteralPathSet)
            {
                foreach (string p in LiteralPath)
                {
                    string local = null;
                    try
                    {
                        local = LocalPathOf(p, "LiteralPath");
                    }
                    catch (VaultInputException e)
                    {
                        WriteFailure(e, p);
                    }
                    if (local != null) yield return local;
                }
                yield break;
            }
            foreach (string p in Path)
            {
                Collection<string> resolved = null;
                try
                {
                    LocalPathOf(p, "Path"); // a path of another provider (the current location on Vault:) says so, before any lookup there
                    resolved = GetResolvedProviderPathFromPSPath(p, out ProviderInfo _);
                }
                catch (VaultInputException e)
                {
                    WriteFailure(e, p);
                    continue;
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
        IEnumerable<FileUploadRequest> Check(string input)
        {
            if (Directory.Exists(input))
            {
                if (!Recurse)
                    throw new VaultInputException("Path", $"'{input}' is a folder. Add -Recurse to send it with everything in it, or give files, for example -Path '{System.IO.Path.Combine(input, "*")}'.");
                var tree = new LocalTree { FollowLinks = FollowSymlink, SkipFolder = Filter.ExcludesFolder };
                List<LocalEntry> entries = tree.Walk(input);
                WriteTreeNotes(tree);
                var requests = new List<FileUploadRequest>();
                foreach (LocalEntry e in entries)
                {
                    if (Filter.LeavesOut(e.RelativePath, e.IsFolder)) _leftOut.Add(e.FullPath);
                    else if (!e.IsFolder)
                    {
                        // One file that cannot go (a name Vault cannot hold, too large) is its own error; the rest go.
                        try { requests.Add(Request(e.FullPath, e.Size, StagingPath.Combine(_destination, e.RelativePath))); }
                        catch (VaultInputException failure) { WriteFailure(failure, e.FullPath); }
                    }
                }
                return requests;
            }
            var info = new FileInfo(input);
            if (!info.Exists)
                throw new VaultInputException("Path", $"Cannot find the file '{input}'.");
            if (!Filter.TakesFile(info.Name))
            {
                _leftOut.Add(info.FullName);
                return new FileUploadRequest[0];
            }
            string destination = IsFolderDestination || Recurse ? StagingPath.Combine(_destination, info.Name) : _destination;
            return new[] { Request(info.FullName, info.Length, destination) };
        }

        FileUploadRequest Request(string fullPath, long length, string destination)
        {
            var request = new FileUploadRequest(fullPath, length, StagingPath.ValidateFile(destination, "Destination"))
            {
                Overwrite = Overwrite,
                PartSize = PartSizeOrNull,
                WaitForJob = Wait,
                Force = Force,
                Method = UploadMethod,
            };
            if (request.Method == UploadMethod.Direct && length > VaultClient.MaxDirectFileSize)
                throw new VaultInputException("UploadMethod", $"'{fullPath}' has {length:N0} bytes; -UploadMethod Direct takes files of at most {VaultClient.MaxDirectFileSize:N0} bytes. Leave -UploadMethod out to send it through an upload session.");
            // Plans now, once: a file over 500 GB, or a part size that cannot cut this file, is an error before any call.
            if (request.EffectiveMethod == UploadMethod.UploadSession) request.PlanParts(ActiveConnection.ApiVersion);
            return request;
        }

        long? PartSizeOrNull => MyInvocation.BoundParameters.ContainsKey(nameof(PartSize)) ? PartSize : (long?)null;
    }
}
