using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>
/// The Vault client over real HTTP to the in-process emulator: login, listing, error mapping, retries,
/// re-login and the calls that must never be sent twice. No PowerShell here.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class VaultClientTests
{
    private readonly EmulatorFixture _emu;

    public VaultClientTests(EmulatorFixture emu)
    {
        _emu = emu;
        _emu.Reset();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    /// <summary>Fast retries so fault tests take milliseconds, not seconds.</summary>
    private static VaultClientOptions FastRetry(int retries = 3) => new()
    {
        Retry = new RetryPolicy { MaximumRetryCount = retries, BaseDelay = TimeSpan.FromMilliseconds(10), MaximumDelay = TimeSpan.FromMilliseconds(50) },
    };

    private Task<VaultClient> Login(string user, string password, VaultClientOptions? options = null, List<string>? verbose = null) =>
        VaultClient.ConnectWithPasswordAsync(_emu.BaseUri, user, Secure(password), options ?? FastRetry(),
            new VaultCallContext(CancellationToken.None, verbose == null ? null : (Action<string>)(m => { lock (verbose) verbose.Add(m); })));

    private Task<VaultClient> Admin(VaultClientOptions? options = null, List<string>? verbose = null) =>
        Login(EmulatorFixture.AdminUserName, EmulatorFixture.AdminPassword, options, verbose);

    private IReadOnlyList<LogEntry> Calls(string operation) => _emu.State.GetLog().Where(e => e.Operation == operation).ToList();

    [Fact]
    public async Task Password_login_reports_the_user_and_the_vault()
    {
        using var client = await Admin();
        Assert.Equal(10001000, client.UserId);
        Assert.Equal(1000, client.VaultId);
        Assert.Equal("Emulator Vault", client.VaultName);
        Assert.Equal(VaultAuthenticationMethod.Password, client.AuthenticationMethod);
    }

    [Fact]
    public async Task Every_call_sends_the_client_id_the_module_user_agent_and_json_accept()
    {
        using var client = await Admin(new VaultClientOptions { ClientId = "acme-runbook_1.0" });
        _ = client.ListUploadSessions(VaultCallContext.None).ToList();
        var log = _emu.State.GetLog();
        Assert.All(log, e =>
        {
            Assert.Equal("acme-runbook_1.0", e.ClientId);
            Assert.StartsWith("VaultStaging/", e.UserAgent);
            Assert.Contains("application/json", e.Accept);
        });
        Assert.Equal("none", log.First(e => e.Operation == "auth").AuthScheme);
        Assert.NotEqual("none", log.First(e => e.Operation == "list").AuthScheme);
    }

    [Fact]
    public async Task Listing_as_admin_gives_the_seed_sessions_with_64_bit_sizes_and_utc_instants()
    {
        using var client = await Admin();
        var sessions = client.ListUploadSessions(VaultCallContext.None).ToList();
        Assert.Equal(3, sessions.Count);
        var video = sessions.Single(s => s.Path!.EndsWith("Cholecap-Commercial-2021.mp4"));
        Assert.Equal(32862312L, video.Size);
        Assert.Equal(10485760L, video.Uploaded);
        Assert.Equal(2, video.UploadedParts);
        Assert.Equal(10001400L, video.Owner);
        Assert.Equal("Cholecap-Commercial-2021.mp4", video.Name);
        Assert.Equal(DateTimeKind.Local, video.ExpirationDate!.Value.Kind);
        // The seed: expiry is 72 hours after creation, whatever the local time zone.
        Assert.Equal(TimeSpan.FromHours(72), video.ExpirationDate.Value.ToUniversalTime() - video.CreatedDate!.Value.ToUniversalTime());
    }

    [Fact]
    public async Task A_non_admin_sees_only_their_own_sessions()
    {
        using var bob = await Login(EmulatorFixture.BobUserName, EmulatorFixture.BobPassword);
        Assert.Empty(bob.ListUploadSessions(VaultCallContext.None));
        using var jane = await Login(EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        Assert.Equal(3, jane.ListUploadSessions(VaultCallContext.None).Count());
    }

    [Fact]
    public async Task Listing_follows_next_page_to_the_end()
    {
        _emu.State.Options.ListPageSize = 1;
        using var client = await Admin();
        var ids = client.ListUploadSessions(VaultCallContext.None).Select(s => s.Id).ToList();
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(3, Calls("list").Count);
    }

    [Fact]
    public async Task A_wrong_password_is_Vaults_error_type_with_a_hint()
    {
        var e = await Assert.ThrowsAsync<VaultException>(() => Login(EmulatorFixture.AdminUserName, "not-the-password"));
        Assert.Equal("USERNAME_OR_PASSWORD_INCORRECT", e.ErrorType);
        Assert.Equal(VaultFailureKind.Vault, e.Kind);
        Assert.Contains("-Credential", e.Hint);
        Assert.DoesNotContain("not-the-password", e.Message);
    }

    [Fact]
    public async Task A_session_for_another_vault_is_refused_and_ended()
    {
        var e = await Assert.ThrowsAsync<VaultException>(() => Login("outsider@emulator.vault", "Out-Pass!word3"));
        Assert.Equal("WRONG_VAULT", e.ErrorType);
        Assert.Contains("Other Vault", e.Message);
        Assert.Single(Calls("logout"));
    }

    [Fact]
    public async Task A_token_connection_learns_who_it_is_from_vaults_headers()
    {
        string token = _emu.State.GetToken(EmulatorFixture.JaneUserName)!;
        using var client = await VaultClient.ConnectWithTokenAsync(_emu.BaseUri, Secure(token), FastRetry(), VaultCallContext.None);
        Assert.Equal(10001400, client.UserId);
        Assert.Equal(1000, client.VaultId);
        Assert.Equal("Bearer", Calls("versions").Single().AuthScheme, ignoreCase: true);
    }

    [Fact]
    public async Task A_bad_token_fails_at_connect_with_INVALID_SESSION_ID()
    {
        var e = await Assert.ThrowsAsync<VaultException>(() =>
            VaultClient.ConnectWithTokenAsync(_emu.BaseUri, Secure("veeva-vault-nope"), FastRetry(), VaultCallContext.None));
        Assert.Equal("INVALID_SESSION_ID", e.ErrorType);
        Assert.Contains("refused the Token", e.Message);
        Assert.Contains("veeva-vault-", e.Hint);
    }

    [Fact]
    public async Task Transient_503s_are_retried_until_the_listing_succeeds()
    {
        using var client = await Admin();
        _emu.State.AddFault(new FaultSpec { Kind = "http-status", Operation = "list", Status = 503, Count = 2 });
        var verbose = new List<string>();
        var sessions = client.ListUploadSessions(new VaultCallContext(CancellationToken.None, verbose.Add)).ToList();
        Assert.Equal(3, sessions.Count);
        Assert.Equal(3, Calls("list").Count);
        Assert.Equal(2, verbose.Count(v => v.Contains("Retry")));
    }

    [Fact]
    public async Task An_HTML_error_page_names_the_status_and_content_type_not_a_parser_error()
    {
        using var client = await Admin(FastRetry(retries: 0));
        _emu.State.AddFault(new FaultSpec { Kind = "http-status", Operation = "list", Status = 502 });
        var e = Assert.Throws<VaultException>(() => client.ListUploadSessions(VaultCallContext.None).ToList());
        Assert.Equal("HTTP_ERROR", e.ErrorType);
        Assert.Equal(502, e.HttpStatus);
        Assert.Equal("text/html", e.ContentType);
        Assert.Contains("502", e.Message);
        Assert.Contains("text/html", e.Message);
        Assert.DoesNotContain("JsonReader", e.Message);
        Assert.DoesNotContain("<", e.Message);
    }

    [Fact]
    public async Task A_truncated_listing_is_read_again_without_duplicates()
    {
        using var client = await Admin();
        _emu.State.AddFault(new FaultSpec { Kind = "truncate", Operation = "list", Apply = true });
        var ids = client.ListUploadSessions(VaultCallContext.None).Select(s => s.Id).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(2, Calls("list").Count);
    }

    [Fact]
    public async Task A_dropped_connection_mid_body_is_retried()
    {
        using var client = await Admin();
        _emu.State.AddFault(new FaultSpec { Kind = "drop", Operation = "list", Apply = true });
        Assert.Equal(3, client.ListUploadSessions(VaultCallContext.None).Count());
    }

    [Fact]
    public async Task An_expired_password_session_logs_in_again_once_and_repeats_the_call()
    {
        using var client = await Admin();
        _emu.State.AddFault(new FaultSpec { Kind = "expire-session", Operation = "list" });
        Assert.Equal(3, client.ListUploadSessions(VaultCallContext.None).Count());
        Assert.Equal(2, Calls("auth").Count);
    }

    [Fact]
    public async Task An_expired_token_session_fails_clearly_without_a_login()
    {
        string token = _emu.State.GetToken(EmulatorFixture.AdminUserName)!;
        using var client = await VaultClient.ConnectWithTokenAsync(_emu.BaseUri, Secure(token), FastRetry(), VaultCallContext.None);
        _emu.State.AddFault(new FaultSpec { Kind = "expire-session", Operation = "list" });
        var e = Assert.Throws<VaultException>(() => client.ListUploadSessions(VaultCallContext.None).ToList());
        Assert.Equal("INVALID_SESSION_ID", e.ErrorType);
        Assert.Contains("Connect-Vault", e.Message);
        Assert.Empty(Calls("auth"));
    }

    [Fact]
    public async Task A_session_near_vaults_48_hour_limit_is_renewed_before_use()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var options = FastRetry();
        options.UtcNow = () => now;
        using var client = await Admin(options);
        now = now.AddHours(47.6);
        _ = client.ListUploadSessions(VaultCallContext.None).ToList();
        Assert.Equal(2, Calls("auth").Count);
    }

    [Fact]
    public async Task API_LIMIT_EXCEEDED_is_waited_out_and_reported()
    {
        var options = FastRetry();
        options.Retry.MaximumDelay = TimeSpan.FromMilliseconds(20); // caps Vault's long back-off for the test
        using var client = await Admin(options);
        _emu.State.AddFault(new FaultSpec { Kind = "api-limit", Operation = "list" });
        var verbose = new List<string>();
        Assert.Equal(3, client.ListUploadSessions(new VaultCallContext(CancellationToken.None, verbose.Add)).Count());
        Assert.Contains(verbose, v => v.Contains("API_LIMIT_EXCEEDED"));
    }

    [Fact]
    public async Task Burst_throttling_shows_in_verbose()
    {
        using var client = await Admin();
        _emu.State.AddFault(new FaultSpec { Kind = "burst-delay", Operation = "list", DelayMs = 50, Remaining = 3 });
        var verbose = new List<string>();
        _ = client.ListUploadSessions(new VaultCallContext(CancellationToken.None, verbose.Add)).ToList();
        Assert.Contains(verbose, v => v.Contains("delayed the answer by 50 ms"));
        Assert.Contains(verbose, v => v.Contains("burst budget low"));
    }

    [Fact]
    public async Task A_create_whose_answer_was_lost_is_found_instead_of_made_twice()
    {
        using var client = await Login(EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        _emu.State.AddFault(new FaultSpec { Kind = "fail-after-apply", Operation = "create", Status = 502 });
        var session = await client.CreateUploadSessionOnceAsync("/lost/answer.bin", 12_000_000, false, VaultCallContext.None);
        Assert.EndsWith("/lost/answer.bin", session.Path);
        Assert.Single(Calls("create"));
        Assert.Single(client.ListUploadSessions(VaultCallContext.None), s => s.Path!.EndsWith("/lost/answer.bin"));
    }

    [Fact]
    public async Task Without_the_user_id_a_lost_create_neither_takes_nor_hands_over_a_session_it_cannot_tell_is_its_own()
    {
        // Issue 10, case 6: after a lost create, sessions of the same path and size with nothing uploaded are
        // what it may have made, but only when they are this user's. Vault did not say who this is here, so
        // jane's fresh session for the very same path and size must be neither continued nor aborted.
        using var client = await Admin();
        typeof(VaultClient).GetProperty(nameof(VaultClient.UserId))!.SetValue(client, null);
        var janes = _emu.State.AddUploadSession(10001400, "/u10001400/lost/theirs.bin", 12_000_000);
        _emu.State.AddFault(new FaultSpec { Kind = "fail-after-apply", Operation = "create", Status = 502 });
        var handedOver = new List<UploadSession>();
        var session = await client.CreateUploadSessionOnceAsync("/u10001400/lost/theirs.bin", 12_000_000, false, VaultCallContext.None,
            twin => { handedOver.Add(twin); return Task.CompletedTask; });
        Assert.NotEqual(janes.Id, session.Id);
        Assert.Empty(handedOver);
        Assert.Empty(Calls("abort"));
        Assert.Contains(client.ListUploadSessions(VaultCallContext.None), s => s.Id == janes.Id);
    }

    [Fact]
    public async Task A_commit_whose_answer_was_lost_is_never_sent_twice()
    {
        using var client = await Login(EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        var session = await client.CreateUploadSessionOnceAsync("/commit/once.bin", 10, false, VaultCallContext.None);
        await client.UploadPartAsync(session.Id!, 1, 10, () => new ByteArrayContent(new byte[10]), VaultCallContext.None);
        _emu.State.AddFault(new FaultSpec { Kind = "fail-after-apply", Operation = "commit", Status = 504 });
        var e = await Assert.ThrowsAsync<VaultException>(() => client.CommitUploadSessionOnceAsync(session.Id!, VaultCallContext.None));
        Assert.Equal("COMMIT_UNCONFIRMED", e.ErrorType);
        Assert.Single(Calls("commit"));
    }

    [Fact]
    public async Task A_commit_that_never_arrived_is_sent_again()
    {
        using var client = await Login(EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        var session = await client.CreateUploadSessionOnceAsync("/commit/again.bin", 10, false, VaultCallContext.None);
        await client.UploadPartAsync(session.Id!, 1, 10, () => new ByteArrayContent(new byte[10]), VaultCallContext.None);
        _emu.State.AddFault(new FaultSpec { Kind = "http-status", Operation = "commit", Status = 502 });
        var job = await client.CommitUploadSessionOnceAsync(session.Id!, VaultCallContext.None);
        Assert.True(job.JobId > 0);
        Assert.Equal(2, Calls("commit").Count);
        Assert.True(_emu.State.GetStagedFile("/u10001400/commit/again.bin")!.Exists);
    }

    [Fact]
    public async Task Cancelling_stops_a_slow_call_at_once()
    {
        using var client = await Admin();
        _emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "list", DelayMs = 30000 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => client.ListUploadSessions(new VaultCallContext(cts.Token)).ToList());
        Assert.True(watch.Elapsed < StopBound.Limit, $"took {watch.Elapsed}"); // the slow answer would take 30 s
    }

    [Fact]
    public async Task A_timeout_is_reported_as_TIMEOUT_with_the_limit()
    {
        var options = FastRetry(retries: 0);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        using var client = await Admin(options);
        _emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "list", DelayMs = 5000 });
        var e = Assert.Throws<VaultException>(() => client.ListUploadSessions(VaultCallContext.None).ToList());
        Assert.Equal("TIMEOUT", e.ErrorType);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Nothing_reaches_a_closed_port_and_the_error_says_so()
    {
        var port = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        port.Start();
        int free = ((IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        var e = await Assert.ThrowsAsync<VaultException>(() => VaultClient.ConnectWithPasswordAsync(
            new Uri($"http://127.0.0.1:{free}/"), "a", Secure("b"), FastRetry(retries: 1), VaultCallContext.None));
        Assert.Equal("TRANSPORT_ERROR", e.ErrorType);
        Assert.False(e.MayHaveBeenApplied);
    }

    [Fact]
    public async Task Disconnect_ends_the_session_on_the_server()
    {
        var client = await Admin();
        await client.DisconnectAsync(VaultCallContext.None);
        Assert.True(client.IsDisposed);
        Assert.Single(Calls("logout"));
        var e = Assert.Throws<VaultException>(() => client.ListUploadSessions(VaultCallContext.None).ToList());
        Assert.Equal("NotConnected", e.ErrorType);
    }

    [Fact]
    public async Task Unknown_and_foreign_ids_are_Vault_errors_and_dot_ids_are_refused_before_any_call()
    {
        using var client = await Login(EmulatorFixture.BobUserName, EmulatorFixture.BobPassword);
        var unknown = await Assert.ThrowsAsync<VaultException>(() => client.GetUploadSessionAsync("no-such-id", VaultCallContext.None));
        Assert.Equal(VaultFailureKind.Vault, unknown.Kind);
        _emu.State.ClearLog();
        var dots = await Assert.ThrowsAsync<VaultInputException>(() => client.GetUploadSessionAsync("..", VaultCallContext.None));
        Assert.Equal("Id", dots.ParameterName);
        Assert.Empty(_emu.State.GetLog());
    }

    // ---- Listings: the next page asked for early (issue 14) ----------------------------------------

    private const string JanePath = "/u10001400";

    private Task<VaultClient> Jane(VaultClientOptions? options = null) => Login(EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword, options);

    /// <summary>The item listings that followed a cursor (pages after the first).</summary>
    private IReadOnlyList<LogEntry> CursorPages() => Calls("items").Where(e => e.Query?.Contains("cursor=") == true).ToList();

    [Fact]
    public async Task The_first_item_of_a_listing_comes_out_before_the_second_page_is_asked_for()
    {
        _emu.State.CreateItemsBulk($"{JanePath}/pages", folders: 0, filesPerFolder: 7);
        using var client = await Jane();
        // Taken alone (Select-Object -First 1), the first item costs one page.
        string? first = null;
        var shown = new ItemsShown();
        await client.ListItemsAsync("/pages", false, item => { shown.Add(); first = item.Path; return false; }, VaultCallContext.None, pageSize: 3, shown: shown);
        Assert.Equal("/pages/file-00001.bin", first);
        Assert.Empty(CursorPages());
        // Every item once, in order, across three pages.
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"/pages/file-{i:D5}.bin"),
            client.ListItems("/pages", false, VaultCallContext.None, pageSize: 3).Select(i => i.Path));
        Assert.Equal(2, CursorPages().Count);
    }

    [Fact]
    public async Task Once_an_item_of_a_page_was_taken_the_next_page_is_asked_for_while_this_one_is_read()
    {
        _emu.State.CreateItemsBulk($"{JanePath}/early", folders: 0, filesPerFolder: 6);
        using var client = await Jane();
        var paths = new List<string>();
        // The user has each item as soon as it is handed out (shown), as the pipeline thread's consumer.
        var shown = new ItemsShown();
        await client.ListItemsAsync("/early", false, item =>
        {
            shown.Add();
            paths.Add(item.Path!);
            if (paths.Count == 2)
            {
                // Still inside page 1 (item 2 of 3): page 2 is asked for meanwhile, and answered by the emulator.
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (CursorPages().Count == 0 && DateTime.UtcNow < deadline) Thread.Sleep(10);
                Assert.Single(CursorPages());
            }
            return true;
        }, VaultCallContext.None, pageSize: 3, shown: shown);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"/early/file-{i:D5}.bin"), paths);
        Assert.Single(CursorPages());
    }

    [Fact]
    public async Task A_listing_whose_items_only_go_to_a_queue_asks_for_page_2_once_page_1_is_read_and_later_pages_early()
    {
        // ListItemsAsync's onItem may only queue an item for another thread (the provider's pump), so taking it is
        // not handing it to the user: page 2 waits for page 1 to be read. Page 3 is asked for early again.
        _emu.State.CreateItemsBulk($"{JanePath}/queued", folders: 0, filesPerFolder: 9);
        using var client = await Jane();
        var paths = new List<string>();
        var cursorPagesSeen = new List<int>();
        await client.ListItemsAsync("/queued", false, item =>
        {
            paths.Add(item.Path!);
            // This runs on a pool thread, as do the emulator and the early request: waits are long enough for
            // the pool to add a thread. Inside page 1: time for a page asked for early to show in the log.
            if (paths.Count == 2)
            {
                Thread.Sleep(500);
                cursorPagesSeen.Add(CursorPages().Count);
            }
            // Inside page 2: page 3 shows up although this page is not read to its end.
            if (paths.Count == 5)
            {
                SpinWait.SpinUntil(() => CursorPages().Count >= 2, TimeSpan.FromSeconds(10));
                cursorPagesSeen.Add(CursorPages().Count);
            }
            return true;
        }, VaultCallContext.None, pageSize: 3);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"/queued/file-{i:D5}.bin"), paths);
        Assert.Equal([0, 2], cursorPagesSeen); // inside page 1: none yet; inside page 2: page 3 asked for already
    }

    [Fact]
    public async Task The_change_mark_moves_for_a_call_that_may_change_items_and_a_job_read_but_not_for_listings()
    {
        // The drive's short cache of "what is at this path" holds only while the mark stands still.
        _emu.State.CreateItemsBulk($"{JanePath}/marked", folders: 0, filesPerFolder: 2);
        using var client = await Jane();
        long mark = client.ChangeMark;
        Assert.Equal(2, client.ListItems("/marked", false, VaultCallContext.None).Count());
        Assert.NotNull(await client.GetItemAsync("/marked/file-00001.bin", VaultCallContext.None));
        Assert.Equal(mark, client.ChangeMark);

        await client.CreateFolderAsync("/marked/new", VaultCallContext.None);
        Assert.NotEqual(mark, client.ChangeMark);

        mark = client.ChangeMark;
        VaultJob job = await client.DeleteItemAsync("/marked/new", false, VaultCallContext.None);
        long afterDelete = client.ChangeMark;
        Assert.NotEqual(mark, afterDelete);
        await client.GetJobAsync(job, VaultCallContext.None); // the job's status may say the change is done
        Assert.NotEqual(afterDelete, client.ChangeMark);
    }

    [Fact]
    public async Task A_queued_listing_asks_for_page_2_early_once_the_consumer_says_the_user_has_the_first_item()
    {
        // The provider's pump says when its pipeline thread has written the first item: from then on page 2 may
        // overlap the rest of page 1, as it does for a listing read on the pipeline thread itself.
        _emu.State.CreateItemsBulk($"{JanePath}/shown", folders: 0, filesPerFolder: 6);
        using var client = await Jane();
        var paths = new List<string>();
        var shown = new ItemsShown();
        var cursorPagesSeen = new List<int>();
        await client.ListItemsAsync("/shown", false, item =>
        {
            paths.Add(item.Path!);
            if (paths.Count == 2)
            {
                // Item 2 was asked for while the user had nothing yet: page 2 must not have gone out (waits are long
                // enough for a page asked for early to show in the log). Now the pipeline has written item 1.
                Thread.Sleep(500);
                cursorPagesSeen.Add(CursorPages().Count);
                shown.Add();
            }
            if (paths.Count == 3)
            {
                // Item 3 is the last of page 1: page 2 went out when it was asked for, after the first was shown.
                SpinWait.SpinUntil(() => CursorPages().Count >= 1, TimeSpan.FromSeconds(10));
                cursorPagesSeen.Add(CursorPages().Count);
            }
            return true;
        }, VaultCallContext.None, pageSize: 3, shown: shown);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"/shown/file-{i:D5}.bin"), paths);
        Assert.Equal([0, 1], cursorPagesSeen);
    }

    [Fact]
    public async Task A_page_asked_for_early_that_fails_is_retried_and_no_item_is_lost_or_repeated()
    {
        _emu.State.CreateItemsBulk($"{JanePath}/retry", folders: 0, filesPerFolder: 6);
        using var client = await Jane();
        var paths = new List<string>();
        var shown = new ItemsShown();
        await client.ListItemsAsync("/retry", false, item =>
        {
            shown.Add();
            paths.Add(item.Path!);
            // The next items call is page 2, asked for early when the second item is asked for: it fails twice.
            if (paths.Count == 1) _emu.State.AddFault(new FaultSpec { Kind = "http-status", Operation = "items", Status = 502, Count = 2 });
            return true;
        }, VaultCallContext.None, pageSize: 3, shown: shown);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"/retry/file-{i:D5}.bin"), paths);
        Assert.Equal(3, CursorPages().Count); // page 2 twice refused, then answered
    }

    [Fact]
    public async Task A_listing_stopped_from_another_thread_while_its_page_waits_for_bytes_leaves_the_connection_whole()
    {
        // As Get-VaultStagingItem -Recurse | Select-Object -First 3 does: the items go to a queue, the pipeline
        // thread takes three and stops the listing from its own thread. Here the stop lands while the listing's
        // read waits for the last bytes of its page (they stall for a while), and page 2 was asked for early.
        // Once those bytes have come, every one of more calls than the connection has places for is answered.
        // (The bytes come back within two seconds of the stop: longer, and the HTTP stack gives up the
        // connection it is draining by itself, which hid the fault.)
        _emu.State.CreateItemsBulk($"{JanePath}/stalled", folders: 0, filesPerFolder: 1500, sparse: true);
        _emu.State.CreateItemDirect($"{JanePath}/small/a.txt", size: 1);
        using var client = await Jane();
        Assert.False(await client.IsAdminAsync(VaultCallContext.None));
        _emu.State.AddFault(new FaultSpec { Kind = "stall", Operation = "items", PathContains = "/stalled", AfterBytes = -100, DelayMs = 1500 });

        using (var stop = new CancellationTokenSource())
        using (var queue = new BlockingCollection<StagingItem>())
        {
            var shown = new ItemsShown();
            Task listing = Task.Run(() => client.ListItemsAsync("/stalled", false, item =>
            {
                queue.Add(item, stop.Token);
                return true;
            }, new VaultCallContext(stop.Token), shown: shown));
            for (int taken = 0; taken < 3; taken++)
            {
                Assert.True(queue.TryTake(out _, TimeSpan.FromSeconds(60)), "The listing handed out no item.");
                shown.Add();
            }
            // Every item before the stall is read: the listing now waits for the page's last bytes.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (queue.Count < 990 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Thread.Sleep(200);
            stop.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listing.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        // The stalled page's last bytes have left the emulator (its log entry is written after the answer).
        var sent = DateTime.UtcNow.AddSeconds(60);
        while (!Calls("items").Any(e => e.ItemPath == "/stalled" && e.Query?.Contains("cursor=") != true) && DateTime.UtcNow < sent) Thread.Sleep(10);
        Thread.Sleep(200);

        for (int call = 1; call <= VaultClient.MaxRequestsInFlight + 2; call++)
        {
            // Generous: each is one small call on loopback. A call that never ends fails here instead of hanging.
            Task<StagingItem?> item = client.GetItemAsync("/small/a.txt", VaultCallContext.None);
            Assert.True(await Task.WhenAny(item, Task.Delay(TimeSpan.FromSeconds(60))) == item, $"Call {call} after the stopped listing never ended.");
            Assert.Equal("a.txt", (await item)!.Name);
        }
    }

    [Fact]
    public async Task A_listing_left_early_stops_the_page_it_asked_for_and_leaves_nothing_running()
    {
        _emu.State.CreateItemsBulk($"{JanePath}/left", folders: 0, filesPerFolder: 6);
        using var client = await Jane();
        int taken = 0;
        Stopwatch? watch = null;
        var shown = new ItemsShown();
        await client.ListItemsAsync("/left", false, item =>
        {
            shown.Add();
            taken++;
            if (taken == 1)
            {
                _emu.State.AddFault(new FaultSpec { Kind = "slow", Operation = "items", DelayMs = 30000 });
                return true;
            }
            // Item 2: page 2 was asked for on the way here, and is slow. The listing is left now.
            watch = Stopwatch.StartNew();
            return false;
        }, VaultCallContext.None, pageSize: 3, shown: shown);
        Assert.Equal(2, taken);
        Assert.True(watch!.Elapsed < TimeSpan.FromSeconds(5), $"Leaving the listing took {watch.Elapsed}.");
        // The connection is free: a call goes through at once.
        Assert.Equal("/left/file-00001.bin", client.ListItems("/left/file-00001.bin", false, VaultCallContext.None).Single().Path);
    }
}
