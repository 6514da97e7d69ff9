using System.Diagnostics;
using System.Management.Automation;
using VaultStaging.Emulator;
using VaultStaging.Host;
using VaultStaging.Provider;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Provider;

/// <summary>
/// The provider's path arithmetic (what MakePath, GetParentPath, GetChildName, NormalizeRelativePath and
/// IsValidPath answer), written with '/' and checked with the platform's separator, from either separator.
/// </summary>
public sealed class ProviderPathTests
{
    private static string P(string path) => path.Replace('/', ProviderPath.Separator);

    [Theory]
    [InlineData("Vault:/", "a", "Vault:/a")]
    [InlineData("Vault:\\a\\", "b/c", "Vault:/a/b/c")]
    [InlineData("Vault:/a", "\\b\\", "Vault:/a/b/")]
    [InlineData("Vault:", "x", "Vault:/x")]
    [InlineData("Vault:/a", "", "Vault:/a/")]
    [InlineData("Vault:/a", "/", "Vault:/a/")]
    [InlineData("", "x/y", "x/y")]
    [InlineData("", "", "")]
    [InlineData("a", "b", "a/b")]
    [InlineData("..", "Imports", "../Imports")]
    [InlineData("Vault:/a", "b*[c].csv", "Vault:/a/b*[c].csv")]
    public void MakePath_joins_with_one_separator(string parent, string child, string expected) =>
        Assert.Equal(P(expected), ProviderPath.Join(parent, child));

    [Theory]
    [InlineData("Vault:/a/b", "Vault:/", "Vault:/a")]
    [InlineData("Vault:/a", "Vault:/", "Vault:/")]
    [InlineData("Vault:/", "Vault:/", "")]
    [InlineData("Vault:/", null, "")]
    [InlineData("Vault:\\a\\b\\", null, "Vault:/a")]
    [InlineData("Vault:/a//b", "", "Vault:/a")]
    [InlineData("Imp:/Imports/x.csv", "Imp:/Imports", "Imp:/Imports")]
    [InlineData("Imp:/Imports", "Imp:/Imports", "")]
    [InlineData("imp:/Imports", "Imp:/Imports", "")]
    // Drive names compare without case (PowerShell's), staging paths with it (StagingPath.Comparison).
    [InlineData("Imp:/IMPORTS", "Imp:/Imports", "Imp:/")]
    [InlineData("/a/b", "", "/a")]
    [InlineData("/a", "", "/")]
    [InlineData("a/b", "", "a")]
    [InlineData("a", "", "")]
    public void GetParentPath_shortens_by_one_segment_and_stops_at_the_root(string path, string? root, string expected) =>
        Assert.Equal(P(expected), ProviderPath.Parent(path, root!));

    [Theory]
    [InlineData("Vault:/a/b.csv", "b.csv")]
    [InlineData("Vault:\\a\\b\\", "b")]
    [InlineData("Vault:/Spaced näme/Ünïcödé.txt", "Ünïcödé.txt")]
    [InlineData("Vault:/", "")]
    [InlineData("/", "")]
    [InlineData("x", "x")]
    public void GetChildName_is_the_last_segment(string path, string expected) =>
        Assert.Equal(expected, ProviderPath.Leaf(path));

    [Theory]
    [InlineData("Vault:/u1/Imports", "Vault:/", "u1/Imports")]
    [InlineData("Vault:\\u1\\Imports\\", "Vault:/", "u1/Imports/")]
    [InlineData("Vault:/u1/Imports", "Vault:/u1/Exports", "../Imports")]
    [InlineData("Vault:/u1", "Vault:/u1/Exports/x", "../..")]
    [InlineData("Vault:/u1/a/../b/./c", "Vault:/u1", "b/c")]
    [InlineData("vault:/u1/x", "Vault:/u1", "x")]
    [InlineData("Vault:/docs/b.txt", "Vault:/Docs", "../docs/b.txt")]
    [InlineData("Vault:/Docs/a.txt", "vault:/docs", "../Docs/a.txt")]
    [InlineData("Vault:/U1/x", "Vault:/u1", "../U1/x")]
    [InlineData("Vault:/", "Vault:/", "")]
    [InlineData("Vault:/a", "", "Vault:/a")]
    [InlineData("Prod:/a", "Vault:/", "Prod:/a")]
    public void NormalizeRelativePath_is_relative_to_the_base(string path, string basePath, string expected) =>
        Assert.Equal(P(expected), ProviderPath.Relative(path, basePath));

