using System.Security;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>
/// The one home of "check, start an item job, wait, report" (ItemChange) over real HTTP to the in-process
/// emulator: what it refuses before any job, how it words a job's status and its end, and a wait with a limit
/// (Test-VaultConnection's), which used to call a job still running "ended RUNNING". No PowerShell here.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ItemChangeTests
{
    private const string Jane = "/u10001400";
    private readonly EmulatorFixture _emu;

    public ItemChangeTests(EmulatorFixture emu)
    {
        _emu = emu;
        _emu.Reset();
    }

    private async Task<VaultClient> JaneClient(double jobIntervalSeconds = 10)
    {
        var password = new SecureString();
        foreach (char c in EmulatorFixture.JanePassword) password.AppendChar(c);
        _emu.State.Options.JobStatusMinIntervalSeconds = jobIntervalSeconds;
        var options = new VaultClientOptions { JobStatusInterval = TimeSpan.FromSeconds(jobIntervalSeconds) };
        return await VaultClient.ConnectWithPasswordAsync(_emu.BaseUri, EmulatorFixture.JaneUserName, password, options, VaultCallContext.None);
    }

    private static VaultCallContext Collecting(List<string> lines) =>
        new(CancellationToken.None, m => { lock (lines) lines.Add(m); });

    private int Calls(string operation) => _emu.State.GetLog().Count(e => e.Operation == operation);

    [Fact]
    public void Knows_a_change_that_changes_nothing_and_a_folder_moved_into_itself_from_the_paths_alone()
    {
        Assert.True(ItemChange.Rename("/a/x.txt", "x.txt").ChangesNothing);
        Assert.True(ItemChange.Move("/a/x.txt", "/a").ChangesNothing);
        Assert.True(ItemChange.Move("/a/x.txt", null).ChangesNothing);
        Assert.False(ItemChange.Move("/a/x.txt", "/b").ChangesNothing);
        Assert.Equal("/b/y.txt", ItemChange.Move("/a/x.txt", "/b", "y.txt").Target);
        Assert.True(ItemChange.Move("/a", "/a/sub").IntoItself);
        Assert.False(ItemChange.Move("/a", "/ab").IntoItself);
        Assert.Null(ItemChange.Delete("/a", recurse: true).Target);
    }

    [Fact]
    public async Task Refuses_a_missing_item_a_taken_name_and_a_full_folder_without_recurse_before_any_job()
    {
        _emu.State.CreateItemDirect($"{Jane}/c/x.txt", size: 1);
        _emu.State.CreateItemDirect($"{Jane}/c/y.txt", size: 1);
        using VaultClient client = await JaneClient();

        Assert.Null(await ItemChange.Rename("/c/nope.txt", "z.txt").CheckAsync(client, "", VaultCallContext.None));
        var taken = await Assert.ThrowsAsync<VaultException>(() => ItemChange.Rename("/c/x.txt", "y.txt").CheckAsync(client, "Choose another name.", VaultCallContext.None));
        Assert.Equal("ITEM_NAME_EXISTS", taken.ErrorType);
        Assert.Equal("A file named y.txt is already in /c, so /c/x.txt was not renamed (ITEM_NAME_EXISTS).", taken.Message);
        var full = await Assert.ThrowsAsync<VaultException>(() => ItemChange.Delete("/c", recurse: false).CheckAsync(client, "Add -Recurse.", VaultCallContext.None));
        Assert.Equal("FolderNotEmpty", full.ErrorType);
        Assert.Equal(0, Calls("item-update") + Calls("item-delete"));

        StagingItem? file = await ItemChange.Delete("/c/x.txt", recurse: true).CheckAsync(client, "", VaultCallContext.None);
        Assert.False(file!.IsFolder);
    }

    [Fact]
    public async Task Says_each_status_read_in_one_line_and_a_failed_job_in_the_item_cmdlets_words()
    {
        _emu.State.CreateItemDirect($"{Jane}/f/ok.txt", size: 1);
        _emu.State.CreateItemDirect($"{Jane}/f/gone.txt", size: 1);
        _emu.State.Options.ItemJobDurationMs = 500;
        using VaultClient client = await JaneClient(jobIntervalSeconds: 1);
        var lines = new List<string>();

        VaultJob done = await ItemChange.Move("/f/ok.txt", null, "fine.txt").RunAsync(client, Collecting(lines));
        Assert.True(done.Succeeded);
        Assert.Contains($"Rename /f/ok.txt to fine.txt: job {done.JobId}: SUCCESS.", lines);

        var change = ItemChange.Delete("/f/gone.txt", recurse: false);
        VaultJob job = await change.StartAsync(client, VaultCallContext.None);
        _emu.State.DeleteItemDirect($"{Jane}/f/gone.txt"); // another tool removes it while the job runs
        var failed = await Assert.ThrowsAsync<VaultException>(() => change.WaitAsync(client, job, VaultCallContext.None));
        Assert.Equal("JOB_ERRORS_ENCOUNTERED", failed.ErrorType);
        Assert.Equal($"Delete /f/gone.txt: job {job.JobId} ended with ERRORS_ENCOUNTERED; the item was not deleted.", failed.Message);
        Assert.Contains($"Get-VaultJob -Id {job.JobId}", failed.Hint);
    }

    [Fact]
    public async Task A_job_still_running_at_the_limit_is_a_TIMEOUT_naming_its_last_status_not_a_job_that_ended()
    {
        _emu.State.CreateItemDirect($"{Jane}/t/slow.txt", size: 1);
        _emu.State.Options.ItemJobDurationMs = 60_000;
        using VaultClient client = await JaneClient(jobIntervalSeconds: 1);

        var timedOut = await Assert.ThrowsAsync<VaultException>(() =>
            ItemChange.Delete("/t/slow.txt", recurse: false).RunAsync(client, VaultCallContext.None, TimeSpan.FromSeconds(1.5)));
        Assert.Equal("TIMEOUT", timedOut.ErrorType);
        Assert.Matches(@"^Delete /t/slow\.txt: job \d+ had not finished after .* \(last status (QUEUED|RUNNING)\); Vault goes on with it\.$", timedOut.Message);
    }
}
