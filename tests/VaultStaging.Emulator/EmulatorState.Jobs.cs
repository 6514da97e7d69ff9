namespace VaultStaging.Emulator;

// Jobs: commit (POST .../upload/{id}), move/rename (PUT .../items/{path}) and delete (DELETE .../items/{path})
// share one store and GET /api/{v}/services/jobs/{job_id}. A job is QUEUED, RUNNING after half its duration,
// and does its work when the duration is over; only then does it end SUCCESS or ERRORS_ENCOUNTERED. So
// until a job ends, the item is where it was (a committed file appears, a moved item moves, a deleted
// item goes, all at the end). A duration of 0 runs the whole job before the call that started it answers.
public sealed partial class EmulatorState
{
    private readonly Dictionary<long, VaultJob> _jobs = [];
    private readonly CancellationTokenSource _shutdown = new();
    private long _nextJobId = 101_000;
    private int _generation;

    /// <summary>Registers a job and runs it: at once (duration 0, awaited) or in the background.</summary>
    private async Task<long> StartJobAsync(VaultJob job, int durationMs)
    {
        if (durationMs <= 0) await RunJobAsync(job, 0);
        else _ = Task.Run(() => RunJobAsync(job, durationMs));
        return job.Id;
    }

    /// <summary>A new job id and the bookkeeping every job shares. Call under the lock, then StartJobAsync outside it.</summary>
    private VaultJob NewJobLocked(string kind, string method, Caller caller, string path, Func<VaultJob, CancellationToken, Task<string?>> work,
        string? targetPath = null, UploadSession? session = null)
    {
        var job = new VaultJob
        {
            Id = _nextJobId++, Kind = kind, Method = method, Path = path, TargetPath = targetPath, Session = session, Work = work,
            CreatedBy = caller.UserId, Created = WholeSeconds(NowLocked), Generation = _generation,
        };
        _jobs[job.Id] = job;
        return job;
    }

    private int ItemJobDurationMs => Options.ItemJobDurationMs ?? Options.JobDurationMs;

    /// <summary>QUEUED -> RUNNING (after half the duration) -> the work (at the end) -> SUCCESS / ERRORS_ENCOUNTERED.</summary>
    private async Task RunJobAsync(VaultJob job, int durationMs)
    {
        var ct = _shutdown.Token;
        try
        {
            if (durationMs > 0) await Task.Delay(durationMs / 2, ct);
            lock (_gate)
            {
                if (job.Generation != _generation) return; // reset meanwhile
                job.Status = "RUNNING";
                job.RunStart = WholeSeconds(NowLocked);
            }
            if (durationMs > 0) await Task.Delay(durationMs - durationMs / 2, ct);

            string? error;
            try { error = await job.Work(job, ct); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { error = ex.Message; }

            lock (_gate)
            {
                if (job.Generation != _generation) return;
                job.Status = error is null ? "SUCCESS" : "ERRORS_ENCOUNTERED";
                job.Error = error;
                job.RunEnd = WholeSeconds(NowLocked);
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>For a job's work, under the lock: false once the emulator was reset after the job started.</summary>
    private bool IsCurrentLocked(VaultJob job) => job.Generation == _generation;

    /// <summary>Under the lock: the job a caller names by id, if it is the caller's or the caller is an admin.</summary>
    private VaultJob JobFor(Caller caller, string jobIdText)
    {
        if (!long.TryParse(jobIdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long jobId))
            throw new VaultFailure("INVALID_DATA", $"Invalid job ID [{jobIdText}].");
        if (!_jobs.TryGetValue(jobId, out var job)) throw new VaultFailure("INVALID_DATA", $"Invalid job ID [{jobId}].");
        if (job.CreatedBy != caller.UserId && !caller.IsAdmin)
            throw new VaultFailure("INSUFFICIENT_ACCESS", $"User [{caller.UserId}] does not have access to job [{jobId}].");
        return job;
    }

    /// <summary>GET /api/{v}/services/jobs/{job_id}: the job's creator or an admin, at most once per interval per job.</summary>
    internal JobInfo ReadJobStatus(Caller caller, string jobIdText)
    {
        lock (_gate)
        {
            VaultJob job = JobFor(caller, jobIdText);
            long jobId = job.Id;
            // Veeva: "can only be requested once every 10 seconds for each job_id". Refused reads do not restart the interval.
            var wallNow = DateTime.UtcNow;
            var interval = TimeSpan.FromSeconds(Options.JobStatusMinIntervalSeconds);
            if (job.LastStatusReadUtc is { } last && wallNow - last < interval)
                throw new VaultFailure("API_LIMIT_EXCEEDED",
                    $"Job status for job [{jobId}] may be requested once every {Options.JobStatusMinIntervalSeconds} seconds.");
            job.LastStatusReadUtc = wallNow;
            return ToInfo(job);
        }
    }

    public IReadOnlyList<JobInfo> GetJobs()
    {
        lock (_gate) return _jobs.Values.OrderBy(j => j.Id).Select(ToInfo).ToList();
    }

    /// <summary>One job, without counting as a status read (tests waiting for a job use this, not the API).</summary>
    public JobInfo? GetJob(long jobId)
    {
        lock (_gate) return _jobs.TryGetValue(jobId, out var job) ? ToInfo(job) : null;
    }

    private static JobInfo ToInfo(VaultJob j) => new()
    {
        JobId = j.Id, Status = j.Status, Kind = j.Kind, Method = j.Method, UploadSessionId = j.Session?.Id, Path = j.Path,
        TargetPath = j.TargetPath, CreatedBy = j.CreatedBy, CreatedDate = j.Created, RunStartDate = j.RunStart, RunEndDate = j.RunEnd,
        Error = j.Error, HasResults = j.ResultCsv is not null,
    };

    /// <summary>GET /api/{v}/services/jobs/{job_id}/results: a listing export's CSV, for its creator or an admin, once it ended SUCCESS.</summary>
    internal string ReadJobResults(Caller caller, string jobIdText)
    {
        lock (_gate)
        {
            VaultJob job = JobFor(caller, jobIdText);
            long jobId = job.Id;
            return job.Status == "SUCCESS" && job.ResultCsv is { } csv ? csv
                : throw new VaultFailure("INVALID_DATA", $"Job [{jobId}] has no results{(job.Status is "QUEUED" or "RUNNING" ? " yet" : "")}.");
        }
    }
}
