using System.Buffers;
using System.Security.Cryptography;

namespace VaultStaging.Emulator;

// Upload sessions, parts and commit jobs, with the rules of shared/docs/vault-api.md. Error types for
// misuse are the project's UNCONFIRMED choices: out-of-order parts and bytes beyond the declared size
// -> OPERATION_NOT_ALLOWED; short/unequal non-last parts and bad sizes -> INVALID_DATA; unknown (or
// expired/committed/aborted) session ids -> INVALID_DATA; someone else's session -> INSUFFICIENT_ACCESS;
// the 51st active session -> OPERATION_NOT_ALLOWED.
public sealed partial class EmulatorState
{
    private readonly Dictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<long, UploadJob> _jobs = [];
    private readonly CancellationTokenSource _shutdown = new();
    private long _sessionSeq;     // never reset: part folders and ids are never reused
    private long _nextJobId = 101_000;
    private int _uploadIdCount;   // reset: the 1st, 3rd, 5th... session created after a reset gets an id starting with '.'
    private int _generation;

    public const long MinPartSize = 5 * 1024 * 1024;              // 5 MiB (UNCONFIRMED MiB vs MB: Veeva's tools send MiB parts)
    public const long MaxPartSizeBeforeV262 = 50 * 1024 * 1024;   // 52,428,800: "up to 50MB"
    public const long MaxPartSizeFromV262 = 52_000_000;           // v26.2 reference: "up to 52MB"
    public const int MaxPartsBeforeV262 = 2000;
    public const int MaxPartsFromV262 = 9616;
    public const long MaxFileSize = 500L * 1024 * 1024 * 1024;    // "500GB", read as GiB (UNCONFIRMED, consistent with MiB parts)
    public static readonly TimeSpan UploadSessionLifetime = TimeSpan.FromHours(72);

