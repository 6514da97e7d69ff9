using Microsoft.Extensions.Logging;

namespace VaultStaging.Emulator;

/// <summary>Start-up settings. The behavioural ones can also be changed at run time (State.Options, POST /_emulator/options).</summary>
public sealed class EmulatorOptions
{
    /// <summary>Kestrel URL; port 0 picks a free port.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>Folder holding staged files and part files. Null: a temp folder, deleted on dispose.</summary>
    public string? StagingRoot { get; set; }

    /// <summary>
    /// PEM certificate (and <see cref="TlsKeyPath"/>, its PEM private key) served on https URLs. Kestrel's
    /// own settings (ASPNETCORE_Kestrel__Certificates__Default__*, a developer certificate) are not read.
    /// </summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificatePath"/> (null: the key is in the certificate's file).</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>Start with the three upload sessions of the seed (Seed.cs).</summary>
    public bool Seed { get; set; } = true;

    /// <summary>Users; tokens are generated for members of this vault unless given.</summary>
    public List<EmulatorUser> Users { get; set; } = DefaultUsers();

    public long VaultId { get; set; } = 1000;
    public string VaultName { get; set; } = "Emulator Vault";

    /// <summary>The vault the "outsider" belongs to: login hands back a session for it, never for ours.</summary>
    public VaultInfo OtherVault { get; set; } = new(2000, "Other Vault", "https://othervault.veevavault.com");

    /// <summary>Auth session inactivity timeout on the emulator clock (every call and keep-alive refresh it).</summary>
    public TimeSpan SessionInactivityTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Absolute auth session lifetime on the emulator clock; keep-alive cannot extend it.</summary>
    public TimeSpan SessionMaxLifetime { get; set; } = TimeSpan.FromHours(48);

    /// <summary>X-VaultAPI-BurstLimit: calls per fixed 5-minute window of the emulator clock.</summary>
    public int BurstLimit { get; set; } = 2000;

    /// <summary>Past the burst limit Vault delays each answer instead of failing; this is the delay.</summary>
    public int BurstDelayMs { get; set; } = 500;

    /// <summary>Regex a request's client id must match (null: accept anything, like a vault without client id filtering).</summary>
    public string? RequiredClientIdPattern { get; set; }

    /// <summary>Page size of List Upload Sessions (null or 0: everything in one answer, like the seed).</summary>
    public int? ListPageSize { get; set; }

    /// <summary>Wall-clock duration of a commit job. 0: the job finishes before the commit answer is sent.</summary>
    public int JobDurationMs { get; set; }

    /// <summary>Job status of one job may be read at most once per this many wall-clock seconds.</summary>
    public double JobStatusMinIntervalSeconds { get; set; } = 10;

    /// <summary>Active upload sessions allowed per vault.</summary>
    public int MaxActiveUploadSessions { get; set; } = 50;

    /// <summary>How a non-admin sees paths of upload sessions AND items (relative to their folder, or from the staging root).</summary>
    public NonAdminPathStyle NonAdminPaths { get; set; } = NonAdminPathStyle.Relative;

    /// <summary>Session objects with or without <c>name</c> and <c>overwrite</c> (the seed's listing omits both).</summary>
    public SessionFieldsStyle SessionFields { get; set; } = SessionFieldsStyle.Full;

    /// <summary>The shape of item listings: as Veeva's reference shows them, or as vvfst recorded a vault's. UNCONFIRMED.</summary>
    public ListingFormStyle ListingForm { get; set; } = ListingFormStyle.Reference;

    /// <summary>
    /// Wall-clock duration of a move/rename or delete job. Null: the same as <see cref="JobDurationMs"/>.
    /// 0: the job finishes before the answer is sent.
    /// </summary>
    public int? ItemJobDurationMs { get; set; }

    /// <summary>HTTP status of a ranged download: 206 (default) or 200 (with Content-Range all the same). UNCONFIRMED.</summary>
    public int RangeStatus { get; set; } = 206;

    /// <summary>A range that starts at or past the end of the file: the FAILURE envelope (default) or HTTP 416. UNCONFIRMED.</summary>
    public RangePastEndStyle RangePastEnd { get; set; } = RangePastEndStyle.Failure;

    /// <summary>Deleting a non-empty folder without recursive=true: FAILURE at once (default) or a job that fails. UNCONFIRMED.</summary>
    public NonEmptyDeleteStyle NonEmptyDelete { get; set; } = NonEmptyDeleteStyle.Failure;

    /// <summary>Largest /items upload and largest download range, in bytes ("50 MB": 50,000,000 here, UNCONFIRMED).</summary>
    public long ItemMaxBytes { get; set; } = 50_000_000;

    /// <summary>
    /// Error types of the item misuses Veeva does not document, by situation (see <see cref="DefaultErrorTypes"/>);
    /// set one to try a client against another reading, e.g. ErrorTypes["missing-item"] = "NOT_FOUND".
    /// </summary>
    public Dictionary<string, string> ErrorTypes { get; set; } = DefaultErrorTypes();

    /// <summary>Network profile: milliseconds added to every /api request and, once, to every new TCP connection. 0 = off.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Network profile: megabits per second per connection and per direction. 0 = unlimited.</summary>
    public double BandwidthMbps { get; set; }

    /// <summary>Versions listed by GET /api/ (any well-formed vNN.N is accepted in URLs).</summary>
    public List<string> ApiVersions { get; set; } = DefaultApiVersions();

