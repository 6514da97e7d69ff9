using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Transfer;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>
/// Which shape a vault gives its listings is UNCONFIRMED (vault-api.md): Veeva's reference shows folders without a
/// trailing '/' and recursive listings that hold the folders; the answers vvfst's authors recorded from a vault show
/// folders first, ending in '/', and recursive listings of files alone. Every command gives the same results with
/// either; the emulator serves both (EmulatorOptions.ListingForm). In-process, as jane (paths relative to her folder).
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ListingFormTests(EmulatorFixture emulator) : IDisposable
{
    private const string Jane = "/u10001400";
    private readonly string _local = Path.Combine(Path.GetTempPath(), "vaultstaging-listing-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_local, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    /// <summary>A staged tree: files two levels down, a folder holding only a folder, and one empty folder.</summary>
    private PowerShellHost StagedTree(ListingFormStyle form)
    {
        emulator.Reset();
        emulator.State.Options.ListingForm = form;
        foreach (string file in new[] { "/t/a/b/one.txt", "/t/a/b/two.txt", "/t/a/three.txt", "/t/top.txt", "/t/deep/er/four.txt", "/t/a-c.txt" })
            emulator.State.CreateItemDirect(Jane + file, size: 5);
        emulator.State.CreateItemDirect(Jane + "/t/empty", kind: "folder");
        var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        return host;
    }

    private static void AssertNoErrors(PowerShellResult result) =>
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));

    /// <summary>Folders a recursive listing shows in either form (an empty folder only where the vault lists folders).</summary>
    private static string[] ExpectedRecursive(ListingFormStyle form) =>
    [
        "/t/a", "/t/a/b", "/t/a/b/one.txt", "/t/a/b/two.txt", "/t/a/three.txt", "/t/a-c.txt",
        "/t/deep", "/t/deep/er", "/t/deep/er/four.txt", "/t/top.txt",
        .. form == ListingFormStyle.Reference ? new[] { "/t/empty" } : [],
    ];

    [Theory]
    [InlineData(ListingFormStyle.Reference)]
    [InlineData(ListingFormStyle.Recorded)]
    public void Get_VaultStagingItem_Recurse_gives_every_folder_once_before_its_contents_and_no_empty_name(ListingFormStyle form)
    {
        using var host = StagedTree(form);

        var result = host.Run("Get-VaultStagingItem /t -Recurse");

        AssertNoErrors(result);
        var items = result.Objects.Cast<StagingItem>().ToList();
        Assert.Equal(ExpectedRecursive(form).Order(StringComparer.Ordinal), items.Select(i => i.Path).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.False(string.IsNullOrEmpty(i.Name), $"{i.Path} has no name"));
        Assert.All(items, i => Assert.Equal(i.Path[(i.Path.LastIndexOf('/') + 1)..], i.Name));
        Assert.Equal(["/t/a", "/t/a/b", "/t/deep", "/t/deep/er", .. form == ListingFormStyle.Reference ? new[] { "/t/empty" } : []],
            items.Where(i => i.IsFolder).Select(i => i.Path).Order(StringComparer.Ordinal));
        for (int i = 0; i < items.Count; i++)
        {
            string? parent = items[i].Parent;
            if (parent != "/t") Assert.Contains(items.Take(i), before => before.Path == parent);
        }
    }

    [Theory]
    [InlineData(ListingFormStyle.Reference)]
    [InlineData(ListingFormStyle.Recorded)]
    public void A_plain_listing_names_its_folders_without_the_trailing_slash(ListingFormStyle form)
    {
        using var host = StagedTree(form);

        var items = host.Run("Get-VaultStagingItem /t").Objects.Cast<StagingItem>().ToList();

        Assert.Equal(["a", "a-c.txt", "deep", "empty", "top.txt"], items.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["/t/a", "/t/deep", "/t/empty"], items.Where(i => i.IsFolder).Select(i => i.Path).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(ListingFormStyle.Reference)]
    [InlineData(ListingFormStyle.Recorded)]
    public void Receive_VaultFile_Recurse_makes_the_folders_it_needs(ListingFormStyle form)
    {
        using var host = StagedTree(form);

        var result = host.Run($"Receive-VaultFile /t -Recurse -Destination '{_local}'");

        AssertNoErrors(result);
        foreach (string path in ExpectedRecursive(form))
        {
            string local = Path.Combine(_local, path["/t/".Length..].Replace('/', Path.DirectorySeparatorChar));
            Assert.True(path.EndsWith(".txt", StringComparison.Ordinal) ? File.Exists(local) : Directory.Exists(local), local);
        }
    }

    [Theory]
    [InlineData(ListingFormStyle.Reference)]
    [InlineData(ListingFormStyle.Recorded)]
    public void An_unchanged_sync_makes_no_call_that_writes_in_either_direction(ListingFormStyle form)
    {
        using var host = StagedTree(form);
        AssertNoErrors(host.Run($"Receive-VaultFile /t -Recurse -Destination '{_local}'"));
        Directory.CreateDirectory(Path.Combine(_local, "empty")); // the recorded form hides it from a recursive listing
        Directory.CreateDirectory(Path.Combine(_local, "a", "b", "nothing-in-it"));
        AssertNoErrors(host.Run($"Sync-VaultStagingFolder -Path '{_local}' -Destination /t")); // makes a/b/nothing-in-it
        Assert.True(emulator.State.GetItem(Jane + "/t/a/b/nothing-in-it").Exists);

        foreach (string direction in new[] { "Upload", "Download", "Upload" })
        {
            emulator.State.ClearLog();
            var result = host.Run($"Sync-VaultStagingFolder -Path '{_local}' -Destination /t -Direction {direction} -Delete -Force -PassThru");

            AssertNoErrors(result);
            var records = result.Objects.Cast<SyncRecord>().ToList();
            Assert.All(records, r => Assert.Equal("Skipped", r.Action));
            var writes = emulator.State.GetLog().Where(e => e.Method != "GET" && e.Operation is not ("auth" or "keepalive")).ToList();
            Assert.True(writes.Count == 0, $"{direction}: " + string.Join(", ", writes.Select(e => $"{e.Method} {e.Operation} {e.ItemPath}")));
            Assert.True(Directory.Exists(Path.Combine(_local, "empty")), "a folder on both sides was deleted");
            Assert.True(Directory.Exists(Path.Combine(_local, "a", "b", "nothing-in-it")), "a folder on both sides was deleted");
        }
    }
}
