using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VaultStaging.Emulator;

/// <summary>
/// A running emulator. In-process use (xunit):
/// <code>
/// await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
/// var http = new HttpClient { BaseAddress = emu.BaseUri };
/// </code>
/// </summary>
public sealed class VaultEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsStagingRoot;
    private readonly X509Certificate2? _certificate;
    private int _disposed;

    private VaultEmulator(WebApplication app, EmulatorState state, Uri baseUri, bool ownsStagingRoot, X509Certificate2? certificate)
    {
        _app = app;
        _certificate = certificate;
        State = state;
        BaseUri = baseUri;
        _ownsStagingRoot = ownsStagingRoot;
    }

    /// <summary>e.g. http://127.0.0.1:43210/ (with the trailing slash, for HttpClient.BaseAddress).</summary>
    public Uri BaseUri { get; }

    /// <summary>e.g. http://127.0.0.1:43210 (no trailing slash).</summary>
    public string BaseUrl => BaseUri.GetLeftPart(UriPartial.Authority);

    /// <summary>Direct control: the same operations as the /_emulator control API.</summary>
    public EmulatorState State { get; }

    /// <summary>
    /// Starts Kestrel (port 0 in <see cref="EmulatorOptions.Urls"/> picks a free port) and returns once it listens.
    /// An https URL needs <see cref="EmulatorOptions.TlsCertificatePath"/>; a bad one is an ArgumentException.
    /// </summary>
    public static async Task<VaultEmulator> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? new EmulatorOptions()).Clone();
        X509Certificate2? certificate = LoadCertificate(options);
        bool https = options.Urls.Split(';').Any(url => url.Trim().StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        if (https && certificate is null)
        {
            throw new ArgumentException($"--urls {options.Urls} needs a certificate: give --tls-cert PEM and --tls-key PEM " +
                "(Kestrel's environment settings and developer certificate are not read).");
        }
        bool ownsRoot = string.IsNullOrEmpty(options.StagingRoot);
        string root = ownsRoot
            ? Path.Combine(Path.GetTempPath(), "vault-emulator-" + Guid.NewGuid().ToString("N")[..12])
            : options.StagingRoot!;
        var state = new EmulatorState(options, root);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(VaultEmulator).Assembly.GetName().Name,
            EnvironmentName = "Production",            // no developer exception page: errors are Vault envelopes
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Nothing from appsettings or ASPNETCORE_* variables (e.g. Kestrel endpoints) may change a test server.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(); // somewhere for UseUrls to write its setting
        builder.WebHost.UseUrls(options.Urls);
        if (https) builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves https out
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 60L * 1024 * 1024;  // a 52 MB part plus slack; bigger bodies get 413
            kestrel.Limits.MinRequestBodyDataRate = null;          // slow clients and throttled tests must not be cut off
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromMinutes(5);
            // Content-Disposition carries the file name as stored: UTF-8 bytes for non-ASCII names (UNCONFIRMED).
            kestrel.ResponseHeaderEncodingSelector = name =>
                string.Equals(name, "Content-Disposition", StringComparison.OrdinalIgnoreCase) ? System.Text.Encoding.UTF8 : null;
            // Latency and bandwidth of the network profile, under HTTP (NetworkProfile.cs).
            kestrel.ConfigureEndpointDefaults(listen => NetworkProfile.Use(listen, state));
            if (certificate is not null) kestrel.ConfigureHttpsDefaults(tls => tls.ServerCertificate = certificate);
        });

        // stdout is reserved for the "listening" line: logs go to stderr, Warning and up by default.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(options.ConsoleLogLevel);

        builder.Services.AddSingleton(state);
        // The emulator does not hook Ctrl+C/SIGTERM itself: the test host (or Program.Main) decides when to stop.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        app.Use((ctx, next) => { VaultRoutes.KeepItemUrlsOnTheirRoute(ctx); return next(ctx); });
        app.UseRouting();
        app.UseMiddleware<VaultPipeline>();
        VaultRoutes.Map(app);
        ControlRoutes.Map(app);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            state.Dispose();
            certificate?.Dispose();
            if (ownsRoot) TryDelete(root);
            throw;
        }

        string address = app.Urls.First();
        var baseUri = new Uri(address.TrimEnd('/') + "/");
        state.BaseUrl = baseUri.GetLeftPart(UriPartial.Authority);
        return new VaultEmulator(app, state, baseUri, ownsRoot, certificate);
    }

    /// <summary>The certificate of --tls-cert/--tls-key (PEM files), or null when none is given.</summary>
    private static X509Certificate2? LoadCertificate(EmulatorOptions options)
    {
        if (string.IsNullOrEmpty(options.TlsCertificatePath))
        {
            return string.IsNullOrEmpty(options.TlsKeyPath) ? null
                : throw new ArgumentException("--tls-key needs --tls-cert (the certificate it belongs to).");
        }
        try
        {
            using var pem = string.IsNullOrEmpty(options.TlsKeyPath)
                ? X509Certificate2.CreateFromPemFile(options.TlsCertificatePath)
                : X509Certificate2.CreateFromPemFile(options.TlsCertificatePath, options.TlsKeyPath);
            // A PEM-loaded key is ephemeral, which SslStream on Windows cannot use: carry it through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ArgumentException($"--tls-cert {options.TlsCertificatePath} / --tls-key {options.TlsKeyPath ?? "(none)"}: {ex.Message}", ex);
        }
    }

    /// <summary>Stops the server; deletes the staging folder if the emulator created it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
            State.Dispose();
            _certificate?.Dispose();
            if (_ownsStagingRoot) TryDelete(State.StagingRoot);
        }
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
