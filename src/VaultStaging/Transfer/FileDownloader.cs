using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>One staged file to fetch, and where to.</summary>
    public sealed class FileDownloadRequest
    {
        public FileDownloadRequest(string remotePath, long size, DateTime? modifiedDate, string localPath)
        {
            RemotePath = remotePath;
            Size = size;
            ModifiedDate = modifiedDate;
            LocalPath = localPath;
        }

        public string RemotePath { get; }
        /// <summary>The size the listing gave; every range's Content-Range must agree.</summary>
        public long Size { get; internal set; }
        public DateTime? ModifiedDate { get; internal set; }
        public string LocalPath { get; }
        /// <summary>Replace a local file that differs.</summary>
        public bool Force { get; set; }

        public override string ToString() => $"{RemotePath} -> {LocalPath}";
    }

    /// <summary>What became of one file (Receive-VaultFile -PassThru).</summary>
    public sealed class DownloadResult
    {
        public string Path { get; set; }
        public string LocalPath { get; set; }
        public long Size { get; set; }
        /// <summary>Downloaded (complete, sizes checked, in place), or Skipped (the local file has the same size and time).</summary>
        public string Status { get; set; }
        /// <summary>Bytes of an earlier, interrupted run that were kept.</summary>
        public long BytesResumed { get; set; }
        public long BytesReceived { get; set; }
        public DateTime? ModifiedDate { get; set; }
        public TimeSpan Duration { get; set; }
        public double BytesPerSecond => Duration.TotalSeconds > 0 ? Math.Round(BytesReceived / Duration.TotalSeconds) : 0;

        public override string ToString() => $"{Path} -> {LocalPath}: {Status}";
    }

    /// <summary>
    /// Downloads one file: ranges of <see cref="RangeSize"/> bytes (Vault serves at most 50,000,000 per
    /// GET), up to <see cref="RangesInFlight"/> at once, written in ascending order (<see cref="OrderedRangeWriter"/>)
    /// to a temporary file beside the target and renamed into place only when complete (see
    /// <see cref="PartialDownload"/>). Memory: at most <see cref="ReorderWindowBytes"/> per command, whatever the
    /// sizes. An existing local file is kept unless it is identical (then skipped) or
    /// <see cref="FileDownloadRequest.Force"/> says to replace it. The file gets the remote modified date.
    /// </summary>
    public sealed class FileDownloader
    {
        /// <summary>Bytes per ranged GET: large enough that a round trip is a small share of it, small enough that little is fetched again after an interruption.</summary>
        public const long RangeSize = 16L * 1024 * 1024;

        /// <summary>
        /// Ranges of one file in flight at once, each on its own connection; the client keeps the total at 10.
        /// Where the rate is limited per connection (a user's link across the internet), a large file comes
        /// that many times faster than in one GET: 8 (was 4) took a 256 MiB file at 40 ms and 100 Mbit/s per
        /// connection from 6.1 to 3.2 s, and leaves two of the 10 places for other calls.
        /// </summary>
        public const int RangesInFlight = 8;

        /// <summary>File systems keep times to 2 seconds (FAT) or better; Vault to the second.</summary>
        static readonly TimeSpan TimeTolerance = TimeSpan.FromSeconds(2);

        /// <summary>
        /// Memory that ranges fetched ahead of their turn may hold, for all the files of one command (ranges are
        /// written in ascending order, see <see cref="OrderedRangeWriter"/>): the 7 ranges that go with the one
        /// being written, so one large file keeps its 8 connections busy. Whatever the number and size of files,
        /// a download holds at most this much plus a few 80 KB buffers.
        /// </summary>
        public const long ReorderWindowBytes = (RangesInFlight - 1) * RangeSize;

        readonly VaultClient _client;
        readonly LocalFileSystem _files;
        readonly long _rangeSize;
        readonly ReorderWindow _window;

        /// <summary>One downloader per command: its files share one <see cref="ReorderWindowBytes"/> window.</summary>
        public FileDownloader(VaultClient client) : this(client, null)
        {
        }

        /// <param name="client">The connection's client.</param>
        /// <param name="files">The file operations (a test records writes or gives Windows' rules); null: the real ones.</param>
        /// <param name="rangeSize">Bytes per ranged GET (a test makes them small).</param>
        /// <param name="windowBytes">The reorder window (a test makes it small).</param>
        internal FileDownloader(VaultClient client, LocalFileSystem files, long rangeSize = RangeSize, long windowBytes = ReorderWindowBytes)
        {
            _client = client;
            _files = files ?? LocalFileSystem.Real;
            _rangeSize = rangeSize;
            _window = new ReorderWindow(windowBytes);
        }

        /// <summary>The window's high-water mark (what the bound is checked against in tests).</summary>
        internal long PeakHeldBytes => _window.PeakHeld;

        /// <summary>Whether the local file is the remote one by size and modified time (what a sync and a re-run skip).</summary>
        public static bool IsSameFile(FileInfo local, long size, DateTime? modified) =>
            local.Exists && local.Length == size && modified.HasValue
            && (local.LastWriteTimeUtc - modified.Value.ToUniversalTime()).Duration() <= TimeTolerance;

        public async Task<DownloadResult> DownloadAsync(FileDownloadRequest request, TransferProgress progress, VaultCallContext ctx)
        {
            var watch = Stopwatch.StartNew();
            var result = new DownloadResult { Path = request.RemotePath, LocalPath = request.LocalPath, Size = request.Size, ModifiedDate = request.ModifiedDate };
            try
            {
                var local = new FileInfo(request.LocalPath);
                if (Directory.Exists(request.LocalPath))
                    throw new VaultException(VaultFailureKind.Input, "LOCAL_FOLDER_IN_THE_WAY",
                        $"{request.RemotePath} was not downloaded: {request.LocalPath} is a folder.", "Move that folder, or give another -Destination.");
                if (IsSameFile(local, request.Size, request.ModifiedDate))
                {
                    result.Status = "Skipped";
                    progress?.AlreadyThere(request.Size);
                    return result;
                }
                if (local.Exists && !request.Force)
                    throw new VaultException(VaultFailureKind.Input, "LOCAL_FILE_EXISTS",
                        $"{request.RemotePath} was not downloaded: {request.LocalPath} exists and differs ({local.Length:N0} bytes, changed {local.LastWriteTime:g}; " +
                        $"the staged file has {request.Size:N0} bytes, changed {request.ModifiedDate:g}).",
                        "Add -Force to replace local files that differ.");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(request.LocalPath)));

                for (int version = 1; ; version++)
                {
                    var partial = new PartialDownload(request.LocalPath, request.Size, request.ModifiedDate, _files);
                    try
                    {
                        await FetchAsync(request, partial, result, progress, ctx).ConfigureAwait(false);
                        partial.Check(request.ModifiedDate);
                        PutInPlace(request, partial);
                        result.Status = "Downloaded";
                        return result;
                    }
                    catch (VaultException e) when (e.ErrorType == "REMOTE_FILE_CHANGED" && version == 1)
                    {
                        // Changed on Vault between ranges: what we have is a mix of two versions. Start over once with the new one.
                        partial.Discard();
                        progress?.TakeBack(progress.BytesDone);
                        StagingItem now = await _client.GetItemAsync(request.RemotePath, ctx).ConfigureAwait(false);
                        if (now == null || now.IsFolder) throw;
                        ctx.Verbose($"{request.RemotePath} changed on Vault during the download ({e.Message}); starting over with the new version ({now.Size:N0} bytes).");
                        request.Size = now.Size ?? 0;
                        request.ModifiedDate = now.ModifiedDate;
                        result.Size = request.Size;
                        result.ModifiedDate = request.ModifiedDate;
                        result.BytesResumed = 0;
                    }
                    catch (VaultException e) when (e.ErrorType == "REMOTE_FILE_CHANGED")
                    {
                        partial.Discard();
                        throw;
                    }
                    catch (IOException e) when (IsDiskFull(e))
                    {
                        partial.Discard();
                        throw new VaultException(VaultFailureKind.Client, "DISK_FULL",
                            $"{request.RemotePath} was not downloaded: the disk of {request.LocalPath} is full. The partial download was removed.",
                            "Free some space (or choose another -Destination), then run the command again.", e);
                    }
                    catch (UnauthorizedAccessException e)
                    {
                        partial.Discard();
                        throw new VaultException(VaultFailureKind.Client, "LOCAL_ACCESS_DENIED",
                            $"{request.RemotePath} was not downloaded: {request.LocalPath} cannot be written ({e.Message}).", "Check the folder's permissions.", e);
                    }
                }
            }
            finally
            {
                result.Duration = watch.Elapsed;
                progress?.Finish();
            }
        }

        /// <summary>
        /// The complete, checked file goes to its final name. When that fails (a file held open, a folder that
        /// forbids it), the file is kept under its temporary name and the error says where: it is never
        /// thrown away, and the same command again puts it in place without fetching it.
        /// </summary>
        static void PutInPlace(FileDownloadRequest request, PartialDownload partial)
        {
            try
            {
                partial.PutInPlace(request.ModifiedDate, replace: request.Force);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new VaultException(VaultFailureKind.Client, "LOCAL_RENAME_FAILED",
                    $"{request.RemotePath} was downloaded completely and checked, but it could not be put in place as {request.LocalPath}: {e.Message} " +
                    $"The complete file was kept as {partial.TempPath}.",
                    $"Run the same command again once the cause is gone (a program holding {request.LocalPath} open, the folder's permissions): the file kept is put in place without being fetched again. " +
                    "Or rename it to the final name yourself.", e);
            }
        }

        async Task FetchAsync(FileDownloadRequest request, PartialDownload partial, DownloadResult result, TransferProgress progress, VaultCallContext ctx)
        {
            int count = (int)((request.Size + _rangeSize - 1) / _rangeSize);
            IReadOnlyCollection<int> done = partial.Open(count, i => RangeEnd(i, request.Size));
            long kept = done.Sum(i => RangeEnd(i, request.Size) - i * _rangeSize);
            if (kept > 0)
            {
                result.BytesResumed = kept;
                progress?.AlreadyThere(kept);
                ctx.Verbose($"Resuming the download of {request.RemotePath}: {done.Count} of {count} ranges ({kept:N0} bytes) are already on disk.");
            }
            progress?.SetStage("Downloading");
            List<int> todo = Enumerable.Range(0, count).Where(i => !done.Contains(i)).ToList();
            if (todo.Count == 0) return;
            using (Stream file = partial.OpenForWriting())
            using (var writer = new OrderedRangeWriter(file, todo.Select(i => new KeyValuePair<int, long>(i, i * _rangeSize)).ToList(), _window, partial.MarkDone))
            using (var slots = new SemaphoreSlim(RangesInFlight))
            using (var failed = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken))
            {
                VaultCallContext rangeCtx = ctx.WithCancellation(failed.Token);
                var tasks = new List<Task>();
                try
                {
                    foreach (int index in todo)
                    {
                        await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                        tasks.Add(FetchRangeAsync(request, writer, index, result, progress, rangeCtx).ContinueWith(t =>
                        {
                            slots.Release();
                            if (t.IsFaulted) failed.Cancel(); // one range failed: the others stop, the file is resumed later
                            return t;
                        }, TaskScheduler.Default).Unwrap());
                    }
                }
                catch (OperationCanceledException) when (failed.IsCancellationRequested)
                {
                    // A range failed, or the command was stopped: no more ranges start. Which of the two it
                    // was is decided below, once every range that did start has ended.
                }
                // Every range is waited for, whatever happened: none may still write once this returns.
                try { await Task.WhenAll(tasks).ConfigureAwait(false); }
                catch { } // looked at below, task by task
                // The first real failure, not the cancellations it caused in the other ranges: a failure is
                // never reported as a cancellation (a Ctrl+C-like "did not finish").
                List<Exception> faults = tasks.Where(t => t.IsFaulted).Select(t => t.Exception.GetBaseException()).ToList();
                Exception first = faults.FirstOrDefault(e => !(e is OperationCanceledException));
                if (first == null && faults.Count > 0 && !ctx.CancellationToken.IsCancellationRequested)
                    first = new IOException($"A range of {request.RemotePath} was cancelled although the command was not stopped.", faults[0]);
                if (first != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
                ctx.CancellationToken.ThrowIfCancellationRequested();
            }
        }

        long RangeEnd(int index, long size) => Math.Min(size, (index + 1) * _rangeSize);

        async Task FetchRangeAsync(FileDownloadRequest request, OrderedRangeWriter writer, int index, DownloadResult result, TransferProgress progress, VaultCallContext ctx)
        {
            long offset = index * _rangeSize;
            long length = RangeEnd(index, request.Size) - offset;
            long received = 0;
            await _client.DownloadRangeAsync(request.RemotePath, offset, length, request.Size, async (buffer, start, n, token) =>
            {
                await writer.WriteAsync(index, buffer, start, n, token).ConfigureAwait(false);
                received += n;
                progress?.Moved(n);
            }, ctx).ConfigureAwait(false);
            lock (result) result.BytesReceived += received;
            // On disk (and in the journal) now if its turn has come, else once the ranges before it are.
            await writer.CompleteAsync(index, ctx.CancellationToken).ConfigureAwait(false);
        }

        /// <summary>ENOSPC on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
        internal static bool IsDiskFull(IOException e)
        {
            int code = e.HResult & 0xFFFF;
            return code == 28 || code == 0x70 || code == 0x27
                || e.Message.IndexOf("No space left on device", StringComparison.OrdinalIgnoreCase) >= 0;
        }
    }
}
