using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Diagnostics
{
    /// <summary>
    /// -Benchmark: upload and download throughput with 1, 2, 4, 8 and 10 files in flight (10 is Vault's limit of
    /// concurrent calls), each level for a fixed time rather than a fixed amount, so a slow link costs no more
    /// time than a fast one (as azcopy bench). Files of 4 MiB go up in one MD5-checked call each and come back in
    /// one ranged GET each, inside the test folder.
    /// </summary>
    internal sealed partial class ConnectionProbe
    {
        static readonly int[] BenchmarkLevels = { 1, 2, 4, 8, 10 };
        const int BenchmarkFileSize = 4 * 1024 * 1024;

        static IEnumerable<string> BenchmarkChecks =>
            BenchmarkLevels.SelectMany(n => new[] { "Upload" + n, "Download" + n }).Concat(new[] { "RecommendedThrottleLimit" });

        void SkipBenchmark(string why)
        {
            foreach (string name in BenchmarkChecks) Skip(name, why);
        }

        async Task RunBenchmarkAsync()
        {
            string folder = StagingPath.Combine(_folder, "bench");
            try
            {
                await _client.CreateFolderAsync(folder, _ctx).ConfigureAwait(false);
            }
            catch (VaultException e)
            {
                SkipBenchmark("Could not make the benchmark's folder: " + Describe(e));
                return;
            }
            byte[] bytes = RandomBytes(BenchmarkFileSize, 4);
            string md5 = Md5Hex.Compute(bytes, 0, bytes.Length);
            var rates = new Dictionary<int, (double Up, double Down)>();
            foreach (int level in BenchmarkLevels)
            {
                double up = 0, down = 0;
                bool uploaded = await RunCheckAsync("Upload" + level, async check =>
                {
                    up = await MeasureAsync(check, level, "sent", async worker =>
                    {
                        StagingItem item = await _client.UploadFileAsync(BenchmarkPath(folder, worker), bytes.Length, () => new System.IO.MemoryStream(bytes, false), true, _ctx).ConfigureAwait(false);
                        if (!Md5Hex.AreEqual(item.Md5, md5) || item.Size != bytes.Length)
                            throw new VaultException(VaultFailureKind.Client, "FILE_MD5_MISMATCH", $"{item.Path} arrived damaged (Vault's MD5 {item.Md5 ?? "(none)"}, local {md5}).");
                    }).ConfigureAwait(false);
                }).ConfigureAwait(false);
                if (!uploaded)
                {
                    Skip("Download" + level, "It fetches the files Upload" + level + " sends, which failed.");
                    continue;
                }
                await RunCheckAsync("Download" + level, async check =>
                {
                    down = await MeasureAsync(check, level, "fetched", worker =>
                        _client.DownloadRangeAsync(BenchmarkPath(folder, worker), 0, bytes.Length, bytes.Length, (b, o, n, t) => Task.CompletedTask, _ctx)).ConfigureAwait(false);
                }).ConfigureAwait(false);
                rates[level] = (up, down);
            }
            await RunCheckAsync("RecommendedThrottleLimit", check =>
            {
                Recommend(check, rates);
                return Task.CompletedTask;
            }).ConfigureAwait(false);
        }

        static string BenchmarkPath(string folder, int worker) => StagingPath.Combine(folder, $"file-{worker:00}.bin");

        /// <summary>
        /// <paramref name="level"/> workers each repeat <paramref name="once"/> until the level's time is up (at least
        /// once each); the rate is all their bytes over the wall time, in bytes per second.
        /// </summary>
        async Task<double> MeasureAsync(VaultConnectionCheck check, int level, string verb, Func<int, Task> once)
        {
            Stopwatch watch = Stopwatch.StartNew();
            int files = 0;
            await Task.WhenAll(Enumerable.Range(1, level).Select(async worker =>
            {
                do
                {
                    await once(worker).ConfigureAwait(false);
                    System.Threading.Interlocked.Increment(ref files);
                }
                while (watch.Elapsed < _options.BenchmarkLevelTime);
            })).ConfigureAwait(false);
            double seconds = Math.Max(watch.Elapsed.TotalSeconds, 0.001);
            double rate = (double)files * BenchmarkFileSize / seconds;
            check.Observed = Rate(rate);
            check.Detail = $"{level} at once: {files} files of 4 MiB {verb} in {seconds:0.0} s ({rate * 8 / 1e6:N0} Mbit/s).";
            return rate;
        }

        static string Rate(double bytesPerSecond) => (bytesPerSecond / (1024 * 1024)).ToString("N1", CultureInfo.InvariantCulture) + " MiB/s";

        /// <summary>
        /// For each direction, the fewest files in flight that reach 90 % of its best rate (more only adds load on
        /// Vault and on the local disk); the larger of the two, so neither direction is held back.
        /// </summary>
        static void Recommend(VaultConnectionCheck check, Dictionary<int, (double Up, double Down)> rates)
        {
            if (rates.Count == 0)
            {
                check.Result = VaultCheckResult.Skipped;
                check.Detail = "No level was measured.";
                return;
            }
            int Fewest(Func<(double Up, double Down), double> rate)
            {
                double best = rates.Values.Max(rate);
                return rates.Keys.OrderBy(k => k).First(k => rate(rates[k]) >= 0.9 * best);
            }
            int up = Fewest(r => r.Up), down = Fewest(r => r.Down), chosen = Math.Max(up, down);
            check.Observed = chosen.ToString(CultureInfo.InvariantCulture);
            check.Detail = $"Uploads reach 90 % of their best rate with {up} at once ({Rate(rates[up].Up)}), downloads with {down} ({Rate(rates[down].Down)}). " +
                $"Give -ThrottleLimit {chosen} to Send-VaultFile, Receive-VaultFile and Sync-VaultStagingFolder on this link.";
        }
    }
}
