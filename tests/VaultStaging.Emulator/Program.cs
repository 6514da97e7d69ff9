using System.Globalization;
using System.Runtime.InteropServices;

namespace VaultStaging.Emulator;

/// <summary>
/// Command line (Pester starts it as a child process; people run it by hand):
/// <code>
/// dotnet VaultStaging.Emulator.dll --urls http://127.0.0.1:0 [--port-file FILE] [--staging-root DIR]
///        [--tls-cert PEM --tls-key PEM] [--listing-form reference|recorded]
///        [--no-seed] [--exit-on-stdin-eof] [--list-page-size N] [--job-duration-ms N]
///        [--job-status-interval SECONDS] [--required-client-id REGEX] [--session-timeout-minutes N]
///        [--non-admin-paths relative|absolute] [--session-fields full|seed] [--item-job-duration-ms N]
///        [--range-status 206|200] [--range-past-end failure|416] [--non-empty-delete failure|job-error]
///        [--item-max-bytes N] [--latency-ms N] [--bandwidth-mbps N] [--error-type SITUATION=TYPE]... [--verbose]
/// </code>
/// Prints exactly one line to stdout once listening: "Vault emulator listening on http://127.0.0.1:PORT"
/// (https://127.0.0.1:PORT with --urls https://... and a certificate).
/// Runs until Ctrl+C / SIGTERM, or until stdin reaches end-of-file with --exit-on-stdin-eof.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = new EmulatorOptions();
        string? portFile = null;
        bool exitOnStdinEof = false;

        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string arg = args[i];
                string? inline = null;
                int eq = arg.IndexOf('=');
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0) { inline = arg[(eq + 1)..]; arg = arg[..eq]; }
                string Value() => inline ?? (++i < args.Length ? args[i] : throw new ArgumentException($"{arg} needs a value"));
                int IntValue() => int.Parse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture);

                switch (arg)
                {
                    case "--urls": options.Urls = Value(); break;
                    case "--port-file": portFile = Value(); break;
                    case "--staging-root": options.StagingRoot = Value(); break;
                    case "--tls-cert": options.TlsCertificatePath = Value(); break;
                    case "--tls-key": options.TlsKeyPath = Value(); break;
                    case "--listing-form": options.ListingForm = Choice<ListingFormStyle>(arg, Value(), "reference", "recorded"); break;
                    case "--no-seed": options.Seed = false; break;
                    case "--exit-on-stdin-eof": exitOnStdinEof = true; break;
                    case "--list-page-size": options.ListPageSize = IntValue(); break;
                    case "--job-duration-ms": options.JobDurationMs = IntValue(); break;
                    case "--job-status-interval":
                        options.JobStatusMinIntervalSeconds = double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture); break;
                    case "--required-client-id": options.RequiredClientIdPattern = Value(); break;
                    case "--session-timeout-minutes": options.SessionInactivityTimeout = TimeSpan.FromMinutes(IntValue()); break;
                    case "--non-admin-paths": options.NonAdminPaths = Choice<NonAdminPathStyle>(arg, Value(), "relative", "absolute"); break;
                    case "--session-fields": options.SessionFields = Choice<SessionFieldsStyle>(arg, Value(), "full", "seed"); break;
                    case "--item-job-duration-ms": options.ItemJobDurationMs = IntValue(); break;
                    case "--range-status":
                        options.RangeStatus = IntValue() is var status and (200 or 206) ? status : throw new ArgumentException("--range-status must be 206 or 200"); break;
                    case "--range-past-end": options.RangePastEnd = Choice<RangePastEndStyle>(arg, Value(), "failure", "416"); break;
                    case "--non-empty-delete": options.NonEmptyDelete = Choice<NonEmptyDeleteStyle>(arg, Value(), "failure", "job-error"); break;
                    case "--item-max-bytes":
                        options.ItemMaxBytes = long.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) is > 0 and var max ? max : throw new ArgumentException("--item-max-bytes must be positive"); break;
                    case "--latency-ms": options.LatencyMs = Math.Max(0, IntValue()); break;
                    case "--bandwidth-mbps": options.BandwidthMbps = Math.Max(0, double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture)); break;
                    case "--error-type":
                        string[] pair = Value().Split('=', 2);
                        if (pair.Length != 2 || !options.ErrorTypes.ContainsKey(pair[0]) || pair[1].Length == 0)
                            throw new ArgumentException($"--error-type needs SITUATION=TYPE, SITUATION one of {string.Join(", ", options.ErrorTypes.Keys)}");
                        options.ErrorTypes[pair[0]] = pair[1];
                        break;
                    case "--verbose": options.ConsoleLogLevel = LogLevel.Information; break;
                    case "--help" or "-h" or "-?":
                        Console.Error.WriteLine(Usage);
                        return 0;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'");
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"vault emulator: {ex.Message} (see --help)");
            return 2;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
        using var sigterm = TryRegister(PosixSignal.SIGTERM, stop);

        VaultEmulator started;
        try
        {
            started = await VaultEmulator.StartAsync(options);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"vault emulator: {ex.Message}");
            return 2;
        }
        await using var emulator = started;

        if (portFile is not null)
        {
            // Atomic: a reader never sees a half-written file.
            string full = Path.GetFullPath(portFile);
            string temp = full + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(temp, emulator.BaseUrl);
            File.Move(temp, full, overwrite: true);
        }
        Console.Out.WriteLine($"Vault emulator listening on {emulator.BaseUrl}");
        Console.Out.Flush();

        if (exitOnStdinEof)
        {
            _ = Task.Run(async () =>
            {
                // The parent keeps our stdin open while it wants us; when it dies or closes it, we stop.
                using var stdin = Console.OpenStandardInput();
                byte[] buffer = new byte[256];
                try { while (await stdin.ReadAsync(buffer) > 0) { } }
                catch (IOException) { }
                stop.TrySetResult();
            });
        }

        await stop.Task;
        return 0;
    }

    private const string Usage = """
        Usage: dotnet VaultStaging.Emulator.dll [options]
          --urls URL                         Kestrel URL (default http://127.0.0.1:0: a free port); https:// needs --tls-cert
          --tls-cert PEM                     certificate served on https URLs (PEM file)
          --tls-key PEM                      its private key (PEM file; default: the key inside the --tls-cert file)
          --port-file FILE                   write the base URL there once listening
          --staging-root DIR                 staged tree, parts and temp files (default: a temp folder, deleted on exit)
          --no-seed                          start without the three seed upload sessions
          --exit-on-stdin-eof                stop when stdin closes
          --list-page-size N                 page List Upload Sessions (default: one page)
          --job-duration-ms N                commit jobs take N ms (default 0: done before the answer)
          --item-job-duration-ms N           move/rename and delete jobs take N ms (default: as --job-duration-ms)
          --job-status-interval S            minimum seconds between two status reads of one job (default 10)
          --required-client-id REGEX         client id filtering (default: any client id)
          --session-timeout-minutes N        auth session inactivity timeout (default 20)
          --non-admin-paths relative|absolute  how non-admins see session and item paths (default relative)
          --session-fields full|seed         session objects with name and overwrite, or without like the seed (default full)
          --listing-form reference|recorded  item listings as Veeva's reference shows them, or as vvfst recorded a vault's:
                                             folders first ending in '/', recursive listings of files alone (default reference)
          --range-status 206|200             status of a ranged download (default 206)
          --range-past-end failure|416       a range starting past the end: FAILURE envelope or HTTP 416 (default failure)
          --non-empty-delete failure|job-error  non-empty folder deleted without recursive=true (default failure)
          --item-max-bytes N                 largest /items upload and download range (default 50000000)
          --latency-ms N                     network profile: ms per request and per new connection (default 0: off)
          --bandwidth-mbps N                 network profile: Mbit/s per connection and direction (default 0: unlimited)
          --error-type SITUATION=TYPE        error type of an undocumented misuse (repeatable); situations and defaults:
                                             missing-item=INVALID_DATA download-folder=INVALID_DATA
                                             missing-parent=INVALID_DATA bad-cursor=INVALID_DATA bad-range=INVALID_DATA
                                             file-too-big=EXCEEDS_FILE_MAX_SIZE protected-folder=OPERATION_NOT_ALLOWED
                                             non-empty-folder=OPERATION_NOT_ALLOWED
          --verbose                          Information-level logs on stderr
        """;

    /// <summary>Parses one of the documented spellings (e.g. "job-error") into its enum value.</summary>
    private static T Choice<T>(string flag, string value, params string[] spellings) where T : struct, Enum
    {
        int index = Array.FindIndex(spellings, s => string.Equals(s, value, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? Enum.GetValues<T>()[index] : throw new ArgumentException($"{flag} must be {string.Join(" or ", spellings)}");
    }

    private static PosixSignalRegistration? TryRegister(PosixSignal signal, TaskCompletionSource stop)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, context => { context.Cancel = true; stop.TrySetResult(); });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }
}