    [Theory]
    [InlineData("Vault:/a/./b//../c", "Vault", "/a/c")]
    [InlineData("Vault:\\a\\b\\", "Vault", "/a/b")]
    [InlineData("Prod:", "Prod", "/")]
    [InlineData("Vault:/a:b/c", "Vault", "/a:b/c")]
    [InlineData("/x/y", null, "/x/y")]
    [InlineData("a:b/c", null, "/a:b/c")]
    [InlineData("x/Vault:/y", null, "/x/Vault:/y")]
    [InlineData("Vault:/../..", "Vault", "/")]
    public void A_provider_path_is_a_drive_and_a_staging_path(string path, string? drive, string staging)
    {
        Assert.Equal(drive, ProviderPath.DriveOf(path));
        Assert.Equal(staging, ProviderPath.StagingOf(path));
    }

    [Theory]
    [InlineData("Vault", "/", "Vault:/")]
    [InlineData("Imp", "/u1/Imports/", "Imp:/u1/Imports")]
    [InlineData(null, "/x", "/x")]
    public void Format_puts_the_drive_before_the_staging_path(string? drive, string staging, string expected) =>
        Assert.Equal(P(expected), ProviderPath.Format(drive!, staging));

    [Fact]
    public void IsValidPath_refuses_control_characters_only()
    {
        Assert.True(ProviderPath.IsValid("Vault:/a b/ü [x] #%+.csv"));
        Assert.False(ProviderPath.IsValid("Vault:/a\u0001b"));
        Assert.False(ProviderPath.IsValid(null!));
    }
}

/// <summary>
/// The same arithmetic as PowerShell drives it (Join-Path, Split-Path, Test-Path -IsValid, Convert-Path,
/// New-PSDrive), in-process, with no connection: none of it calls Vault.
/// </summary>
public sealed class ProviderPathHostTests : IDisposable
{
    private readonly PowerShellHost _host = new();
    private static string P(string path) => path.Replace('/', ProviderPath.Separator);

    public void Dispose() => _host.Dispose();

    private string One(string script)
    {
        PowerShellResult result = _host.Run(script);
        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        return Assert.Single(result.Objects).ToString()!;
    }

    [Theory]
    [InlineData("Join-Path Vault:/a 'b\\c'", "Vault:/a/b/c")]
    [InlineData("Join-Path 'Vault:\\a\\' '/b/'", "Vault:/a/b/")]
    [InlineData("Split-Path 'Vault:\\u1\\Imports\\x.csv' -Parent", "Vault:/u1/Imports")]
    [InlineData("Split-Path 'Vault:/u1/Imports/x.csv' -Leaf", "x.csv")]
    [InlineData("Split-Path 'Vault:/Spaced näme/ü.csv' -Leaf", "ü.csv")]
    [InlineData("Split-Path 'Vault:/u1' -Parent", "Vault:/")]
    [InlineData("Convert-Path Vault:\\", "Vault:/")]
    public void PowerShell_path_cmdlets_use_the_provider(string script, string expected) =>
        Assert.Equal(P(expected), One(script));

    [Fact]
    public void Test_Path_IsValid_takes_spaces_wildcards_and_Unicode_but_not_control_characters()
    {
        Assert.Equal("True", One("Test-Path -IsValid 'Vault:/a b/ü [x].csv'"));
        Assert.Equal("False", One("Test-Path -IsValid \"Vault:/a`tb\""));
    }

    [Fact]
    public void New_PSDrive_turns_the_root_into_drive_name_and_staging_folder_from_either_separator()
    {
        PowerShellResult made = _host.Run("New-PSDrive -Name Imp -PSProvider VaultStaging -Root '\\u1\\Imports\\' | ForEach-Object { $_.Root; $_.StagingRoot; $_.FollowsDefaultConnection }");
        Assert.Empty(made.Errors);
        Assert.Equal(new[] { P("Imp:/"), "/u1/Imports", "True" }, made.Objects.Select(o => o.ToString()));
        // The provider's paths are the drive paths: the staging folder of the root is the drive's, not the path's.
        Assert.Equal(P("Imp:/x.csv"), One("Join-Path Imp:/ x.csv"));
    }

