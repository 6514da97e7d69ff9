using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Transfer;

/// <summary>
/// Windows' naming rules, run on any system through <see cref="LocalNameRules.Windows"/>: a remote name Windows
/// cannot hold is refused on its own, and a sync download goes on with everything else.
/// </summary>
public sealed class WindowsNamesTests
{
    private static readonly DateTime T0 = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("ab:c.txt")]
    [InlineData("why?.txt")]
    [InlineData("star*.txt")]
    [InlineData("say \"hi\".txt")]
    [InlineData("a<b")]
    [InlineData("a>b")]
    [InlineData("pipe|d")]
    [InlineData("trailing.")]
    [InlineData("trailing ")]
    [InlineData("CON")]
    [InlineData("con.txt")]
    [InlineData("NUL.tar.gz")]
    [InlineData("AUX .log")]
    [InlineData("COM1")]
    [InlineData("lpt9.txt")]
    [InlineData("COM0.txt")]
    [InlineData("COM\u00B9.log")]
    [InlineData("LPT\u00B2")]
    [InlineData("lpt\u00B3.txt")]
    public void Windows_refuses_names_it_cannot_hold(string name)
    {
        var e = Assert.Throws<VaultException>(() => LocalNames.Check(name, "/r/" + name, LocalNameRules.Windows));
        Assert.Equal("UNSAFE_NAME", e.ErrorType);
        Assert.Contains("/r/" + name, e.Message);
        LocalNames.Check(name, "/r/" + name, LocalNameRules.Posix); // a POSIX file system holds them all
    }

    [Theory]
    [InlineData("COM10.txt")]
    [InlineData("CONSOLE.txt")]
    [InlineData("a.b.c")]
    [InlineData(".hidden")]
    [InlineData("LPT\u00B9x")]
    public void Windows_takes_names_that_only_look_like_device_names(string name) =>
        LocalNames.Check(name, "/r/" + name, LocalNameRules.Windows);

    [Fact]
    public void A_sync_download_refuses_each_name_Windows_cannot_hold_alone_and_plans_the_rest()
    {
        StagingItem File(string rel) => new() { Kind = StagingItemKind.File, Path = "/dest/" + rel, Size = 1, ModifiedDate = T0 };
        StagingItem Folder(string rel) => new() { Kind = StagingItemKind.Folder, Path = "/dest/" + rel };
        var remote = new[]
        {
            File("ok.txt"), File("bad:name.txt"), File("COM\u00B9"), Folder("what?"), File("what?/inside.txt"), File("what?/deeper/x.txt"),
            Folder("fine"), File("fine/dot."), File("fine/good.txt"),
        };

        SyncPlan plan = SyncPlanner.Plan(SyncDirection.Download, "/local", "/dest", [], remote, delete: true, LocalNameRules.Windows);

        Assert.Equal(["COM\u00B9", "bad:name.txt", "fine/dot.", "what?"], plan.Refused.Select(r => r.Key.RelativePath));
        Assert.All(plan.Refused, r => Assert.Equal("Failed", r.Key.Action));
        Assert.All(plan.Refused, r => Assert.Equal("UNSAFE_NAME", r.Value.ErrorType));
        Assert.Equal(StagingItemKind.Folder, plan.Refused[3].Key.Kind);
        Assert.Equal(["fine/good.txt", "ok.txt"], plan.Send.Select(r => r.RelativePath));
        Assert.Equal(["fine"], plan.MakeFolders.Select(r => r.RelativePath));
        Assert.Empty(plan.Delete);

        // The same tree on a POSIX file system: everything is planned.
        SyncPlan posix = SyncPlanner.Plan(SyncDirection.Download, "/local", "/dest", [], remote, delete: true, LocalNameRules.Posix);
        Assert.Empty(posix.Refused);
        Assert.Equal(7, posix.Send.Count);
    }
}
