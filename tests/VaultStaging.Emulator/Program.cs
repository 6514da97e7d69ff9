using System.Globalization;
using System.Runtime.InteropServices;

namespace VaultStaging.Emulator;

/// <summary>
/// Command line (Pester starts it as a child process; people run it by hand):
/// <code>
/// dotnet VaultStaging.Emulator.dll --urls http://127.0.0.1:0 [--port-file FILE] [--staging-root DIR]
///        [--no-seed] [--exit-on-stdin-eof] [--list-page-size N] [--job-duration-ms N]
///        [--job-status-interval SECONDS] [--required-client-id REGEX] [--session-timeout-minutes N]
///        [--non-admin-paths relative|absolute] [--verbose]
/// </code>
/// Prints exactly one line to stdout once listening: "Vault emulator listening on http://127.0.0.1:PORT".
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
                    case "--no-seed": options.Seed = false; break;
                    case "--exit-on-stdin-eof": exitOnStdinEof = true; break;
                    case "--list-page-size": options.ListPageSize = IntValue(); break;
                    case "--job-duration-ms": options.JobDurationMs = IntValue(); break;
                    case "--job-status-interval":
                        options.JobStatusMinIntervalSeconds = double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture); break;
                    case "--required-client-id": options.RequiredClientIdPattern = Value(); break;
                    case "--session-timeout-minutes": options.SessionInactivityTimeout = TimeSpan.FromMinutes(IntValue()); break;
                    case "--non-admin-paths": options.NonAdminPaths = Enum.Parse<NonAdminPathStyle>(Value(), ignoreCase: true); break;
                    case "--verbose": options.ConsoleLogLevel = LogLevel.Information; break;
                    case "--help" or "-h" or "-?":
                        Console.Error.WriteLine("Usage: dotnet VaultStaging.Emulator.dll --urls http://127.0.0.1:0 [--port-file FILE] [--staging-root DIR] " +
                            "[--no-seed] [--exit-on-stdin-eof] [--list-page-size N] [--job-duration-ms N] [--job-status-interval S] " +
                            "[--required-client-id REGEX] [--session-timeout-minutes N] [--non-admin-paths relative|absolute] [--verbose]");
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

        await using var emulator = await VaultEmulator.StartAsync(options);

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
