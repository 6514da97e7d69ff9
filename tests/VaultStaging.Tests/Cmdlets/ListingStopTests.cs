using System.Management.Automation;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>
/// Get-VaultStagingItem stopped early by the pipeline (Select-Object -First) leaves its connection whole: the next
/// command in the same runspace lists at once. Each run is bounded, so a hang fails the test instead of blocking it.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ListingStopTests(EmulatorFixture emulator)
{
    private const string Jane = "/u10001400";

    // Generous: every command here takes well under a second (a stalled page three). A hang is what it catches.
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(60);

    private PowerShellHost JaneHost()
    {
        var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        return host;
    }

    private static PowerShellResult RunBounded(PowerShellHost host, string script)
    {
        using var ps = host.Create();
        ps.AddScript(script);
        var output = new PSDataCollection<PSObject>();
        IAsyncResult pending = ps.BeginInvoke<PSObject, PSObject>(null, output);
        if (!pending.AsyncWaitHandle.WaitOne(HangBound))
        {
            ps.BeginStop(null, null);
            Assert.Fail($"'{script}' did not end within {HangBound.TotalSeconds:0} s.");
        }
        Exception? terminating = null;
        try { ps.EndInvoke(pending); }
        catch (RuntimeException e) { terminating = e; }
        return new PowerShellResult
        {
            Output = output.ToList(),
            Errors = ps.Streams.Error.ToList(),
            Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
            Debug = ps.Streams.Debug.Select(d => d.Message).ToList(),
            Warnings = ps.Streams.Warning.Select(w => w.Message).ToList(),
            Terminating = terminating,
        };
    }

    private static void AssertPlainListing(PowerShellResult next)
    {
        Assert.Null(next.Terminating);
        Assert.Empty(next.Errors);
        Assert.Equal("a.txt", Assert.IsType<StagingItem>(Assert.Single(next.Output).BaseObject).Name);
    }

    [Fact]
    public void A_listing_stopped_while_its_page_waits_for_bytes_leaves_the_next_listing_free_to_end()
    {
        emulator.Reset();
        emulator.State.CreateItemsBulk($"{Jane}/four-pages", folders: 3, filesPerFolder: 1000, sparse: true);
        emulator.State.CreateItemDirect($"{Jane}/plain/a.txt", size: 1);
        using var host = JaneHost();
        // The first page's last bytes stall: while the user looks at three items (slowly), the listing reads
        // everything before the stall and waits for the rest. The pipeline stops about a second before those bytes
        // come (within two seconds of the stop: longer, and the HTTP stack gives up the connection by itself).
        emulator.State.AddFault(new FaultSpec { Kind = "stall", Operation = "items", PathContains = "/four-pages", AfterBytes = -100, DelayMs = 2000 });

        var first = RunBounded(host, "Get-VaultStagingItem /four-pages -Recurse | ForEach-Object { Start-Sleep -Milliseconds 300; $_ } | Select-Object -First 3");
        Assert.Null(first.Terminating);
        Assert.Empty(first.Errors);
        Assert.Equal(3, first.Output.Count);

        AssertPlainListing(RunBounded(host, "Get-VaultStagingItem /plain"));
        AssertPlainListing(RunBounded(host, "Get-VaultStagingItem /plain"));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(1, false)]
    [InlineData(3, false)]
    public void Select_Object_First_then_a_plain_listing_in_the_same_runspace_end_and_the_first_costs_one_page(int first, bool recurse)
    {
        emulator.Reset();
        // More than one page of 1,000 either way: three folders of 1,000 below, or 2,500 files directly inside.
        string folder = recurse ? "/four-pages" : "/flat";
        if (recurse) emulator.State.CreateItemsBulk($"{Jane}/four-pages", folders: 3, filesPerFolder: 1000, sparse: true);
        else emulator.State.CreateItemsBulk($"{Jane}/flat", folders: 0, filesPerFolder: 2500, sparse: true);
        emulator.State.CreateItemDirect($"{Jane}/plain/a.txt", size: 1);
        using var host = JaneHost();
        string listing = $"Get-VaultStagingItem {folder}{(recurse ? " -Recurse" : "")} | Select-Object -First {first}";

        List<LogEntry> Pages() => emulator.State.GetLog().Where(e => e.Operation == "items" && e.ItemPath == folder).ToList();
        for (int round = 1; round <= 5; round++)
        {
            emulator.State.ClearLog();
            var taken = RunBounded(host, listing);
            Assert.Null(taken.Terminating);
            Assert.Empty(taken.Errors);
            Assert.Equal(first, taken.Output.Count);
            // The emulator logs a call once its answer has ended, which for a page left unread comes a moment later.
            var deadline = DateTime.UtcNow + HangBound;
            while (!Pages().Any() && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Thread.Sleep(300);
            var pages = Pages();
            // -First 1 stops before page 2 is asked for; -First 3 may have asked for it early (and stopped it).
            if (first == 1) Assert.Single(pages);
            else Assert.InRange(pages.Count, 1, 2);

            AssertPlainListing(RunBounded(host, "Get-VaultStagingItem /plain"));
        }
    }
}
