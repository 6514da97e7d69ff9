using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>
    /// Jobs (commit, move, rename, delete): the one home of job waiting. Vault allows one status read per
    /// job every 10 seconds (faster reads get API_LIMIT_EXCEEDED); the first read may come at once. The
    /// client remembers when it last read each job, so every caller on the connection keeps to that pace,
    /// and many jobs are waited together, each on its own clock.
    /// </summary>
    public sealed partial class VaultClient
    {
        readonly Dictionary<long, long> _jobLastRead = new Dictionary<long, long>();
        readonly Dictionary<long, VaultJob> _jobsStarted = new Dictionary<long, VaultJob>();
        const int MaxJobsRemembered = 4096;

        /// <summary>
        /// A job this connection started (a commit, move, rename or delete), remembered so that a read by its id
        /// alone still says what it does: Vault's job status names only the HTTP method of the call that started it.
        /// </summary>
        internal VaultJob Started(VaultJob job)
        {
            lock (_jobsStarted)
            {
                if (_jobsStarted.Count >= MaxJobsRemembered) _jobsStarted.Clear();
                _jobsStarted[job.JobId] = job;
            }
            return job;
        }

        /// <summary>Reads a job's status into <paramref name="job"/>, waiting first if it was read less than the interval ago.</summary>
        public async Task<VaultJob> GetJobAsync(VaultJob job, VaultCallContext ctx)
        {
            if (job.Operation == null)
            {
                VaultJob started;
                lock (_jobsStarted) _jobsStarted.TryGetValue(job.JobId, out started);
                if (started != null)
                {
                    job.Operation = started.Operation;
                    job.Path = job.Path ?? started.Path;
                    job.UploadSessionId = job.UploadSessionId ?? started.UploadSessionId;
                }
            }
            await WaitForReadSlotAsync(job.JobId, ctx.CancellationToken).ConfigureAwait(false);
            var request = new VaultRequest(HttpMethod.Get, ApiRoot + "services/jobs/" + job.JobId.ToString(CultureInfo.InvariantCulture), "Read the status of job " + job.JobId);
            VaultResponse answer;
            try
            {
                answer = await SendAsync(request, ctx).ConfigureAwait(false);
            }
            finally
            {
                // Vault counts the interval from when the read reached it, which is at the latest now: a read that
                // left late (a busy machine, a new connection) must not bring the next one closer than allowed.
                lock (_jobLastRead) _jobLastRead[job.JobId] = Stopwatch.GetTimestamp();
            }
            if (answer.Data is JObject data) job.Update(data);
            return job;
        }

        /// <summary>
        /// Waits until the job is finished or <paramref name="timeout"/> has passed (then it returns with the
        /// last status read; <see cref="VaultJob.IsFinished"/> says which).
        /// </summary>
        public async Task<VaultJob> WaitForJobAsync(VaultJob job, TimeSpan? timeout, Action<VaultJob> onStatus, VaultCallContext ctx)
        {
            Stopwatch watch = Stopwatch.StartNew();
            while (true)
            {
                await GetJobAsync(job, ctx).ConfigureAwait(false);
                onStatus?.Invoke(job);
                if (job.IsFinished) return job;
                if (timeout.HasValue && watch.Elapsed + JobReadInterval > timeout.Value) return job;
            }
        }

        /// <summary>The same, with one verbose line per status read ("Move /a.txt to /b/a.txt: job 101002: RUNNING.").</summary>
        public Task<VaultJob> WaitForJobAsync(VaultJob job, TimeSpan? timeout, VaultCallContext ctx) =>
            WaitForJobAsync(job, timeout, j => ctx.Verbose($"{j.Subject}: {j.Status}."), ctx);

        /// <summary>Vault's interval plus a small margin, so two reads never arrive closer than Vault allows.</summary>
        TimeSpan JobReadInterval => _options.JobStatusInterval + TimeSpan.FromMilliseconds(Math.Max(100, _options.JobStatusInterval.TotalMilliseconds * 0.05));

        async Task WaitForReadSlotAsync(long jobId, CancellationToken cancellationToken)
        {
            long interval = (long)(JobReadInterval.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                long now = Stopwatch.GetTimestamp(), wait;
                lock (_jobLastRead)
                {
                    wait = _jobLastRead.TryGetValue(jobId, out long last) ? last + interval - now : 0;
                    if (wait <= 0)
                    {
                        _jobLastRead[jobId] = now;
                        return;
                    }
                }
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
