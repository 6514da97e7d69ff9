using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Transfer;

/// <summary>The transfer engine over real HTTP to emulators of its own (some need a network profile set before any connection).</summary>
public sealed class TransferEngineTests
{
    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    /// <summary>Counts the requests on the wire at once, below the client, where the network sees them.</summary>
    private sealed class InFlightCounter() : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 64 })
    {
        private int _now;
        public int Peak;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            int now = Interlocked.Increment(ref _now);
            int peak;
            while (now > (peak = Volatile.Read(ref Peak)) && Interlocked.CompareExchange(ref Peak, now, peak) != peak) { }
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                // A download is in flight until its body is read: count it until then.
                if (response.Content is not null) await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }
            finally
            {
                Interlocked.Decrement(ref _now);
            }
        }
    }

    [Fact]
    public async Task No_more_than_ten_requests_are_in_flight_on_a_connection_whatever_the_throttle_limit()
    {
        await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
        for (int i = 0; i < 30; i++) emu.State.CreateItemDirect($"/u10001400/many/f{i:00}.bin", size: 40 * 1024 * 1024, sparse: true);
        emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "content", DelayMs = 150, Count = -1 });
        var counter = new InFlightCounter();
        using var client = await VaultClient.ConnectWithPasswordAsync(emu.BaseUri, EmulatorOptions.JaneUserName, Secure("Jane-Pass!word1"),
            new VaultClientOptions(), VaultCallContext.None, counter);
        string folder = Path.Combine(Path.GetTempPath(), "inflight-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = Enumerable.Range(0, 30).Select(i => new FileDownloadRequest($"/many/f{i:00}.bin", 40 * 1024 * 1024, null, Path.Combine(folder, $"f{i:00}.bin"))).ToList();
            using var batch = new DownloadBatch(client, files, throttleLimit: 50, VaultCallContext.None);
            batch.Start();
            var outcomes = new List<TransferOutcome<FileDownloadRequest, DownloadResult>>();
            while (!batch.Run.IsDone)
                if (batch.Run.TryTake(TimeSpan.FromMilliseconds(50), out var o)) outcomes.Add(o);
            Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error?.ToString()));
            Assert.Equal(30, outcomes.Count);
            Assert.InRange(counter.Peak, 8, VaultClient.MaxRequestsInFlight);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task A_part_on_a_slow_link_takes_longer_than_the_time_limit_and_still_goes_through()
    {
        // 4 Mbit/s: a 3 MiB part takes about 6 s; the limit is 2 s without a byte moving.
        await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false, BandwidthMbps = 4 });
        var verbose = new List<string>();
        var ctx = new VaultCallContext(CancellationToken.None, m => { lock (verbose) verbose.Add(m); });
        using var client = await VaultClient.ConnectWithPasswordAsync(emu.BaseUri, EmulatorOptions.JaneUserName, Secure("Jane-Pass!word1"),
            new VaultClientOptions { Retry = new RetryPolicy { MaximumRetryCount = 0 } }, ctx);
        client.Options.Timeout = TimeSpan.FromSeconds(2);
        using var file = new TempFile(3 * 1024 * 1024, seed: 3);
        var started = DateTime.UtcNow;
        var result = await new FileUploader(client, null, []).UploadThroughSessionAsync(
            new FileUploadRequest(file.Path, file.Bytes.Length, "/slow/part.bin"), null, ctx);
        Assert.Equal(UploadStatus.CommitAccepted, result.Status);
        Assert.True(DateTime.UtcNow - started > TimeSpan.FromSeconds(4), "the link was not slow: the test proves nothing");
        Assert.DoesNotContain(verbose, v => v.Contains("TIMEOUT"));
    }

    [Fact]
    public async Task A_call_with_no_byte_moving_for_the_time_limit_times_out()
    {
        await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
        using var client = await VaultClient.ConnectWithPasswordAsync(emu.BaseUri, EmulatorOptions.JaneUserName, Secure("Jane-Pass!word1"),
            new VaultClientOptions { Retry = new RetryPolicy { MaximumRetryCount = 0 } }, VaultCallContext.None);
        client.Options.Timeout = TimeSpan.FromSeconds(1);
        emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "list", DelayMs = 5000 });
        var e = await Assert.ThrowsAsync<VaultException>(() => client.ListUploadSessionsAsync(VaultCallContext.None));
        Assert.Equal("TIMEOUT", e.ErrorType);
    }

    [Fact]
    public async Task One_progress_display_shows_files_bytes_rate_and_time_left_and_ends_completed()
    {
        await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
        emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "item-create", DelayMs = 300, Count = -1 });
        using var host = new PowerShellHost();
        host.Connect(emu.BaseUrl, EmulatorOptions.JaneUserName, "Jane-Pass!word1");
        var files = Enumerable.Range(0, 6).Select(i => new TempFile(200_000, seed: i)).ToList();
        try
        {
            using var ps = host.Create();
            ps.AddCommand("Send-VaultFile").AddParameter("LiteralPath", files.Select(f => f.Path).ToArray()).AddParameter("Destination", "/progress/").AddParameter("ThrottleLimit", 2);
            var result = host.Invoke(ps);
            Assert.Empty(result.Errors);
            List<ProgressRecord> parent = ps.Streams.Progress.Where(p => p.ActivityId == 1).ToList();
            Assert.Contains(parent, p => p.StatusDescription.Contains("of 6 files") && p.StatusDescription.Contains("MiB/s") && p.SecondsRemaining > 0);
            Assert.Equal(ProgressRecordType.Completed, parent.Last().RecordType);
            Assert.Contains(ps.Streams.Progress, p => p.ParentActivityId == 1 && p.Activity.StartsWith("/progress/") && p.StatusDescription.Contains(" MiB"));
            // The amounts are mebibytes (1,048,576 bytes): the display says MiB, never "MB" (1,000,000 bytes, the unit of Vault's limits).
            Assert.DoesNotContain(ps.Streams.Progress, p => System.Text.RegularExpressions.Regex.IsMatch(p.StatusDescription ?? "", @"\bMB\b"));
        }
        finally
        {
            files.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task Connect_Vault_closes_the_default_connection_it_replaces_unless_a_script_holds_it()
    {
        await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
        using var host = new PowerShellHost();
        VaultConnection DefaultOfRunspace()
        {
            var saved = Runspace.DefaultRunspace;
            Runspace.DefaultRunspace = host.Runspace;
            try { return VaultStaging.Host.RunspaceStore.Current.DefaultConnection!; }
            finally { Runspace.DefaultRunspace = saved; }
        }

        host.Connect(emu.BaseUrl, EmulatorOptions.JaneUserName, "Jane-Pass!word1");
        VaultConnection unheld = DefaultOfRunspace();
        host.Connect(emu.BaseUrl, EmulatorOptions.JaneUserName, "Jane-Pass!word1");
        Assert.False(unheld.IsConnected);

        var held = host.Run("Get-VaultConnection").Objects.OfType<VaultConnection>().Single();
        host.Connect(emu.BaseUrl, EmulatorOptions.JaneUserName, "Jane-Pass!word1");
        Assert.True(held.IsConnected);
    }

    [Fact]
    public async Task Tab_completion_of_staging_paths_quotes_names_PowerShell_would_split()
    {
        await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
        emu.State.CreateItemDirect("/u10001400/with space/it's.txt", size: 1);
        using var host = new PowerShellHost();
        host.Connect(emu.BaseUrl, EmulatorOptions.JaneUserName, "Jane-Pass!word1");
        string line = "Receive-VaultFile -Path /with";
        var completions = host.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?> { ["line"] = line }).Objects.Select(o => o.ToString()).ToList();
        Assert.Equal(["'/with space/'"], completions);
        line = "Receive-VaultFile -Path '/with space/it";
        completions = host.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?> { ["line"] = line }).Objects.Select(o => o.ToString()).ToList();
        Assert.Equal(["'/with space/it''s.txt'"], completions);
    }

    [Fact]
    public async Task Tab_completion_of_staging_paths_offers_a_file_sent_just_before()
    {
        await using var emu = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
        emu.State.CreateItemDirect("/u10001400/box/a.txt", size: 1);
        string local = Path.Combine(Path.GetTempPath(), "completion-" + Guid.NewGuid().ToString("N"), "b.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        File.WriteAllText(local, "b");
        try
        {
            using var host = new PowerShellHost();
            host.Connect(emu.BaseUrl, EmulatorOptions.JaneUserName, "Jane-Pass!word1");
            const string line = "Receive-VaultFile -Path /box/";
            List<string> Complete() => host.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
                new Dictionary<string, object?> { ["line"] = line }).Objects.Select(o => o.ToString()!).ToList();
            Assert.Equal(["/box/a.txt"], Complete());

            // Within the seconds a listing is kept: the send went through the same connection, which ends it.
            host.Run("Send-VaultFile -LiteralPath $f -Destination /box/", new Dictionary<string, object?> { ["f"] = local });

            Assert.Equal(["/box/a.txt", "/box/b.txt"], Complete());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(local)!, recursive: true);
        }
    }
}
