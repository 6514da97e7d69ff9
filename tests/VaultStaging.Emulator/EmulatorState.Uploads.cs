using System.Buffers;
using System.Security.Cryptography;

namespace VaultStaging.Emulator;

// Upload sessions, parts and commit jobs, with the rules of shared/docs/vault-api.md. Error types for
// misuse are the project's UNCONFIRMED choices: out-of-order parts and bytes beyond the declared size
// -> OPERATION_NOT_ALLOWED; short/unequal non-last parts and bad sizes -> INVALID_DATA; unknown (or
// expired/committed/aborted) session ids -> INVALID_DATA; someone else's session -> INSUFFICIENT_ACCESS;
// the 51st active session -> OPERATION_NOT_ALLOWED. Parts: EmulatorState.Parts.cs; jobs: EmulatorState.Jobs.cs.
public sealed partial class EmulatorState
{
    private readonly Dictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private long _sessionSeq;     // never reset: part folders and ids are never reused
    private int _uploadIdCount;   // reset: the 1st, 3rd, 5th... session created after a reset gets an id starting with '.'

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
            SaveSessionLocked(session);
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
            SaveSessionLocked(session);
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
        string absolute = ToAbsolute(caller, requested);

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
            SaveSessionLocked(session);
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
            SaveSessionLocked(session);
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
                SaveSessionLocked(session);
                TryDeleteDirectory(PartsDir(session));
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Commit
    // -----------------------------------------------------------------------------------------

    /// <summary>
    /// POST .../upload/{id}: owner only (UNCONFIRMED: Veeva documents who may upload, not who may commit).
    /// Incomplete (uploaded != size): OPERATION_NOT_ALLOWED. Bad part layout: INVALID_DATA. The session is
    /// gone at once, so a second commit gets INVALID_DATA. The job (JobDurationMs) writes the file into the
    /// staged tree when it ends; with JobDurationMs = 0 that happens before the answer is sent.
    /// </summary>
    internal async Task<long> CommitAsync(Caller caller, string id)
    {
        VaultJob job;
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
            SaveSessionLocked(session);
            job = NewJobLocked("commit", "POST", caller, session.Path, AssembleAsync, session: session);
        }
        return await StartJobAsync(job, Options.JobDurationMs);
    }

    /// <summary>
    /// The commit job's work: concatenates the parts into a temp file, then moves it to {filesRoot}/{path}
    /// (folders created). An existing file with overwrite=false, or a folder there, fails the job and the old
    /// item stays. The parts are purged whatever the outcome. Returns an error text, or null on success.
    /// </summary>
    private async Task<string?> AssembleAsync(VaultJob job, CancellationToken ct)
    {
        var session = job.Session!;
        string target = DiskPath(session.Path);
        string temp = NewTempPath("assembling");
        try
        {
            lock (_gate)
            {
                if (Directory.Exists(target)) return $"A folder already exists at [{session.Path}].";
                if (File.Exists(target) && !session.Overwrite) return $"A file already exists at [{session.Path}] and overwrite is false.";
            }
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
            File.SetLastWriteTimeUtc(temp, WholeSeconds(Now).UtcDateTime);
            lock (_gate)
            {
                if (!IsCurrentLocked(job)) return "Emulator was reset.";
                // Checked again: the item may have appeared while the parts were copied.
                if (Directory.Exists(target)) return $"A folder already exists at [{session.Path}].";
                if (File.Exists(target) && !session.Overwrite) return $"A file already exists at [{session.Path}] and overwrite is false.";
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(temp, target, overwrite: true);
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Could not write [{session.Path}]: {ex.Message}";
        }
        finally
        {
            TryDeleteFile(temp);
            TryDeleteDirectory(PartsDir(session)); // parts are gone after a commit, whatever the outcome
        }
    }

    // -----------------------------------------------------------------------------------------
    // Snapshots and ids
    // -----------------------------------------------------------------------------------------

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