    /// <summary>Console (stderr) log level; stdout is kept for the "listening" line.</summary>
    public LogLevel ConsoleLogLevel { get; set; } = LogLevel.Warning;

    public const string AdminUserName = "admin@emulator.vault";
    public const string JaneUserName = "jane@emulator.vault";
    public const string BobUserName = "bob@emulator.vault";
    public const string OutsiderUserName = "outsider@emulator.vault";

    public static List<EmulatorUser> DefaultUsers() =>
    [
        new() { UserName = AdminUserName, Password = "Adm1n-Pass!word", UserId = 10001000, IsAdmin = true },
        new() { UserName = JaneUserName, Password = "Jane-Pass!word1", UserId = 10001400 },
        new() { UserName = BobUserName, Password = "Bob-Pass!word2", UserId = 10001500 },
        new() { UserName = OutsiderUserName, Password = "Out-Pass!word3", UserId = 10001600, VaultId = 2000 },
    ];

    /// <summary>The situations whose error type is UNCONFIRMED, and the type each gets by default.</summary>
    public static Dictionary<string, string> DefaultErrorTypes() => new(StringComparer.Ordinal)
    {
        ["missing-item"] = "INVALID_DATA",         // list, download, move or delete of a path where nothing is
        ["download-folder"] = "INVALID_DATA",      // download of a folder
        ["missing-parent"] = "INVALID_DATA",       // create in a folder that does not exist
        ["bad-cursor"] = "INVALID_DATA",           // expired, unknown or another user's listing cursor
        ["bad-range"] = "INVALID_DATA",            // malformed, multiple, too long, or past the end (rangePastEnd failure)
        ["file-too-big"] = "EXCEEDS_FILE_MAX_SIZE", // /items upload over itemMaxBytes
        ["protected-folder"] = "OPERATION_NOT_ALLOWED", // delete, move or rename of / or a user folder
        ["non-empty-folder"] = "OPERATION_NOT_ALLOWED", // non-empty folder deleted without recursive (nonEmptyDelete failure)
    };

    public static List<string> DefaultApiVersions()
    {
        var versions = new List<string>();
        for (int year = 21; year <= 26; year++)
        {
            for (int release = 1; release <= 3; release++)
            {
                if (year == 26 && release > 2) break; // v26.2 is the newest (beta) version
                versions.Add($"v{year}.{release}");
            }
        }
        return versions;
    }

    public EmulatorOptions Clone()
    {
        var copy = (EmulatorOptions)MemberwiseClone();
        copy.Users = Users.Select(u => u.Clone()).ToList();
        copy.ApiVersions = [.. ApiVersions];
        copy.ErrorTypes = new Dictionary<string, string>(ErrorTypes, StringComparer.Ordinal);
        return copy;
    }
}

/// <summary>How the <c>path</c> of an upload session is reported to a non-admin caller.</summary>
public enum NonAdminPathStyle
{
    /// <summary>
    /// Relative to the caller's own folder (<c>/Folder/x.bin</c> for <c>/u10001400/Folder/x.bin</c>).
    /// Veeva documents the create answer's path as "the path to the file as specified in the request"
    /// and list/details paths as "specific to the authenticated user", so this is the default.
    /// </summary>
    Relative,

    /// <summary>Always from the staging root (<c>/u10001400/Folder/x.bin</c>), like the seed listing.</summary>
    Absolute,
}

/// <summary>The shape of item listings (<see cref="EmulatorOptions.ListingForm"/>).</summary>
public enum ListingFormStyle
{
    /// <summary>
    /// As Veeva's reference shows: folder paths without a trailing '/', siblings by name, and a recursive listing
    /// depth-first with each folder before its contents.
    /// </summary>
    Reference,

    /// <summary>
    /// As vvfst's authors recorded a vault's answers (vvfst commands.md): a plain listing gives the folders first,
    /// their paths ending in '/', then the files; a recursive listing gives the files alone, in path order, no
    /// folder entries (so an empty folder is not listed at all).
    /// </summary>
    Recorded,
}

/// <summary>Which fields a session object carries (<see cref="EmulatorOptions.SessionFields"/>).</summary>
public enum SessionFieldsStyle
{
    /// <summary>Every field, <c>name</c> and <c>overwrite</c> included (what Veeva's own client sees).</summary>
    Full,

    /// <summary>Like the seed's listing: no <c>name</c>, no <c>overwrite</c>.</summary>
    Seed,
}

/// <summary>What a range starting at or past the end of the file gets (<see cref="EmulatorOptions.RangePastEnd"/>).</summary>
public enum RangePastEndStyle
{
    /// <summary>The JSON envelope: FAILURE with INVALID_DATA (HTTP 200).</summary>
    Failure,

    /// <summary>HTTP 416 with <c>Content-Range: bytes */total</c> and no body.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("416")]
    Status416,
}

/// <summary>Deleting a non-empty folder without recursive=true (<see cref="EmulatorOptions.NonEmptyDelete"/>).</summary>
public enum NonEmptyDeleteStyle
{
    /// <summary>FAILURE with OPERATION_NOT_ALLOWED at once; no job.</summary>
    Failure,

    /// <summary>A job is started and ends ERRORS_ENCOUNTERED; nothing is deleted.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("job-error")]
    JobError,
}