    private string PartsRoot => Path.Combine(StagingRoot, ".parts");
    private string PartsDir(UploadSession s) => Path.Combine(PartsRoot, s.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));

    // -----------------------------------------------------------------------------------------
    // Seed and control-API sessions
    // -----------------------------------------------------------------------------------------

    private void SeedLocked()
    {
        foreach (var seed in Seed.Rebased(NowLocked))
        {
            var session = new UploadSession
            {
                Seq = ++_sessionSeq, Id = seed.Id, Path = seed.Path, Size = seed.Size, Owner = seed.Owner, Overwrite = false,
                Created = seed.Created, Expiration = seed.Expiration, LastUploaded = seed.LastUploaded,
            };
            AddSyntheticParts(session, seed.Uploaded, seed.UploadedParts);
            _sessions[session.Id] = session;
        }
    }

    /// <summary>
    /// Synthetic parts for sessions that exist only in bookkeeping: <paramref name="count"/> parts holding
    /// <paramref name="uploaded"/> bytes, all of uploaded / count bytes except the last, which takes the rest.
    /// </summary>
    private static void AddSyntheticParts(UploadSession session, long uploaded, int count)
    {
        if (count == 0) return;
        long each = uploaded / count;
        for (int n = 1; n <= count; n++)
        {
            long size = n < count ? each : uploaded - each * (count - 1);
            session.Parts[n] = new StoredPart { Number = n, Size = size };
        }
    }

    /// <summary>
    /// Adds an upload session directly (tests that need 50 sessions, someone else's session, an old one...).
    /// <paramref name="path"/> is absolute from the staging root. Parts are synthetic. Not subject to the 50-session cap.
    /// </summary>
    public UploadSessionInfo AddUploadSession(long owner, string path, long size, long uploaded = 0, int? uploadedParts = null,
        DateTimeOffset? createdDate = null, bool overwrite = false, Dictionary<string, System.Text.Json.Nodes.JsonNode?>? extraFields = null)
    {
        if (size <= 0) throw new ArgumentException("size must be positive");
        if (uploaded < 0 || uploaded > size) throw new ArgumentException("uploaded must be 0..size");
        int parts = uploadedParts ?? (uploaded == 0 ? 0 : (int)Math.Max(1, (uploaded + MaxPartSizeBeforeV262 - 1) / MaxPartSizeBeforeV262));
        if (parts < 0 || (uploaded > 0) != (parts > 0) || parts > uploaded)
            throw new ArgumentException("uploadedParts must be >= 1 when uploaded > 0, and 0 when uploaded is 0");
        string absolute = NormalizePath(path) ?? throw new ArgumentException($"Invalid path '{path}'");

        lock (_gate)
        {
            var created = WholeSeconds(createdDate ?? NowLocked);
            var session = new UploadSession
            {
                Seq = ++_sessionSeq, Id = NewUploadSessionIdLocked(), Path = absolute, Size = size, Owner = owner, Overwrite = overwrite,
                Created = created, Expiration = created + UploadSessionLifetime, LastUploaded = created, ExtraFields = extraFields,
            };
            AddSyntheticParts(session, uploaded, parts);
            _sessions[session.Id] = session;
            SweepExpiredLocked();
            return ToInfoLocked(session);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Create, list, details, abort
    // -----------------------------------------------------------------------------------------

    /// <summary>POST .../upload, form fields as received.</summary>
    internal UploadSessionInfo CreateUploadSession(Caller caller, string? path, string? size, string? overwrite)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new VaultFailure("PARAMETER_REQUIRED", "Missing required parameter [path]");
        if (string.IsNullOrWhiteSpace(size)) throw new VaultFailure("PARAMETER_REQUIRED", "Missing required parameter [size]");
        if (!long.TryParse(size.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long bytes)
            || bytes <= 0 || bytes > MaxFileSize)
            throw new VaultFailure("INVALID_DATA", $"Invalid value [{size}] for parameter [size]: must be 1..{MaxFileSize} bytes.");
        bool overwriteFlag = false;
        if (!string.IsNullOrWhiteSpace(overwrite) && !bool.TryParse(overwrite.Trim(), out overwriteFlag))
            throw new VaultFailure("INVALID_DATA", $"Invalid value [{overwrite}] for parameter [overwrite]");

        // Admins write from the staging root, everybody else relative to their own /u{id} folder.
        string requested = NormalizePath(path) ?? throw new VaultFailure("INVALID_DATA", $"Invalid value [{path}] for parameter [path]");
        string absolute = caller.IsAdmin ? requested : $"/u{caller.UserId}{requested}";
        if (absolute == "/.parts" || absolute.StartsWith("/.parts/", StringComparison.Ordinal))
            throw new VaultFailure("INVALID_DATA", "The /.parts folder is reserved by the emulator.");

        lock (_gate)
        {
            SweepExpiredLocked();
            if (_sessions.Values.Count(s => s.IsActive) >= Options.MaxActiveUploadSessions)
                throw new VaultFailure("OPERATION_NOT_ALLOWED",
                    $"The maximum number of active upload sessions ({Options.MaxActiveUploadSessions}) has been reached.");
            var now = WholeSeconds(NowLocked);
            var session = new UploadSession
            {
                Seq = ++_sessionSeq, Id = NewUploadSessionIdLocked(), Path = absolute, Size = bytes, Owner = caller.UserId,
                Overwrite = overwriteFlag, Created = now, Expiration = now + UploadSessionLifetime, LastUploaded = now,
            };
            _sessions[session.Id] = session;
            return ToInfoLocked(session);
        }
    }

    internal sealed record SessionPage(IReadOnlyList<UploadSessionInfo> Sessions, int? NextOffset);

    /// <summary>GET .../upload: admins see every active session, others their own; paged when ListPageSize is set.</summary>
    internal SessionPage ListUploadSessions(Caller caller, int offset)
    {
        lock (_gate)
        {
            SweepExpiredLocked();
            var visible = _sessions.Values
                .Where(s => s.IsActive && (caller.IsAdmin || s.Owner == caller.UserId))
                .OrderBy(s => s.Created).ThenBy(s => s.Seq)
                .ToList();
            int pageSize = Options.ListPageSize is > 0 and var size ? size : int.MaxValue;
            var page = visible.Skip(offset).Take(pageSize).Select(ToInfoLocked).ToList();
            int end = offset + page.Count;
            return new SessionPage(page, end < visible.Count ? end : null);
        }
    }

    /// <summary>An active session the caller may see (owner or admin), else INVALID_DATA / INSUFFICIENT_ACCESS.</summary>
    private UploadSession VisibleSessionLocked(Caller caller, string id, bool ownerOnly = false)
    {
        SweepExpiredLocked();
        if (!_sessions.TryGetValue(id, out var session) || !session.IsActive)
            throw new VaultFailure("INVALID_DATA", $"Invalid upload session ID [{id}].");
        bool allowed = session.Owner == caller.UserId || (!ownerOnly && caller.IsAdmin);
        if (!allowed)
            throw new VaultFailure("INSUFFICIENT_ACCESS", $"User [{caller.UserId}] does not have access to upload session [{id}].");
        return session;
    }

    internal UploadSessionInfo GetUploadSession(Caller caller, string id)
    {
        lock (_gate) return ToInfoLocked(VisibleSessionLocked(caller, id));
    }

    /// <summary>DELETE .../upload/{id}: owner or admin; parts purged.</summary>
    internal void AbortUploadSession(Caller caller, string id)
    {
        string dir;
        lock (_gate)
        {
            var session = VisibleSessionLocked(caller, id);
            session.State = "aborted";
            dir = PartsDir(session);
        }
        TryDeleteDirectory(dir);
    }

    /// <summary>Sessions expire 72 h after creation on the emulator clock; their parts are purged.</summary>
    private void SweepExpiredLocked()
    {
        var now = NowLocked;
        foreach (var session in _sessions.Values)
        {
            if (session.IsActive && now >= session.Expiration)
            {
                session.State = "expired";
                TryDeleteDirectory(PartsDir(session));
            }
        }
    }

    /// <summary>The session's path as this caller sees it (see NonAdminPathStyle).</summary>
    internal string ReportedPath(string absolutePath, Caller caller)
    {
        if (caller.IsAdmin || Options.NonAdminPaths == NonAdminPathStyle.Absolute) return absolutePath;
        string folder = $"/u{caller.UserId}";
        return absolutePath.StartsWith(folder + "/", StringComparison.Ordinal) ? absolutePath[folder.Length..] : absolutePath;
    }

    // -----------------------------------------------------------------------------------------
    // Parts
    // -----------------------------------------------------------------------------------------

    internal sealed record PartResult(int PartNumber, long Size, string Md5);

    /// <summary>
    /// PUT .../upload/{id}: validates the part against the session using Content-Length, streams the body
    /// to a temp file while hashing it (never holding a part in memory), then swaps it in under the lock.
    /// </summary>
    internal async Task<PartResult> UploadPartAsync(Caller caller, ApiVersion version, string id, string? partNumberHeader,
        long? contentLength, Stream body, bool corrupt, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(partNumberHeader))
            throw new VaultFailure("PARAMETER_REQUIRED", "Missing required header [X-VaultAPI-FilePartNumber]");
        if (!int.TryParse(partNumberHeader.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
            throw new VaultFailure("INVALID_DATA", $"Invalid value [{partNumberHeader}] for header [X-VaultAPI-FilePartNumber]");
        if (contentLength is null)
            throw new VaultFailure("PARAMETER_REQUIRED", "Missing required header [Content-Length]");
        long length = contentLength.Value;

        UploadSession session;
        string tempPath;
        lock (_gate)
        {
            session = VisibleSessionLocked(caller, id, ownerOnly: true); // only the owner may upload
            CheckPartLocked(session, version, number, length);
            tempPath = Path.Combine(PartsDir(session), $"{number}.{Guid.NewGuid():N}.tmp");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(tempPath)!);
        // The emulator must not be the bottleneck of a benchmark: fill a 1 MiB buffer from the socket, then
        // hash and write it in one go with a plain synchronous file write (no async file I/O on Linux).
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long received = 0;
            using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                int filled = 0, n;
                do
                {
                    n = await body.ReadAsync(buffer.AsMemory(filled, buffer.Length - filled), ct);
                    if (n > 0)
                    {
                        // corrupt-part fault: flip the first byte, as if it was damaged in transit.
                        if (corrupt && received == 0) buffer[filled] ^= 0xFF;
                        received += n;
                        filled += n;
                    }
                    if (filled > 0 && (n == 0 || filled == buffer.Length))
                    {
                        md5.AppendData(buffer, 0, filled);
                        file.Write(buffer, 0, filled);
                        filled = 0;
                    }
                } while (n > 0);
            }
            if (received != length)
                throw new VaultFailure("INVALID_DATA", $"Received {received} bytes but Content-Length was {length}.");
            string hash = Convert.ToHexStringLower(md5.GetHashAndReset());

            lock (_gate)
            {
                // The session may have been committed, aborted or expired, or another part stored, meanwhile.
                if (!session.IsActive || !_sessions.ContainsKey(session.Id))
                    throw new VaultFailure("INVALID_DATA", $"Invalid upload session ID [{id}].");
                CheckPartLocked(session, version, number, length);
                string finalPath = Path.Combine(PartsDir(session), number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                File.Move(tempPath, finalPath, overwrite: true);
                session.Parts[number] = new StoredPart { Number = number, Size = length, Md5 = hash, FilePath = finalPath };
                session.LastUploaded = WholeSeconds(NowLocked);
            }
            return new PartResult(number, length, hash);
        }
        catch
        {
            TryDeleteFile(tempPath);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The part rules, checked as if part <paramref name="number"/> had <paramref name="length"/> bytes.</summary>
    private static void CheckPartLocked(UploadSession session, ApiVersion version, int number, long length)
    {
        bool v262 = version.AtLeast(26, 2);
        int maxParts = v262 ? MaxPartsFromV262 : MaxPartsBeforeV262;
        long maxPart = v262 ? MaxPartSizeFromV262 : MaxPartSizeBeforeV262;

        if (number < 1 || number > maxParts)
            throw new VaultFailure("INVALID_DATA", $"Invalid part number [{number}]: must be 1..{maxParts}.");
        int highest = session.Parts.Count == 0 ? 0 : session.Parts.Keys.Max();
        if (number > highest + 1)
            throw new VaultFailure("OPERATION_NOT_ALLOWED",
                $"Parts must be uploaded in numerical order: part [{number}] cannot be uploaded before part [{highest + 1}].");
        if (length <= 0 || length > maxPart)
            throw new VaultFailure("INVALID_DATA", $"Invalid part size [{length}]: a part must be 1..{maxPart} bytes.");
        CheckLayout(session, number, length);
    }

    /// <summary>
    /// Sizes after storing the part: no more bytes than declared; every part except the last one at
    /// least 5 MiB and all of the same size. A part is "the last" only if it completes the file, so a
    /// short part that leaves bytes missing is refused at once, and a short part followed by another
    /// is refused when the following one arrives.
    /// </summary>
    private static void CheckLayout(UploadSession session, int number, long length)
    {
        var sizes = session.Parts.ToDictionary(p => p.Key, p => p.Value.Size);
        sizes[number] = length;
        long total = sizes.Values.Sum();
        if (total > session.Size)
            throw new VaultFailure("OPERATION_NOT_ALLOWED",
                $"Part [{number}] would bring the upload to {total} bytes, more than the declared size of {session.Size} bytes.");

        int last = sizes.Keys.Max();
        bool lastCompletesFile = total == session.Size;
        long? common = null;
        foreach (var (n, size) in sizes.OrderBy(p => p.Key))
        {
            if (n == last && lastCompletesFile) continue; // the last part may be smaller
            if (size < MinPartSize)
                throw new VaultFailure("INVALID_DATA",
                    $"Part [{n}] is {size} bytes: every part except the last must be at least {MinPartSize} bytes.");
            common ??= size;
            if (size != common)
                throw new VaultFailure("INVALID_DATA",
                    $"Part [{n}] is {size} bytes but part [1] is {common} bytes: all parts except the last must be the same size.");
        }
    }

    internal sealed record PartsPage(IReadOnlyList<PartResult> Parts, int? NextOffset);

    /// <summary>GET .../upload/{id}/parts: owner or admin.</summary>
    internal PartsPage ListParts(Caller caller, string id, int offset, int limit)
    {
        List<(UploadSession Session, StoredPart Part)> page;
        int? next;
        lock (_gate)
        {
            var session = VisibleSessionLocked(caller, id);
            var all = session.Parts.Values.ToList();
            page = all.Skip(offset).Take(limit).Select(p => (session, p)).ToList();
            next = offset + page.Count < all.Count ? offset + page.Count : null;
        }
        // Synthetic parts get their MD5 on first use (hashing generated content outside the lock).
        var results = page.Select(x => new PartResult(x.Part.Number, x.Part.Size, x.Part.Md5 ??= SyntheticContent.Md5(x.Session.Id, x.Part.Number, x.Part.Size))).ToList();
        return new PartsPage(results, next);
    }

    // -----------------------------------------------------------------------------------------
    // Commit and jobs
    // -----------------------------------------------------------------------------------------

    /// <summary>
    /// POST .../upload/{id}: owner only (UNCONFIRMED: Veeva documents who may upload, not who may commit).
    /// Incomplete (uploaded != size): OPERATION_NOT_ALLOWED. Bad part layout: INVALID_DATA. The session is
    /// gone at once, so a second commit gets INVALID_DATA. With JobDurationMs = 0 the job has finished
    /// before the answer is sent; otherwise it runs in the background.
    /// </summary>
    internal async Task<long> CommitAsync(Caller caller, string id)
    {
        UploadJob job;
        lock (_gate)
        {
            var session = VisibleSessionLocked(caller, id, ownerOnly: true);
            long uploaded = session.Uploaded;
            if (uploaded != session.Size)
                throw new VaultFailure("OPERATION_NOT_ALLOWED",
                    $"Upload session [{id}] is incomplete: {uploaded} of {session.Size} bytes uploaded.");
            var lastPart = session.Parts.Values.Last();
            CheckLayout(session, lastPart.Number, lastPart.Size);
            session.State = "committed";
            job = new UploadJob
            {
                Id = _nextJobId++, Session = session, CreatedBy = caller.UserId, Created = WholeSeconds(NowLocked), Generation = _generation,
            };
            _jobs[job.Id] = job;
        }

        int duration = Options.JobDurationMs;
        if (duration <= 0) await RunJobAsync(job, 0);
        else _ = Task.Run(() => RunJobAsync(job, duration));
        return job.Id;
    }

    /// <summary>SCHEDULED -> RUNNING (after half the duration) -> assemble -> SUCCESS / ERRORS_ENCOUNTERED.</summary>
    private async Task RunJobAsync(UploadJob job, int durationMs)
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

            string? error = await AssembleAsync(job, ct);

            if (durationMs > 0) await Task.Delay(durationMs - durationMs / 2, ct);
            lock (_gate)
            {
                if (job.Generation != _generation) return;
                job.Status = error is null ? "SUCCESS" : "ERRORS_ENCOUNTERED";
                job.Error = error;
                job.RunEnd = WholeSeconds(NowLocked);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            TryDeleteDirectory(PartsDir(job.Session)); // parts are gone after a commit, whatever the outcome
        }
    }

    /// <summary>Concatenates the parts into {stagingRoot}/{path}. Returns an error text, or null on success.</summary>
    private async Task<string?> AssembleAsync(UploadJob job, CancellationToken ct)
    {
        var session = job.Session;
        string target = Path.GetFullPath(Path.Combine(StagingRoot, session.Path.TrimStart('/')));
        if (!target.StartsWith(StagingRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return $"Path [{session.Path}] is outside the staging area.";
        string temp = target + $".{Guid.NewGuid():N}.assembling";
        try
        {
            if (Directory.Exists(target)) return $"A folder already exists at [{session.Path}].";
            if (File.Exists(target) && !session.Overwrite) return $"A file already exists at [{session.Path}] and overwrite is false.";
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                foreach (var part in session.Parts.Values)
                {
                    if (part.FilePath is null)
                    {
                        await SyntheticContent.WriteAsync(output, session.Id, part.Number, part.Size, ct);
                    }
                    else
                    {
                        using var input = new FileStream(part.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
                        input.CopyTo(output, 1 << 20);
                        ct.ThrowIfCancellationRequested();
                    }
                }
            }
            lock (_gate)
            {
                if (job.Generation != _generation) { TryDeleteFile(temp); return "Emulator was reset."; }
                File.Move(temp, target, overwrite: true);
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDeleteFile(temp);
            return $"Could not write [{session.Path}]: {ex.Message}";
        }
    }

    /// <summary>GET /api/{v}/services/jobs/{job_id}: the job's creator or an admin, at most once per interval per job.</summary>
    internal JobInfo ReadJobStatus(Caller caller, string jobIdText)
    {
        if (!long.TryParse(jobIdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long jobId))
            throw new VaultFailure("INVALID_DATA", $"Invalid job ID [{jobIdText}].");
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var job)) throw new VaultFailure("INVALID_DATA", $"Invalid job ID [{jobId}].");
            if (job.CreatedBy != caller.UserId && !caller.IsAdmin)
                throw new VaultFailure("INSUFFICIENT_ACCESS", $"User [{caller.UserId}] does not have access to job [{jobId}].");
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

    // -----------------------------------------------------------------------------------------
    // Staged files and snapshots
    // -----------------------------------------------------------------------------------------

    /// <summary>The assembled file at an absolute staging path (e.g. /u10001400/x.bin).</summary>
    public StagedFileInfo GetStagedFile(string path)
    {
        string? absolute = NormalizePath(path);
        if (absolute is null) return new StagedFileInfo { Exists = false };
        string full = Path.GetFullPath(Path.Combine(StagingRoot, absolute.TrimStart('/')));
        if (!full.StartsWith(StagingRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
            return new StagedFileInfo { Exists = false };
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 81920);
        byte[] hash = SHA256.HashData(stream);
        return new StagedFileInfo { Exists = true, Size = stream.Length, Sha256 = Convert.ToHexStringLower(hash) };
    }

    public IReadOnlyList<UploadSessionInfo> GetUploadSessions()
    {
        lock (_gate)
        {
            SweepExpiredLocked();
            return _sessions.Values.OrderBy(s => s.Seq).Select(ToInfoLocked).ToList();
        }
    }

    private static UploadSessionInfo ToInfoLocked(UploadSession s) => new()
    {
        Id = s.Id, Path = s.Path, Name = s.Name, Size = s.Size, Uploaded = s.Uploaded, UploadedParts = s.Parts.Count, Owner = s.Owner,
        CreatedDate = s.Created, LastUploadedDate = s.LastUploaded, ExpirationDate = s.Expiration, Overwrite = s.Overwrite, State = s.State, ExtraFields = s.ExtraFields,
        Parts = s.Parts.Values.Select(p => new PartInfo { PartNumber = p.Number, Size = p.Size, Md5 = p.Md5, OnDisk = p.FilePath is not null }).ToList(),
    };

    private static JobInfo ToInfo(UploadJob j) => new()
    {
        JobId = j.Id, Status = j.Status, UploadSessionId = j.Session.Id, Path = j.Session.Path, CreatedBy = j.CreatedBy,
        CreatedDate = j.Created, RunStartDate = j.RunStart, RunEndDate = j.RunEnd, Error = j.Error,
    };

    // -----------------------------------------------------------------------------------------
    // Paths and ids
    // -----------------------------------------------------------------------------------------

    /// <summary>"/a/b.bin" form: leading '/', no empty, '.' or '..' segments, no trailing '/', no '\' or control characters. Null if invalid.</summary>
    internal static string? NormalizePath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        string p = path.StartsWith('/') ? path : "/" + path;
        foreach (var segment in p[1..].Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == ".." || segment.Contains('\\') || segment.Any(char.IsControl))
                return null;
        }
        return p;
    }

    /// <summary>
    /// Opaque ids shaped like Vault's (the seed's): 78 characters of letters, digits, '.' and '_' ending
    /// in "--". Every other session created after a reset (the 1st, 3rd, ...) starts with '.', like the
    /// ids in Veeva's upload examples, so clients meet that case early.
    /// </summary>
    private string NewUploadSessionIdLocked()
    {
        string id;
        do
        {
            bool leadingDot = _uploadIdCount % 2 == 0;
            string body = RandomString(leadingDot ? 77 : 78, Alphanumeric + "._");
            id = (leadingDot ? "." : "") + body + "--";
        }
        while (_sessions.ContainsKey(id) || id.Contains(".."));
        _uploadIdCount++;
        return id;
    }
}
