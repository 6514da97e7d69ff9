using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Diagnostics
{
    /// <summary>The checks that write, all inside the test's own folder, and the clean-up that removes it.</summary>
    internal sealed partial class ConnectionProbe
    {
        const int SmallFileSize = 300000;
        const int FirstPartSize = 5 * 1024 * 1024;   // Vault's smallest part that is not the last
        const int LastPartSize = 100000;

        /// <summary>The folder the test makes (set before the call that makes it, so a call cut short is still cleaned up).</summary>
        string _folder;
        bool _folderMade;
        readonly HashSet<string> _sessionIds = new HashSet<string>(StringComparer.Ordinal);
        byte[] _smallBytes;
        string _smallPath;
        string _sessionFilePath;
        string _sessionPathEvidence;

        /// <summary>A commit job not yet seen to end: it would make its file in the folder after the folder was removed.</summary>
        VaultJob _pendingCommit;

        async Task RunWritingChecksAsync()
        {
            bool folderMade = await RunCheckAsync("CreateFolder", CreateFolderAsync).ConfigureAwait(false);
            if (!folderMade)
            {
                foreach (string name in new[] { "SmallUpload", "RangedDownload", "UploadSession", "SessionPathForm", "ListingForm", "ItemJobs" })
                    Skip(name, "The test folder could not be made (see CreateFolder).");
                if (_options.Benchmark) SkipBenchmark("The test folder could not be made (see CreateFolder).");
                return;
            }
            bool small = await RunCheckAsync("SmallUpload", SmallUploadAsync).ConfigureAwait(false);
            if (small) await RunCheckAsync("RangedDownload", RangedDownloadAsync).ConfigureAwait(false);
            else Skip("RangedDownload", "It reads the file SmallUpload sends, which failed.");
            await RunCheckAsync("UploadSession", UploadSessionAsync).ConfigureAwait(false);
            await RunCheckAsync("SessionPathForm", SessionPathFormAsync).ConfigureAwait(false);
            await RunCheckAsync("ListingForm", ListingFormAsync).ConfigureAwait(false);
            if (small) await RunCheckAsync("ItemJobs", ItemJobsAsync).ConfigureAwait(false);
            else Skip("ItemJobs", "It renames, moves and deletes the file SmallUpload sends, which failed.");
            if (_options.Benchmark) await RunBenchmarkAsync().ConfigureAwait(false);
        }

        async Task CreateFolderAsync(VaultConnectionCheck check)
        {
            string parent = UserRoot;
            if (_options.Path != null)
            {
                parent = StagingPath.Normalize(_options.Path);
                StagingItem there = await _client.GetItemAsync(parent, _ctx).ConfigureAwait(false);
                if (there == null || !there.IsFolder)
                    throw new VaultInputException("Path", $"{parent} is {(there == null ? "not on the staging server" : "a file")}: give a folder that exists; the test makes its own folder inside it.");
            }
            string name = FolderPrefix + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 6);
            _folder = StagingPath.Combine(parent, name);
            await _client.CreateFolderAsync(_folder, _ctx).ConfigureAwait(false);
            _folderMade = true;
            check.Observed = "";
            check.Detail = $"Made {_folder}; everything the test writes goes there, and it is removed at the end (CleanUp).";
        }

        async Task SmallUploadAsync(VaultConnectionCheck check)
        {
            _smallBytes = RandomBytes(SmallFileSize, 1);
            _smallPath = StagingPath.Combine(_folder, "small.bin");
            string local = Md5Hex.Compute(_smallBytes, 0, _smallBytes.Length);
            StagingItem item = await _client.UploadFileAsync(_smallPath, _smallBytes.Length, () => new System.IO.MemoryStream(_smallBytes, false), false, _ctx).ConfigureAwait(false);
            check.Detail = $"POST .../items {_smallPath}, {_smallBytes.Length:N0} bytes: Vault stored {item.Size?.ToString("N0", CultureInfo.InvariantCulture) ?? "an unreported number of"} bytes, file_content_md5 {item.Md5 ?? "(none)"}, local MD5 {local}.";
            if (item.Md5 == null)
            {
                check.Result = VaultCheckResult.Warning;
                check.Observed = "no MD5";
                check.Detail += " Without Vault's MD5 the module cannot check what arrived.";
                return;
            }
            bool hex = item.Md5.Length == 32 && item.Md5.All(Uri.IsHexDigit);
            check.Observed = (hex ? "hex" : "base64") + " MD5 " + (Md5Hex.AreEqual(item.Md5, local) ? "matches" : "differs");
            if (!Md5Hex.AreEqual(item.Md5, local) || item.Size != _smallBytes.Length)
            {
                check.Result = VaultCheckResult.Failed;
                check.Detail += " What Vault stored is not what was sent: something between here and Vault alters the data (a proxy?).";
            }
        }

        async Task RangedDownloadAsync(VaultConnectionCheck check)
        {
            const long from = 1000, to = 1000 + 65535;
            VaultClient.RangeAnswer answer = await _client.ProbeRangeAsync(_smallPath, from, to, _ctx).ConfigureAwait(false);
            DescribeRange(check, answer, _smallPath, from, to, _smallBytes.Length, _smallBytes);
        }

        async Task UploadSessionAsync(VaultConnectionCheck check)
        {
            _sessionFilePath = StagingPath.Combine(_folder, "session.bin");
            byte[] bytes = RandomBytes(FirstPartSize + LastPartSize, 2);
            UploadSession session = await _client.CreateUploadSessionOnceAsync(_sessionFilePath, bytes.Length, false, _ctx,
                twin => _client.AbortUploadSessionAsync(twin.Id, _ctx)).ConfigureAwait(false);
            lock (_sessionIds) _sessionIds.Add(session.Id);
            // How this vault lists the session (SessionPathForm): learned while it exists.
            List<UploadSession> listed = await _client.ListUploadSessionsAsync(_ctx).ConfigureAwait(false);
            UploadSession mine = listed.FirstOrDefault(s => s.Id == session.Id);
            _sessionPathEvidence = mine?.Path;
            var details = new List<string> { $"Session {session.Id} for {_sessionFilePath}, {bytes.Length:N0} bytes (create answered {session.Path ?? "no path"}; listed as {mine?.Path ?? "(not listed)"})" };
            int offset = 0;
            for (int number = 1; offset < bytes.Length; number++)
            {
                int length = Math.Min(FirstPartSize, bytes.Length - offset);
                int start = offset;
                UploadSessionPart part = await _client.UploadPartAsync(session.Id, number, length, () => new ByteArrayContent(bytes, start, length), _ctx).ConfigureAwait(false);
                string local = Md5Hex.Compute(bytes, start, length);
                if (!Md5Hex.AreEqual(part.Md5, local))
                    throw new VaultException(VaultFailureKind.Client, "PART_MD5_MISMATCH", $"Part {number}: Vault's part_content_md5 {part.Md5 ?? "(none)"} is not the local MD5 {local}.");
                details.Add($"part {number}: {length:N0} bytes, MD5 matches");
                offset += length;
            }
            VaultJob job = _pendingCommit = await _client.CommitUploadSessionOnceAsync(session.Id, _ctx).ConfigureAwait(false);
            Stopwatch waited = Stopwatch.StartNew();
            int reads = 0;
            await _client.WaitForJobAsync(job, TimeSpan.FromMinutes(10), _ => reads++, _ctx).ConfigureAwait(false);
            _pendingCommit = null;
            if (job.Succeeded) lock (_sessionIds) _sessionIds.Remove(session.Id);
            details.Add($"commit job {job.JobId} {job.Status ?? "unknown"} after {reads} status read(s) ({waited.Elapsed.TotalSeconds:0.0} s, one read per {_client.Options.JobStatusInterval.TotalSeconds:0} s at most)");
            check.Observed = "job " + (job.Status ?? "unknown");
            if (job.Succeeded)
            {
                StagingItem staged = await _client.GetItemAsync(_sessionFilePath, _ctx).ConfigureAwait(false);
                details.Add(staged == null ? "the file is not listed" : $"listed with {staged.Size:N0} bytes");
                if (staged == null || staged.Size != bytes.Length) check.Result = VaultCheckResult.Failed;
            }
            else
            {
                check.Result = VaultCheckResult.Failed;
            }
            check.Detail = string.Join("; ", details) + ".";
        }

        async Task SessionPathFormAsync(VaultConnectionCheck check)
        {
            if (AdminSaysSo(check)) return;
            if (_sessionPathEvidence == null || !_client.UserId.HasValue)
            {
                await SessionPathFormFromListingAsync(check).ConfigureAwait(false);
                return;
            }
            string form = ObservedForms.PathForm(new[] { _sessionPathEvidence }, _client.UserId.Value);
            string itemForm = ObservedForms.PathForm(RootPaths, _client.UserId.Value);
            SetPathForm(check, form, $"The test's upload session was listed as {_sessionPathEvidence}." +
                (itemForm == null ? "" : $" Items at the root are listed {itemForm.ToLowerInvariant()}."), itemForm);
        }

        async Task ListingFormAsync(VaultConnectionCheck check)
        {
            // A folder with a file in it, beside the files sent so far: enough for both signs of the form.
            string sub = StagingPath.Combine(_folder, "sub");
            await _client.CreateFolderAsync(sub, _ctx).ConfigureAwait(false);
            byte[] one = RandomBytes(1000, 3);
            await _client.UploadFileAsync(StagingPath.Combine(sub, "inner.bin"), one.Length, () => new System.IO.MemoryStream(one, false), false, _ctx).ConfigureAwait(false);
            VaultResponse plain = await _client.ListItemsPageAsync(_folder, false, 100, _ctx).ConfigureAwait(false);
            VaultResponse recursive = await _client.ListItemsPageAsync(_folder, true, 100, _ctx).ConfigureAwait(false);
            ObservedForms.ListingShape shape = ObservedForms.ShapeOf(plain.Data as JArray, recursive.Data as JArray, _folder, _client.UserId, _isAdmin);
            SetListingForm(check, shape, "the test folder, which holds files and a folder with a file");
        }

        async Task ItemJobsAsync(VaultConnectionCheck check)
        {
            var done = new List<string>();
            string renamed = StagingPath.Combine(_folder, "small-renamed.bin");
            await RunJobAsync("rename", ItemChange.Rename(_smallPath, "small-renamed.bin"), done).ConfigureAwait(false);
            await ExpectAsync(renamed, true, "after the rename").ConfigureAwait(false);
            await ExpectAsync(_smallPath, false, "after the rename").ConfigureAwait(false);

            string sub = StagingPath.Combine(_folder, "sub");
            string moved = StagingPath.Combine(sub, "small-renamed.bin");
            await RunJobAsync("move", ItemChange.Move(renamed, sub), done).ConfigureAwait(false);
            await ExpectAsync(moved, true, "after the move").ConfigureAwait(false);

            await RunJobAsync("delete", ItemChange.Delete(moved, false), done).ConfigureAwait(false);
            await ExpectAsync(moved, false, "after the delete").ConfigureAwait(false);
            check.Observed = "3 jobs SUCCESS";
            check.Detail = string.Join("; ", done) + ".";
        }

        async Task RunJobAsync(string what, ItemChange change, List<string> done)
        {
            VaultJob job = await change.StartAsync(_client, _ctx).ConfigureAwait(false);
            Stopwatch watch = Stopwatch.StartNew();
            await change.WaitAsync(_client, job, _ctx, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
            done.Add($"{what} job {job.JobId} SUCCESS in {watch.Elapsed.TotalSeconds:0.0} s");
        }

        async Task ExpectAsync(string path, bool there, string when)
        {
            bool found = await _client.GetItemAsync(path, _ctx).ConfigureAwait(false) != null;
            if (found != there)
                throw new VaultException(VaultFailureKind.Client, "UNEXPECTED_STATE", $"{path} is {(found ? "still there" : "not there")} {when}, although its job ended SUCCESS.");
        }

        /// <summary>
        /// Removes the test folder and every upload session of this user inside it (the ones the test made, and any
        /// a create cut short may have made), on a token of its own, so Ctrl+C does not stop it.
        /// </summary>
        async Task CleanUpAsync()
        {
            VaultConnectionCheck check = NewCheck("CleanUp");
            if (_folder == null)
            {
                check.Result = VaultCheckResult.Skipped;
                check.Detail = _options.ReadOnly ? "-ReadOnly: nothing was written." : "Nothing was written.";
                Finish(check);
                return;
            }
            Stopwatch watch = Stopwatch.StartNew();
            using (var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
            {
                VaultCallContext ctx = _ctx.WithCancellation(budget.Token);
                var notes = new List<string>();
                try
                {
                    if (_pendingCommit != null && !_pendingCommit.IsFinished)
                        await _client.WaitForJobAsync(_pendingCommit, TimeSpan.FromMinutes(2), null, ctx).ConfigureAwait(false);
                    int aborted = 0;
                    foreach (UploadSession s in await _client.ListUploadSessionsAsync(ctx).ConfigureAwait(false))
                    {
                        bool ours;
                        lock (_sessionIds) ours = _sessionIds.Contains(s.Id);
                        ours |= (s.Owner == null || s.Owner == _client.UserId) && s.Path != null
                                && StagingPath.IsWithin(StagingPath.ForComparison(s.Path, _client.UserId, _isAdmin), _folder);
                        if (!ours) continue;
                        await _client.AbortUploadSessionAsync(s.Id, ctx).ConfigureAwait(false);
                        aborted++;
                    }
                    bool folderThere = _folderMade || await _client.GetItemAsync(_folder, ctx).ConfigureAwait(false) != null;
                    if (folderThere)
                    {
                        VaultJob job = await ItemChange.Delete(_folder, true).RunAsync(_client, ctx, TimeSpan.FromMinutes(2)).ConfigureAwait(false);
                        if (await _client.GetItemAsync(_folder, ctx).ConfigureAwait(false) != null)
                            throw new VaultException(VaultFailureKind.Client, "UNEXPECTED_STATE", $"{_folder} is still listed after its delete job ended SUCCESS.");
                        notes.Add($"removed {_folder} (job {job.JobId})");
                    }
                    notes.Add(aborted == 0 ? "no upload session left" : $"aborted {aborted} upload session(s)");
                    check.Detail = string.Join("; ", notes) + ".";
                }
                catch (Exception e)
                {
                    check.Result = VaultCheckResult.Failed;
                    check.Detail = $"Could not remove everything the test made: {Describe(e)} Remove it with Remove-VaultStagingItem -Path '{_folder}' -Recurse, " +
                        $"and its sessions with Get-VaultUploadSession | Where-Object Path -like '*/{FolderPrefix}*' | Remove-VaultUploadSession.";
                }
            }
            check.Duration = watch.Elapsed;
            Finish(check);
        }

        void Finish(VaultConnectionCheck check)
        {
            CleanUpResult = check;
            if (!_ctx.CancellationToken.IsCancellationRequested) _emit(check);
        }

        /// <summary>Pseudo-random bytes (not compressible, so no proxy can shrink them), the same for a seed.</summary>
        static byte[] RandomBytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed * 7919 + length).NextBytes(bytes);
            return bytes;
        }
    }
}