    [Fact]
    public void New_PSDrive_takes_dot_dot_in_the_root_as_PowerShell_does_and_never_above_the_staging_root()
    {
        Assert.Equal("/b", One("(New-PSDrive -Name Up -PSProvider VaultStaging -Root '/a/../b').StagingRoot"));
        Assert.Equal("/", One("(New-PSDrive -Name Top -PSProvider VaultStaging -Root '/../..').StagingRoot"));
    }
}

/// <summary>Ctrl+C (PowerShell.Stop) during Get-ChildItem -Recurse on a drive cancels the listing in flight at once.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ProviderStopTests(EmulatorFixture emulator)
{
    [Fact]
    public void Stop_cancels_a_slow_recursive_listing_at_once()
    {
        emulator.Reset();
        emulator.State.CreateItemsBulk("/u10001400/Long", 5, 5, size: 10);
        using var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);
        Assert.Empty(host.Run("$null = Get-Item Vault:/Long").Errors); // knows it is jane's folder; the next listing is the long one

        string faultId = emulator.State.AddFault(new FaultSpec { Kind = "slow", Operation = "items", DelayMs = 30_000, Count = 1 });
        using var ps = host.Create();
        ps.AddScript("Get-ChildItem Vault:/Long -Recurse");
        IAsyncResult pending = ps.BeginInvoke();
        var waiting = Stopwatch.StartNew();
        while (emulator.State.GetFaults().Any(f => f.Id == faultId))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(15), "Get-ChildItem never sent its listing.");
            Assert.False(pending.IsCompleted, "Get-ChildItem ended before its listing reached the emulator.");
            Thread.Sleep(20);
        }
        Thread.Sleep(100);

        var stopping = Stopwatch.StartNew();
        ps.Stop();
        stopping.Stop();
        StopBound.Check(stopping.Elapsed);
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(pending));

        PowerShellResult again = host.Run("Get-ChildItem Vault:/Long -Recurse -File");
        Assert.Null(again.Terminating);
        Assert.Equal(25, again.Objects.OfType<StagingItem>().Count());
    }
}


/// <summary>
/// The one case rule (StagingPath.Comparison): /Docs and /docs are two folders on the drive, and every path the
/// drive works out relative to one of them names the right one; the drive's own name compares without case.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ProviderCaseTests(EmulatorFixture emulator)
{
    private static string P(string path) => path.Replace('/', ProviderPath.Separator);

    [Fact]
    public void Two_folders_that_differ_only_by_case_stay_two_on_the_drive()
    {
        emulator.Reset();
        emulator.State.CreateItemDirect("/u10001400/Docs/a.txt", content: [1]);
        emulator.State.CreateItemDirect("/u10001400/docs/b.txt", content: [2]);
        emulator.State.CreateItemDirect("/u10001400/docs/sub/c.txt", content: [3]);
        using var host = new PowerShellHost();
        host.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);

        string[] Lines(string script)
        {
            PowerShellResult r = host.Run(script);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            return r.Objects.Select(o => o.ToString()!).ToArray();
        }

        // Resolve-Path -Relative asks the provider (NormalizeRelativePath): from /Docs, /docs is a sibling, not "."
        // (it answered ./b.txt, which names a file in /Docs that is not there).
        Assert.Equal([P("../docs/b.txt")], Lines("Set-Location Vault:/Docs; Resolve-Path Vault:/docs/b.txt -Relative"));
        Assert.Equal([P("../Docs/a.txt")], Lines("Set-Location Vault:/docs; Resolve-Path Vault:/Docs/a.txt -Relative"));
        Assert.Equal([P("../docs/sub/c.txt")], Lines("Set-Location vault:/Docs; Resolve-Path Vault:/docs/sub/* -Relative"));
        // The same folder through a drive name typed in another case is still the same folder.
        Assert.Equal([P("./a.txt")], Lines("Set-Location Vault:/Docs; Resolve-Path VAULT:/Docs/a.txt -Relative"));

        // Each recursive listing names what is below its own folder.
        Assert.Equal([P("b.txt"), P("sub"), P("sub/c.txt")], Lines("Get-ChildItem Vault:/docs -Recurse -Name | Sort-Object"));
        Assert.Equal([P("a.txt")], Lines("Set-Location Vault:/docs; Get-ChildItem ../Docs -Recurse -Name"));
    }
}
