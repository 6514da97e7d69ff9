using System.Diagnostics;
using System.Management.Automation;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>
/// The staging items and jobs cmdlets hosted in-process, where timing, Ctrl+C and the client's own pace can be
/// watched from inside: jobs waited for together, Wait-VaultJob writing each job as it ends, Stop during a wait,
/// tab completion of staging paths, and the whole built-in command set (Export-Csv, ConvertTo-Json) on items.
/// To keep the suite quick, some tests lower Vault's 10-second job interval to 2 s on both sides (the emulator's
/// limit and the connection's client); the Pester suite keeps the real 10 seconds.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class StagingItemCmdletTests(EmulatorFixture emulator)
{
    private const string Jane = "/u10001400";

    private PowerShellHost ConnectedHost(string userName = EmulatorFixture.AdminUserName, double? jobIntervalSeconds = null)
    {
        var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, userName, emulator.PasswordOf(userName));
        if (jobIntervalSeconds is { } seconds)
        {
            emulator.State.Options.JobStatusMinIntervalSeconds = seconds;
            var connection = (VaultConnection)host.Run("Get-VaultConnection").Objects.Single();
            connection.Client.Options.JobStatusInterval = TimeSpan.FromSeconds(seconds);
        }
        return host;
    }

    private static void AssertNoErrors(PowerShellResult result) =>
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));

    [Fact]
    public void Several_moves_are_started_first_and_waited_for_together_in_about_one_interval()
    {
        emulator.Reset();
        emulator.State.Options.ItemJobDurationMs = 1000;
        for (int i = 1; i <= 5; i++) emulator.State.CreateItemDirect($"{Jane}/together/f{i}.txt", size: 10);
        emulator.State.CreateItemDirect($"{Jane}/together/dest", kind: "folder");
        using var host = ConnectedHost(jobIntervalSeconds: 2);
        emulator.State.ClearLog();

        var watch = Stopwatch.StartNew();
        var result = host.Run($"Move-VaultStagingItem -Path (1..5 | ForEach-Object {{ \"{Jane}/together/f$_.txt\" }}) -Destination {Jane}/together/dest -PassThru");
        watch.Stop();

        AssertNoErrors(result);
        Assert.Equal(5, result.Objects.OfType<StagingItem>().Count());
        // Jobs of 1 s read at once and then 2 s later: about one interval. One after another would be five
        // intervals (10 s or more); the read order below proves it, the time is a second, looser witness.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(9), $"5 jobs took {watch.Elapsed.TotalSeconds:F1} s.");
        var log = emulator.State.GetLog();
        long lastStart = log.Where(e => e.Operation == "item-update").Max(e => e.Seq);
        Assert.All(log.Where(e => e.Operation == "job"), read => Assert.True(read.Seq > lastStart, "a job was read before all were started"));
        Assert.All(log.Where(e => e.Operation == "job").GroupBy(e => e.JobId), reads => Assert.Equal(2, reads.Count()));
        Assert.DoesNotContain(log, e => e.ErrorType == "API_LIMIT_EXCEEDED");
    }

    [Fact]
    public void Wait_VaultJob_writes_each_job_as_soon_as_it_has_finished()
    {
        emulator.Reset();
        emulator.State.CreateItemDirect($"{Jane}/order/quick.txt", size: 1);
        emulator.State.CreateItemDirect($"{Jane}/order/slow.txt", size: 1);
        using var host = ConnectedHost(jobIntervalSeconds: 2);
        emulator.State.Options.ItemJobDurationMs = 500;
        var quick = (VaultJob)host.Run($"Remove-VaultStagingItem {Jane}/order/quick.txt -Confirm:$false -NoWait").Objects.Single();
        emulator.State.Options.ItemJobDurationMs = 7000;
        var slow = (VaultJob)host.Run($"Remove-VaultStagingItem {Jane}/order/slow.txt -Confirm:$false -NoWait").Objects.Single();

        using var ps = host.Create();
        ps.AddCommand("Wait-VaultJob").AddParameter("Id", new[] { slow.JobId, quick.JobId });
        var output = new PSDataCollection<PSObject>();
        var arrived = new List<(long JobId, TimeSpan At)>();
        var watch = Stopwatch.StartNew();
        output.DataAdded += (_, e) =>
        {
            lock (arrived) arrived.Add((((VaultJob)output[e.Index].BaseObject).JobId, watch.Elapsed));
        };
        ps.Invoke<PSObject, PSObject>(null, output, null);

        Assert.Empty(ps.Streams.Error);
        Assert.Equal(new[] { quick.JobId, slow.JobId }, arrived.Select(a => a.JobId).ToArray());
        // The slow job lasts 7 s in the emulator whatever the load; the quick one (0.5 s) came out at least one
        // job interval (2 s) before it, not together with it at the end.
        Assert.True(arrived[1].At > TimeSpan.FromSeconds(5), $"the slow job came out after {arrived[1].At.TotalSeconds:F1} s");
        Assert.True(arrived[1].At - arrived[0].At > TimeSpan.FromSeconds(1.5),
            $"the quick job came out at {arrived[0].At.TotalSeconds:F1} s, the slow one at {arrived[1].At.TotalSeconds:F1} s");
        Assert.All(output.Select(o => (VaultJob)o.BaseObject), j => Assert.Equal("SUCCESS", j.Status));
    }

    [Fact]
    public void Stop_during_the_wait_of_Remove_VaultStagingItem_returns_at_once_and_the_job_goes_on()
    {
        emulator.Reset();
        emulator.State.Options.ItemJobDurationMs = 120_000;
        emulator.State.CreateItemDirect($"{Jane}/stop/big", kind: "folder");
        emulator.State.CreateItemDirect($"{Jane}/stop/big/a.bin", size: 100);
        using var host = ConnectedHost();

        using var ps = host.Create();
        ps.AddCommand("Remove-VaultStagingItem").AddParameter("Path", $"{Jane}/stop/big").AddParameter("Recurse").AddParameter("Confirm", false);
        IAsyncResult pending = ps.BeginInvoke();
        var waiting = Stopwatch.StartNew();
        while (!emulator.State.GetLog().Any(e => e.Operation == "job"))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(15), "the job was never read");
            Assert.False(pending.IsCompleted, "the command ended before its job was read");
            Thread.Sleep(20);
        }
        Thread.Sleep(200); // now in the 10-second wait for the second read

        var stopping = Stopwatch.StartNew();
        ps.Stop();
        stopping.Stop();
        StopBound.Check(stopping.Elapsed);
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        long jobId = emulator.State.GetLog().First(e => e.Operation == "item-delete").JobId!.Value;
        Assert.NotEqual("SUCCESS", emulator.State.GetJob(jobId)!.Status);
        Assert.True(emulator.State.GetItem($"{Jane}/stop/big/a.bin").Exists, "the job still runs in Vault; nothing is gone yet");
    }

    [Fact]
    public void Items_go_through_Export_Csv_and_ConvertTo_Json_and_back()
    {
        emulator.Reset();
        emulator.State.CreateItemDirect($"{Jane}/csv/a b.txt", size: 5_000_000_000, sparse: true);
        emulator.State.CreateItemDirect($"{Jane}/csv/sub", kind: "folder");
        using var host = ConnectedHost(EmulatorFixture.JaneUserName);
        string csv = Path.Combine(Path.GetTempPath(), "items-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            var result = host.Run(
                "Get-VaultStagingItem /csv | Export-Csv -Path $csv -NoTypeInformation\n" +
                "$rows = @(Import-Csv -Path $csv)\n" +
                "$json = Get-VaultStagingItem /csv | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json\n" +
                "$rows | Select-Object Kind, Path, Size\n" +
                "$json | Select-Object Kind, Path, Size\n" +
                "$rows | Where-Object Kind -EQ File | Remove-VaultStagingItem -Confirm:$false",
                new Dictionary<string, object?> { ["csv"] = csv });
            AssertNoErrors(result);
            var rows = result.Output.Select(o => (Kind: o.Properties["Kind"].Value?.ToString(), Path: o.Properties["Path"].Value?.ToString(), Size: o.Properties["Size"].Value?.ToString())).ToList();
            Assert.Equal(4, rows.Count);
            Assert.Equal(("File", "/csv/a b.txt", "5000000000"), rows[0]);
            Assert.Equal(("Folder", "/csv/sub", ""), rows[1]);
            Assert.Equal(("File", "/csv/a b.txt", "5000000000"), rows[2]);
            Assert.Equal("Folder", rows[3].Kind);
            Assert.True(string.IsNullOrEmpty(rows[3].Size));
            Assert.False(emulator.State.GetItem($"{Jane}/csv/a b.txt").Exists);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public void Staging_paths_complete_on_every_Path_and_Destination()
    {
        emulator.Reset();
        emulator.State.CreateItemDirect($"{Jane}/complete/reports 2026", kind: "folder");
        emulator.State.CreateItemDirect($"{Jane}/complete/readme.txt", size: 3);
        using var host = ConnectedHost(EmulatorFixture.JaneUserName);

        foreach (string line in new[]
                 {
                     "Get-VaultStagingItem -Path /complete/re", "New-VaultStagingFolder -Path /complete/re", "Remove-VaultStagingItem -Path /complete/re",
                     "Rename-VaultStagingItem -Path /complete/re", "Move-VaultStagingItem -Path /x -Destination /complete/re",
                 })
        {
            var result = host.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
                new Dictionary<string, object?> { ["line"] = line });
            AssertNoErrors(result);
            Assert.Equal(new[] { "/complete/readme.txt", "'/complete/reports 2026/'" }, result.Objects.Select(o => o.ToString()).ToArray());
        }
    }
}
