using System;
using System.Threading;

namespace VaultStaging.Transfer
{
    /// <summary>How a file goes up: one call for a small file, or a resumable upload session.</summary>
    public enum UploadMethod
    {
        /// <summary>Direct for files up to 50,000,000 bytes, an upload session for larger ones.</summary>
        Auto,
        /// <summary>One POST .../items call: no session, no job; Vault's MD5 of the whole file is checked.</summary>
        Direct,
        /// <summary>A resumable upload session: parts in order, each MD5-checked, then a commit job.</summary>
        UploadSession,
    }

    /// <summary>One local file to stage, checked before any call.</summary>
    public sealed class FileUploadRequest
    {
        public FileUploadRequest(string localPath, long size, string destination)
        {
            LocalPath = localPath;
            Size = size;
            Destination = destination;
        }

        public string LocalPath { get; }
        public long Size { get; }
        /// <summary>The staging path of the file (already validated).</summary>
        public string Destination { get; }
        public bool Overwrite { get; set; }
        public long? PartSize { get; set; }
        public bool WaitForJob { get; set; }
        /// <summary>Abort an upload session of the same destination that another upload may be using, instead of stopping.</summary>
        public bool Force { get; set; }
        public UploadMethod Method { get; set; } = UploadMethod.Auto;
        /// <summary>Direct or UploadSession: what <see cref="UploadMethod.Auto"/> means for this file's size.</summary>
        public UploadMethod EffectiveMethod => Method != UploadMethod.Auto ? Method
            : Size <= Vault.VaultClient.MaxDirectFileSize ? UploadMethod.Direct : UploadMethod.UploadSession;

        PartPlan _plan;

        /// <summary>
        /// The parts of this file's upload session, planned the first time they are asked for and kept: Send-VaultFile
        /// asks when it checks the file (a file that cannot be cut fails before any call), the uploader gets that same
        /// plan. A request is made for one connection, so for one API version.
        /// </summary>
        /// <exception cref="Vault.VaultInputException">As <see cref="PartPlanner.Plan"/>.</exception>
        public PartPlan PlanParts(string apiVersion) =>
            _plan ?? (_plan = PartPlanner.Plan(Size, apiVersion, PartSize, System.IO.Path.GetFileName(LocalPath)));

        public override string ToString() => $"{LocalPath} -> {Destination}";
    }

    /// <summary>
    /// Where one file's transfer stands, for the progress display. Written by the worker, read by the
    /// pipeline thread: the counters are read and written atomically.
    /// </summary>
    public sealed class TransferProgress
    {
        long _bytesDone, _bytesMoved;
        volatile string _stage = "Waiting";
        volatile bool _finished, _started;

        public TransferProgress(string name, long size)
        {
            Name = name;
            Size = size;
        }

        /// <summary>What the display calls the file (its destination).</summary>
        public string Name { get; }
        public long Size { get; }

        /// <summary>Bytes in place: what was already there (a resumed upload or download) plus what moved.</summary>
        public long BytesDone => Interlocked.Read(ref _bytesDone);

        /// <summary>Bytes that moved over the network in this run (for the rate).</summary>
        public long BytesMoved => Interlocked.Read(ref _bytesMoved);

        public string Stage => _stage;
        public bool Started => _started;
        public bool Finished => _finished;

        public void SetStage(string stage)
        {
            _started = true;
            _stage = stage;
        }

        public void AlreadyThere(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

        public void Moved(long bytes)
        {
            Interlocked.Add(ref _bytesDone, bytes);
            Interlocked.Add(ref _bytesMoved, bytes);
        }

        /// <summary>A retry starts a part or range again: what it had counted is taken back.</summary>
        public void TakeBack(long bytes) => Interlocked.Add(ref _bytesDone, -bytes);

        public void Finish() => _finished = true;
    }

    /// <summary>What became of one file (Send-VaultFile -PassThru, Sync-VaultStagingFolder -PassThru).</summary>
    public sealed class UploadResult
    {
        public string LocalPath { get; set; }
        public string Destination { get; set; }
        public long Size { get; set; }

        /// <summary>Direct (one call) or UploadSession.</summary>
        public UploadMethod Method { get; set; }

        /// <summary>
        /// Staged: the file is in place and was checked (Direct: Vault's MD5 of the whole file equals the
        /// local one; UploadSession with -Wait: the commit job ended in SUCCESS and the staging server lists
        /// the file with its size). CommitAccepted: every part was checked and Vault accepted the commit, but
        /// its job was not waited for, so the file may not be in place yet (or ever: run with -Wait to know).
        /// CommittedJobUnknown: the commit's answer was lost, but the session is gone, so Vault took it; the
        /// job id is unknown.
        /// </summary>
        public string Status { get; set; }

        public string UploadSessionId { get; set; }
        public long? JobId { get; set; }
        /// <summary>The commit job's final status, with -Wait.</summary>
        public string JobStatus { get; set; }
        /// <summary>Vault's MD5 of the staged file (Direct only: Vault answers it there).</summary>
        public string Md5 { get; set; }
        public bool Resumed { get; set; }
        public int PartCount { get; set; }
        public int PartsSent { get; set; }
        public int PartsAlreadyThere { get; set; }
        public long BytesSent { get; set; }
        public TimeSpan Duration { get; set; }

        /// <summary>Bytes sent per second in this run.</summary>
        public double BytesPerSecond => Duration.TotalSeconds > 0 ? Math.Round(BytesSent / Duration.TotalSeconds) : 0;

        public override string ToString() => $"{LocalPath} -> {Destination}: {Status}";
    }

    /// <summary>The result statuses of an upload, as constants so callers and tests agree.</summary>
    public static class UploadStatus
    {
        public const string Staged = "Staged";
        public const string CommitAccepted = "CommitAccepted";
        public const string CommittedJobUnknown = "CommittedJobUnknown";
    }
}
