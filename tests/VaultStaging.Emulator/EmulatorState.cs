using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace VaultStaging.Emulator;

/// <summary>
/// Everything the emulated vault knows: users, auth sessions, upload sessions, jobs, the request log,
/// injected faults and the emulator clock. Thread-safe: one lock guards the bookkeeping, and all slow
/// file I/O (streaming parts and item uploads, assembling files, listing folders, sending files) happens
/// outside it, so transfers run in parallel; short tree changes (a rename into place, a move) happen under it.
/// This file: clock, users, authentication, burst limit, log, faults, reset.
/// EmulatorState.Uploads.cs / .Parts.cs: upload sessions, parts and commit. EmulatorState.Jobs.cs: the job
/// store. EmulatorState.Tree.cs: the staged tree on disk, paths, the control API's items.
/// EmulatorState.Items.cs: the items API (list, download, create, move, delete).
/// </summary>
public sealed partial class EmulatorState : IDisposable
{
    private readonly object _gate = new();
    private readonly EmulatorOptions _initialOptions;
    private readonly Dictionary<string, string> _runTokens = new(StringComparer.OrdinalIgnoreCase); // userName -> token, fixed per run

    private readonly List<EmulatorUser> _users = [];
    private readonly Dictionary<string, AuthSession> _authSessions = new(StringComparer.Ordinal);
    private readonly List<LogEntry> _log = [];
    private readonly List<FaultSpec> _faults = [];
    private TimeSpan _clockOffset;
    private long _logSeq;
    private int _faultSeq;
    private long _burstWindow = -1;
    private int _burstCount;

    private const int MaxLogEntries = 20_000;

    internal EmulatorState(EmulatorOptions options, string stagingRoot)
    {
        _initialOptions = options.Clone();
        Options = options.Clone();
        StagingRoot = Path.GetFullPath(stagingRoot);
        _keepsState = !string.IsNullOrEmpty(options.StagingRoot);
        bool restart = _keepsState && Directory.Exists(FilesRoot);
        Directory.CreateDirectory(StagingRoot);
        lock (_gate) ResetLocked(keepStaged: restart);
    }

    /// <summary>Bytes of /api bodies per quarter second (GET /_emulator/throughput).</summary>
    public ThroughputLog Throughput { get; } = new();

    /// <summary>The staging root is the user's own (--staging-root): upload sessions are kept there (EmulatorState.Persistence.cs).</summary>
    private readonly bool _keepsState;

    /// <summary>Live settings; changing a property takes effect on the next request. Reset restores the start-up values.</summary>
    public EmulatorOptions Options { get; private set; }

    public string StagingRoot { get; }

    /// <summary>Base URL the emulator listens on, e.g. http://127.0.0.1:43210 (no trailing slash).</summary>
    public string BaseUrl { get; internal set; } = "";

    public long VaultId => Options.VaultId;

    // -----------------------------------------------------------------------------------------
    // Clock: real UTC time plus an offset tests can move. Session expiry (72 h), auth timeouts and
    // the burst window use it; job durations and the job-status read interval use the wall clock.
    // -----------------------------------------------------------------------------------------

    public DateTimeOffset Now
    {
        get { lock (_gate) return DateTimeOffset.UtcNow + _clockOffset; }
    }

    public TimeSpan ClockOffset
    {
        get { lock (_gate) return _clockOffset; }
    }

    public DateTimeOffset AdvanceClock(TimeSpan by)
    {
        lock (_gate) { _clockOffset += by; SweepExpiredLocked(); return DateTimeOffset.UtcNow + _clockOffset; }
    }

    public DateTimeOffset SetClockOffset(TimeSpan offset)
    {
        lock (_gate) { _clockOffset = offset; SweepExpiredLocked(); return DateTimeOffset.UtcNow + _clockOffset; }
    }

    private DateTimeOffset NowLocked => DateTimeOffset.UtcNow + _clockOffset;

