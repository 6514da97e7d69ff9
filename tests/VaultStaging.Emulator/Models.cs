namespace VaultStaging.Emulator;

// Public types are what tests see (options, users, faults, log entries and read-only snapshots).
// Internal types are the emulator's mutable state; they are only touched under EmulatorState's lock.

/// <summary>A Vault user known to the emulator.</summary>
public sealed class EmulatorUser
{
    public string UserName { get; set; } = "";
    public string Password { get; set; } = "";
    public long UserId { get; set; }

    /// <summary>System Admin / Vault Owner: sees every session, writes paths from the staging root.</summary>
    public bool IsAdmin { get; set; }

    /// <summary>
    /// Null: a member of the emulator's own vault. Otherwise the id of the only vault the user belongs to
    /// (<see cref="EmulatorOptions.OtherVault"/>): login succeeds but hands back a session for that vault.
    /// </summary>
    public long? VaultId { get; set; }

    /// <summary>API access token (<c>veeva-vault-...</c>); assigned by the emulator for members of its vault.</summary>
    public string? Token { get; set; }

    internal EmulatorUser Clone() => (EmulatorUser)MemberwiseClone();
}

/// <summary>A vault as listed in the <c>vaultIds</c> of an auth answer. <see cref="Url"/> is the base, without <c>/api</c>.</summary>
public sealed record VaultInfo(long Id, string Name, string Url);

/// <summary>A fault to inject into the next matching Vault API requests (see FaultInjection.cs).</summary>
public sealed class FaultSpec
{
    public static readonly IReadOnlyList<string> Kinds =
    [
        "http-status", "drop", "truncate", "slow", "expire-session", "api-limit", "burst-delay", "corrupt-part", "fail-after-apply",
        "corrupt-file", "wrong-content-range", "change-file", "close-after-apply", "stall",
    ];

    /// <summary>Assigned by the emulator.</summary>
    public string? Id { get; set; }

    public string Kind { get; set; } = "";

    /// <summary>Log operation name to match (auth, list, create, upload, commit, job, items, content, item-create, ...); null matches any.</summary>
    public string? Operation { get; set; }

    /// <summary>HTTP method to match; null matches any.</summary>
    public string? Method { get; set; }

    /// <summary>Substring of the raw request path, or of the decoded item path of an item URL, to match; null matches any.</summary>
    public string? PathContains { get; set; }

    /// <summary>Only upload requests with this X-VaultAPI-FilePartNumber; null matches any.</summary>
    public int? PartNumber { get; set; }

    /// <summary>Only downloads whose Range starts at this byte (one range of a file); null matches any.</summary>
    public long? RangeStart { get; set; }

    /// <summary>How many matching requests it hits; -1 = until cleared.</summary>
    public int Count { get; set; } = 1;

    /// <summary>http-status / fail-after-apply: the HTTP status (default 502).</summary>
    public int? Status { get; set; }

    /// <summary>http-status / fail-after-apply: Retry-After header value, sent verbatim.</summary>
    public string? RetryAfter { get; set; }

    /// <summary>slow / burst-delay / stall: milliseconds to wait.</summary>
    public int? DelayMs { get; set; }

    /// <summary>burst-delay: value of X-VaultAPI-BurstLimitRemaining to send.</summary>
    public int? Remaining { get; set; }

    /// <summary>drop / truncate: run the operation and cut ITS answer (true) or cut a canned answer without running it (false).</summary>
    public bool Apply { get; set; }

    /// <summary>
    /// drop: bytes of the body sent before the connection is reset (default: half of it). stall: bytes sent
    /// before the pause (default: half; negative: all but that many of the last bytes).
    /// </summary>
    public long? AfterBytes { get; set; }

    /// <summary>change-file: bytes appended to the file once the answer is sent (default 1024).</summary>
    public int? AppendBytes { get; set; }

    /// <summary>wrong-content-range: how far the announced range is shifted, in bytes (default 1).</summary>
    public long? Shift { get; set; }

    /// <summary>How many requests it has hit so far.</summary>
    public int Used { get; set; }

    internal FaultSpec Clone() => (FaultSpec)MemberwiseClone();
}

/// <summary>One Vault API request as seen by the emulator. Never holds credentials.</summary>
public sealed class LogEntry
{
    public long Seq { get; set; }
    public DateTimeOffset Time { get; set; }
    public string Method { get; set; } = "";

    /// <summary>Raw request path, escaped exactly as received.</summary>
    public string Path { get; set; } = "";

    /// <summary>Raw query string (with the leading '?'), or null.</summary>
    public string? Query { get; set; }

