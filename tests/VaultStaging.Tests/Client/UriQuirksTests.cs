using System.Security;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>
/// Windows PowerShell 5.1 runs .NET Framework's legacy System.Uri rules, which drop trailing dots from a request's
/// path ("Reports." reaches "Reports"). Under those rules (the seam turns them on here, in this async flow only)
/// such paths are refused before any call; without them they are sent as they are.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class UriQuirksTests : IDisposable
{
    private readonly EmulatorFixture _emu;

    public UriQuirksTests(EmulatorFixture emu)
    {
        _emu = emu;
        _emu.Reset();
    }

    public void Dispose() => StagingPath.SetUriQuirksForTest(null);

    [Fact]
    public void This_runtime_keeps_trailing_dots_and_the_probe_says_so()
    {
        Assert.Equal("/Reports.", new Uri("https://vault.example.com/Reports.").AbsolutePath);
        Assert.False(StagingPath.UriDropsTrailingDots);
    }

    [Theory]
    [InlineData("/Reports.")]
    [InlineData("/a./b")]
    [InlineData("/a/.../b")]
    [InlineData("Reports./")]
    public void Under_the_legacy_rules_a_name_ending_in_a_dot_is_refused_saying_why_and_that_PowerShell_7_has_no_such_limit(string path)
    {
        StagingPath.SetUriQuirksForTest(true);
        var e = Assert.Throws<VaultInputException>(() => StagingPath.ValidateAny(path, "Path"));
        Assert.Equal("Path", e.ParameterName);
        Assert.Contains("ends with '.'", e.Message);
        Assert.Contains("Windows PowerShell 5.1", e.Message);
        Assert.Contains("PowerShell 7 has no such limit", e.Message);
        Assert.Throws<VaultException>(() => StagingPath.Escape(path));
    }

    [Theory]
    [InlineData("/Reports.")]
    [InlineData("/a/.../b")]
    public void Without_them_the_same_names_are_valid_and_escaped_as_they_are(string path)
    {
        StagingPath.SetUriQuirksForTest(false);
        Assert.Equal(path, StagingPath.ValidateAny(path, "Path"));
        Assert.Equal(path.Substring(1), StagingPath.Escape(path));
    }

    [Fact]
    public async Task Under_the_legacy_rules_a_dotted_name_found_in_a_listing_is_never_sent_and_without_them_it_is_the_one_acted_on()
    {
        using VaultClient client = await Connect();
        await CreateFolder(client, "/dots");
        await CreateFolder(client, "/dots/Reports");
        await CreateFolder(client, "/dots/Reports.");
        int calls = _emu.State.GetLog().Count;

        StagingPath.SetUriQuirksForTest(true);
        var refused = await Assert.ThrowsAnyAsync<VaultException>(() => client.DeleteItemAsync("/dots/Reports.", recursive: true, VaultCallContext.None));
        Assert.Equal("PATH_NOT_SUPPORTED_HERE", refused.ErrorType);
        Assert.Equal(calls, _emu.State.GetLog().Count);
        Assert.True(_emu.State.GetItem("/dots/Reports").Exists);

        StagingPath.SetUriQuirksForTest(false);
        VaultJob job = await client.DeleteItemAsync("/dots/Reports.", recursive: true, VaultCallContext.None);
        await client.WaitForJobAsync(job, TimeSpan.FromSeconds(60), null, VaultCallContext.None);
        Assert.False(_emu.State.GetItem("/dots/Reports.").Exists);
        Assert.True(_emu.State.GetItem("/dots/Reports").Exists);
    }

    private Task<VaultClient> Connect()
    {
        var password = new SecureString();
        foreach (char c in EmulatorFixture.AdminPassword) password.AppendChar(c);
        return VaultClient.ConnectWithPasswordAsync(_emu.BaseUri, EmulatorFixture.AdminUserName, password, new VaultClientOptions(), VaultCallContext.None);
    }

    private static async Task CreateFolder(VaultClient client, string path)
    {
        try { await client.CreateFolderAsync(path, VaultCallContext.None); }
        catch (VaultException e) when (e.ErrorType == "ITEM_NAME_EXISTS") { }
    }
}