    /// <summary>Vault reports whole seconds (".000Z"), so every stored timestamp is truncated.</summary>
    internal static DateTimeOffset WholeSeconds(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>Vault's timestamp format, e.g. 2020-10-07T18:32:55.000Z.</summary>
    internal static string VaultDate(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    // -----------------------------------------------------------------------------------------
    // Reset
    // -----------------------------------------------------------------------------------------

    /// <summary>Back to the start-up state: users, seed, no faults, clock offset 0, empty log, no staged files (only the empty user folders).</summary>
    public void Reset()
    {
        lock (_gate) ResetLocked(keepStaged: false);
    }

    /// <summary>
    /// <paramref name="keepStaged"/>: a start on a staging root that already holds a tree keeps the tree and the
    /// upload sessions kept there (instead of emptying it and seeding).
    /// </summary>
    private void ResetLocked(bool keepStaged)
    {
        _generation++; // running jobs of the old generation stop touching state and files
        Throughput.Clear();
        Options = _initialOptions.Clone();
        _clockOffset = TimeSpan.Zero;
        _users.Clear();
        foreach (var user in Options.Users) _users.Add(WithToken(user.Clone()));
        _authSessions.Clear();
        _sessions.Clear();
        _jobs.Clear();
        _log.Clear();
        _logSeq = 0;
        _faults.Clear();
        _burstWindow = -1;
        _burstCount = 0;
        _uploadIdCount = 0;
        _cursors.Clear();

        if (keepStaged)
        {
            CreateTreeLocked();
            LoadSessionsLocked();
            return;
        }
        DeleteStagingContents();
        CreateTreeLocked();
        if (Options.Seed) SeedLocked();
    }

    private void DeleteStagingContents()
    {
        foreach (var dir in Directory.EnumerateDirectories(StagingRoot)) TryDeleteDirectory(dir);
        foreach (var file in Directory.EnumerateFiles(StagingRoot)) TryDeleteFile(file);
    }

    // -----------------------------------------------------------------------------------------
    // Users and tokens
    // -----------------------------------------------------------------------------------------

    /// <summary>Members of this vault get an API token ("veeva-vault-" + random), fixed for the emulator run.</summary>
    private EmulatorUser WithToken(EmulatorUser user)
    {
        if (user.VaultId is not null && user.VaultId != Options.VaultId) { user.Token = null; return user; }
        if (string.IsNullOrEmpty(user.Token))
        {
            if (!_runTokens.TryGetValue(user.UserName, out var token))
                _runTokens[user.UserName] = token = "veeva-vault-" + RandomString(40, Alphanumeric);
            user.Token = token;
        }
        return user;
    }

    public IReadOnlyList<EmulatorUser> Users
    {
        get { lock (_gate) return _users.Select(u => u.Clone()).ToList(); }
    }

    public string? GetToken(string userName)
    {
        lock (_gate) return FindUser(userName)?.Token;
    }

    private EmulatorUser? FindUser(string userName) =>
        _users.FirstOrDefault(u => string.Equals(u.UserName, userName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds a user of this vault (or replaces one with the same name); returns it with its token.</summary>
    public EmulatorUser AddUser(string userName, string password, long userId, bool isAdmin = false)
    {
        if (string.IsNullOrWhiteSpace(userName)) throw new ArgumentException("userName is required");
        if (userId <= 0) throw new ArgumentException("userId must be positive");
        lock (_gate)
        {
            var existing = FindUser(userName);
            if (existing is not null) _users.Remove(existing);
            if (_users.Any(u => u.UserId == userId)) throw new ArgumentException($"userId {userId} is already used");
            var user = WithToken(new EmulatorUser { UserName = userName, Password = password ?? "", UserId = userId, IsAdmin = isAdmin });
            _users.Add(user);
            CreateUserFolderLocked(user);
            return user.Clone();
        }
    }

    public EmulatorInfo GetInfo()
    {
        lock (_gate)
        {
            return new EmulatorInfo
            {
                BaseUrl = BaseUrl,
                StagingRoot = StagingRoot,
                FilesRoot = FilesRoot,
                VaultId = Options.VaultId,
                Users = _users.Select(u => u.Clone()).ToList(),
            };
        }
    }

    // -----------------------------------------------------------------------------------------
    // Authentication
    // -----------------------------------------------------------------------------------------

    internal sealed record LoginResult(string SessionId, EmulatorUser User, long VaultId, IReadOnlyList<VaultInfo> Vaults);

    /// <summary>POST /api/{v}/auth. <paramref name="ownBaseUrl"/> is scheme://host:port the request came in on.</summary>
    internal LoginResult Login(string? userName, string? password, string ownBaseUrl)
    {
        const string AuthFailed = "AUTHENTICATION_FAILED"; // top-level errorType of every failed login (Veeva "Errors" page)
        if (string.IsNullOrEmpty(password))
            throw new VaultFailure("NO_PASSWORD_PROVIDED", "No password was provided for the login call.", AuthFailed);

        lock (_gate)
        {
            var user = string.IsNullOrEmpty(userName) ? null : FindUser(userName);
            if (user is null || user.Password != password)
                throw new VaultFailure("USERNAME_OR_PASSWORD_INCORRECT",
                    "Authentication failed because an invalid username or password was provided.", AuthFailed);

            // A member of another vault only: Vault hands back a session for that vault whatever vaultDNS says.
            var vault = user.VaultId is { } id && id != Options.VaultId
                ? Options.OtherVault
                : new VaultInfo(Options.VaultId, Options.VaultName, ownBaseUrl);

            var session = new AuthSession
            {
                Id = NewAuthSessionId(),
                User = user,
                VaultId = vault.Id,
                Created = NowLocked,
                LastUsed = NowLocked,
            };
            _authSessions[session.Id] = session;
            return new LoginResult(session.Id, user.Clone(), vault.Id, [vault]);
        }
    }

    /// <summary>Resolves an Authorization credential (session id or API token), or throws INVALID_SESSION_ID.</summary>
    internal Caller Authenticate(string? credential)
    {
        if (string.IsNullOrEmpty(credential)) throw InvalidSession();
        lock (_gate)
        {
            if (credential.StartsWith("veeva-vault-", StringComparison.Ordinal))
            {
                var owner = _users.FirstOrDefault(u => u.Token == credential);
                return owner is null ? throw InvalidSession() : new Caller(owner, credential, null);
            }

            if (!_authSessions.TryGetValue(credential, out var session) || !IsAliveLocked(session)) throw InvalidSession();
            // A session of another vault is not valid on this vault's DNS.
            if (session.VaultId != Options.VaultId || !_users.Contains(session.User)) throw InvalidSession();
            session.LastUsed = NowLocked;
            return new Caller(session.User, credential, session);
        }
    }

    private bool IsAliveLocked(AuthSession s)
    {
        if (s.Dead) return false;
        var now = NowLocked;
        if (now - s.LastUsed >= Options.SessionInactivityTimeout || now - s.Created >= Options.SessionMaxLifetime)
        {
            s.Dead = true;
            return false;
        }
        return true;
    }

    internal static VaultFailure InvalidSession() => new("INVALID_SESSION_ID", "Invalid or expired session ID.");

    /// <summary>DELETE /api/{v}/session: the session id is dead from now on (tokens cannot be logged out).</summary>
    internal void Logout(Caller caller)
    {
        lock (_gate) if (caller.Session is not null) caller.Session.Dead = true;
    }

    /// <summary>Kills one auth session by id (no-op for tokens and unknown ids).</summary>
    public void ExpireAuthSession(string sessionId)
    {
        lock (_gate) if (_authSessions.TryGetValue(sessionId, out var s)) s.Dead = true;
    }

    /// <summary>Kills every auth session (e.g. to test re-login); tokens stay valid.</summary>
    public void ExpireAllAuthSessions()
    {
        lock (_gate) foreach (var s in _authSessions.Values) s.Dead = true;
    }

    // -----------------------------------------------------------------------------------------
    // Burst limit: a fixed 5-minute window of the emulator clock, counted per vault.
    // -----------------------------------------------------------------------------------------

    internal readonly record struct BurstCount(int Limit, int Remaining, int DelayMs);

    internal BurstCount CountBurstCall()
    {
        lock (_gate)
        {
            long window = NowLocked.UtcTicks / TimeSpan.FromMinutes(5).Ticks;
            if (window != _burstWindow) { _burstWindow = window; _burstCount = 0; }
            _burstCount++;
            int limit = Options.BurstLimit;
            // Past the limit Vault slows answers down instead of failing them.
            int delay = _burstCount > limit ? Options.BurstDelayMs : 0;
            return new BurstCount(limit, Math.Max(0, limit - _burstCount), delay);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Client id
    // -----------------------------------------------------------------------------------------

    /// <summary>
    /// With RequiredClientIdPattern set, emulates Vault's "Client ID Filtering": requests whose client id
    /// does not match are rejected. Veeva does not document the error type of that rejection;
    /// INSUFFICIENT_ACCESS is this emulator's choice (UNCONFIRMED).
    /// </summary>
    internal void CheckClientId(string? clientId)
    {
        var pattern = Options.RequiredClientIdPattern;
        if (string.IsNullOrEmpty(pattern)) return;
        if (clientId is null || !Regex.IsMatch(clientId, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            throw new VaultFailure("INSUFFICIENT_ACCESS",
                $"Client ID [{clientId ?? "unknown"}] is not allowed to connect to this vault.");
    }

    // -----------------------------------------------------------------------------------------
    // Request log
    // -----------------------------------------------------------------------------------------

    internal void AddLog(LogEntry entry)
    {
        lock (_gate)
        {
            entry.Seq = ++_logSeq;
            _log.Add(entry);
            if (_log.Count > MaxLogEntries) _log.RemoveRange(0, _log.Count - MaxLogEntries);
        }
    }

    public IReadOnlyList<LogEntry> GetLog()
    {
        lock (_gate) return [.. _log];
    }

    public void ClearLog()
    {
        lock (_gate) _log.Clear();
    }

    // -----------------------------------------------------------------------------------------
    // Faults
    // -----------------------------------------------------------------------------------------

    /// <summary>Registers a fault; returns its id.</summary>
    public string AddFault(FaultSpec fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (!FaultSpec.Kinds.Contains(fault.Kind))
            throw new ArgumentException($"Unknown fault kind '{fault.Kind}'. Kinds: {string.Join(", ", FaultSpec.Kinds)}");
        if (fault.Count == 0 || fault.Count < -1) throw new ArgumentException("count must be positive or -1");
        if (fault.Status is { } status && (status < 100 || status > 599)) throw new ArgumentException("status must be 100..599");
        if ((fault.AfterBytes < 0 && fault.Kind != "stall") || fault.AppendBytes < 0)
            throw new ArgumentException("afterBytes (but for a stall) and appendBytes must not be negative");
        var copy = fault.Clone();
        lock (_gate)
        {
            copy.Id = $"fault-{++_faultSeq}";
            copy.Used = 0;
            _faults.Add(copy);
            return copy.Id;
        }
    }

    public bool RemoveFault(string id)
    {
        lock (_gate) return _faults.RemoveAll(f => f.Id == id) > 0;
    }

    public void ClearFaults()
    {
        lock (_gate) _faults.Clear();
    }

    public IReadOnlyList<FaultSpec> GetFaults()
    {
        lock (_gate) return _faults.Select(f => f.Clone()).ToList();
    }

    /// <summary>The first registered fault matching this request, counted as used (and dropped when spent).</summary>
    internal FaultSpec? TakeFault(string operation, string method, string rawPath, string? itemPath, int? partNumber, long? rangeStart = null)
    {
        lock (_gate)
        {
            var fault = _faults.FirstOrDefault(f =>
                (string.IsNullOrEmpty(f.Operation) || string.Equals(f.Operation, operation, StringComparison.OrdinalIgnoreCase)) &&
                (string.IsNullOrEmpty(f.Method) || string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase)) &&
                (string.IsNullOrEmpty(f.PathContains) || rawPath.Contains(f.PathContains, StringComparison.OrdinalIgnoreCase) ||
                 (itemPath is not null && itemPath.Contains(f.PathContains, StringComparison.OrdinalIgnoreCase))) &&
                (f.PartNumber is null || f.PartNumber == partNumber) &&
                (f.RangeStart is null || f.RangeStart == rangeStart));
            if (fault is null) return null;
            fault.Used++;
            if (fault.Count != -1 && fault.Used >= fault.Count) _faults.Remove(fault);
            return fault.Clone();
        }
    }

    // -----------------------------------------------------------------------------------------
    // Snapshot for /_emulator/state
    // -----------------------------------------------------------------------------------------

    public EmulatorSnapshot GetSnapshot()
    {
        lock (_gate)
        {
            return new EmulatorSnapshot
            {
                Now = NowLocked,
                ClockOffsetSeconds = _clockOffset.TotalSeconds,
                Sessions = _sessions.Values.OrderBy(s => s.Seq).Select(ToInfoLocked).ToList(),
                Jobs = _jobs.Values.OrderBy(j => j.Id).Select(ToInfo).ToList(),
                AuthSessions = _authSessions.Values.OrderBy(s => s.Created).Select(s => new AuthSessionInfo
                {
                    UserId = s.User.UserId,
                    VaultId = s.VaultId,
                    Created = s.Created,
                    LastUsed = s.LastUsed,
                    Alive = IsAliveLocked(s),
                }).ToList(),
                Faults = _faults.Select(f => f.Clone()).ToList(),
            };
        }
    }

    // -----------------------------------------------------------------------------------------
    // Helpers
    // -----------------------------------------------------------------------------------------

    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    internal static string RandomString(int length, string alphabet) =>
        RandomNumberGenerator.GetString(alphabet, length);

    /// <summary>Long, random, never reused: letters, digits, '.', '_' and '-' like Vault's.</summary>
    private string NewAuthSessionId()
    {
        string id;
        do id = RandomString(100, Alphanumeric + "._-");
        while (_authSessions.ContainsKey(id));
        return id;
    }

    private static void TryDeleteDirectory(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        lock (_gate) _generation++;
        _shutdown.Cancel();
        _shutdown.Dispose();
    }
}