    /// <summary>auth|versions|keepalive|logout|list|create|details|upload|parts|commit|abort|job|items|content|item-create|item-update|item-delete|other</summary>
    public string Operation { get; set; } = "other";

    /// <summary>Item operations: the item path as the caller wrote it, decoded (e.g. <c>/Folder/a b.txt</c>); null if it could not be decoded.</summary>
    public string? ItemPath { get; set; }

    /// <summary>commit, item-update, item-delete: the job started; job: the job read.</summary>
    public long? JobId { get; set; }

    public int? PartNumber { get; set; }

    /// <summary>content: the first byte the Range header asked for (null without a range).</summary>
    public long? RangeStart { get; set; }

    public string? UploadSessionId { get; set; }
    public long? UserId { get; set; }
    public string? ClientId { get; set; }
    public string? UserAgent { get; set; }
    public string? Accept { get; set; }

    /// <summary>raw | bearer | none</summary>
    public string AuthScheme { get; set; } = "none";

    /// <summary>HTTP status sent; 499 when the client went away before the answer was written (a killed or timed-out client).</summary>
    public int Status { get; set; }

    public string? ResponseStatus { get; set; }
    public string? ErrorType { get; set; }

    /// <summary>Kind of the fault that hit this request, or null.</summary>
    public string? Fault { get; set; }
}

public sealed class PartInfo
{
    public int PartNumber { get; set; }
    public long Size { get; set; }
    public string? Md5 { get; set; }

    /// <summary>False for the synthetic parts of seeded / control-API sessions (content generated on demand).</summary>
    public bool OnDisk { get; set; }
}

public sealed class UploadSessionInfo
{
    public string Id { get; set; } = "";

    /// <summary>Absolute path from the staging root.</summary>
    public string Path { get; set; } = "";

    public string Name { get; set; } = "";
    public long Size { get; set; }
    public long Uploaded { get; set; }
    public int UploadedParts { get; set; }
    public long Owner { get; set; }
    public DateTimeOffset CreatedDate { get; set; }
    public DateTimeOffset LastUploadedDate { get; set; }
    public DateTimeOffset ExpirationDate { get; set; }
    public bool Overwrite { get; set; }

    /// <summary>active | committed | aborted | expired</summary>
    public string State { get; set; } = "active";

    public List<PartInfo> Parts { get; set; } = [];

    /// <summary>Extra JSON fields sent with the session object (see POST /_emulator/sessions).</summary>
    public Dictionary<string, System.Text.Json.Nodes.JsonNode?>? ExtraFields { get; set; }
}

public sealed class JobInfo
{
    public long JobId { get; set; }
    public string Status { get; set; } = "";

    /// <summary>commit | move | delete</summary>
    public string Kind { get; set; } = "";

    /// <summary>The HTTP method that started it (job status "method"): POST (commit), PUT (move), DELETE (delete).</summary>
    public string Method { get; set; } = "";

    /// <summary>Commit jobs only.</summary>
    public string? UploadSessionId { get; set; }

    /// <summary>Absolute path (from the staging root) of the file committed, or the item moved or deleted.</summary>
    public string Path { get; set; } = "";

    /// <summary>Move jobs: the absolute path the item goes to.</summary>
    public string? TargetPath { get; set; }

    public long CreatedBy { get; set; }
    public DateTimeOffset CreatedDate { get; set; }
    public DateTimeOffset? RunStartDate { get; set; }
    public DateTimeOffset? RunEndDate { get; set; }

    /// <summary>Why the job ended with ERRORS_ENCOUNTERED (emulator-only; Vault's job status has no such field).</summary>
    /// <summary>A listing export (format_result=csv) whose CSV is ready: GET /api/{v}/services/jobs/{id}/results.</summary>
    public bool HasResults { get; set; }

    public string? Error { get; set; }
}

public sealed class AuthSessionInfo
{
    public long UserId { get; set; }
    public long VaultId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUsed { get; set; }
    public bool Alive { get; set; }
}

/// <summary>An item as the control API reports it (GET /_emulator/items).</summary>
public sealed class ItemInfo
{
    public bool Exists { get; set; }

    /// <summary>Absolute path from the staging root.</summary>
    public string Path { get; set; } = "";

    /// <summary>file | folder; null when it does not exist.</summary>
    public string? Kind { get; set; }

    public long? Size { get; set; }
    public string? Sha256 { get; set; }

    /// <summary>Last write time (UTC, whole seconds), what modified_date reports.</summary>
    public DateTimeOffset? ModifiedDate { get; set; }
}

/// <summary>What POST /_emulator/items made in its bulk form.</summary>
public sealed class BulkItemsResult
{
    public string Root { get; set; } = "";
    public int Folders { get; set; }
    public long Files { get; set; }
    public long ElapsedMs { get; set; }
}

public sealed class StagedFileInfo
{
    public bool Exists { get; set; }
    public long? Size { get; set; }
    public string? Sha256 { get; set; }
}

public sealed class EmulatorInfo
{
    public string BaseUrl { get; set; } = "";
    public string StagingRoot { get; set; } = "";

    /// <summary>The folder holding the staged tree (<c>{stagingRoot}/files</c>): Vault's "/".</summary>
    public string FilesRoot { get; set; } = "";

    public long VaultId { get; set; }
    public List<EmulatorUser> Users { get; set; } = [];
}

public sealed class EmulatorSnapshot
{
    public DateTimeOffset Now { get; set; }
    public double ClockOffsetSeconds { get; set; }
    public List<UploadSessionInfo> Sessions { get; set; } = [];
    public List<JobInfo> Jobs { get; set; } = [];
    public List<AuthSessionInfo> AuthSessions { get; set; } = [];
    public List<FaultSpec> Faults { get; set; } = [];
}

// ---------------------------------------------------------------------------------------------
// Internal mutable state
// ---------------------------------------------------------------------------------------------

/// <summary>A Vault FAILURE answer: thrown by EmulatorState, written as the JSON envelope by the pipeline.</summary>
internal sealed class VaultFailure(string type, string message, string? errorType = null) : Exception(message)
{
    public string Type { get; } = type;

    /// <summary>Top-level errorType (only failed logins carry one).</summary>
    public string? ErrorType { get; } = errorType;
}

internal sealed class AuthSession
{
    public required string Id { get; init; }
    public required EmulatorUser User { get; init; }
    public required long VaultId { get; init; }
    public required DateTimeOffset Created { get; init; }
    public DateTimeOffset LastUsed { get; set; }
    public bool Dead { get; set; }
}

/// <summary>Who is calling: a user authenticated by session id or API token.</summary>
internal sealed record Caller(EmulatorUser User, string Credential, AuthSession? Session)
{
    public long UserId => User.UserId;
    public bool IsAdmin => User.IsAdmin;
}

internal sealed class StoredPart
{
    public required int Number { get; init; }
    public required long Size { get; init; }

    /// <summary>Null for synthetic parts until first needed (computed from the generated content).</summary>
    public string? Md5 { get; set; }

    /// <summary>File holding the bytes; null for synthetic parts.</summary>
    public string? FilePath { get; init; }
}

internal sealed class UploadSession
{
    /// <summary>Fields Vault may add in later versions (tests of clients that must keep unknown fields).</summary>
    public Dictionary<string, System.Text.Json.Nodes.JsonNode?>? ExtraFields { get; set; }

    public required long Seq { get; init; }
    public required string Id { get; init; }
    public required string Path { get; init; }
    public required long Size { get; init; }
    public required long Owner { get; init; }
    public required bool Overwrite { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset Expiration { get; init; }
    public DateTimeOffset LastUploaded { get; set; }
    public string State { get; set; } = "active";
    public SortedDictionary<int, StoredPart> Parts { get; } = [];

    public bool IsActive => State == "active";
    public long Uploaded => Parts.Values.Sum(p => p.Size);
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];
}

/// <summary>A commit, move/rename or delete job: one kind of job for all (GET /api/{v}/services/jobs/{id}).</summary>
internal sealed class VaultJob
{
    public required long Id { get; init; }

    /// <summary>commit | move | delete | list</summary>
    public required string Kind { get; init; }

    /// <summary>POST | PUT | DELETE (the job status "method").</summary>
    public required string Method { get; init; }

    /// <summary>Absolute path of the file committed or of the item moved/deleted.</summary>
    public required string Path { get; init; }

    public string? TargetPath { get; init; }
    public UploadSession? Session { get; init; }

    /// <summary>A listing export's CSV (format_result=csv), once the job has made it.</summary>
    public string? ResultCsv { get; set; }

    /// <summary>What the job does when it ends: null on success, else why it failed (ERRORS_ENCOUNTERED).</summary>
    public required Func<VaultJob, CancellationToken, Task<string?>> Work { get; init; }

    public required long CreatedBy { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required int Generation { get; init; }
    public string Status { get; set; } = "QUEUED";
    public DateTimeOffset? RunStart { get; set; }
    public DateTimeOffset? RunEnd { get; set; }
    public string? Error { get; set; }

    /// <summary>Wall-clock time of the last accepted status read (the 10 s rule is about real time).</summary>
    public DateTime? LastStatusReadUtc { get; set; }
}
