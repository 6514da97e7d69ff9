using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>The default connection belongs to the runspace that made it, never to the process.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ConnectionScopeTests(EmulatorFixture emulator)
{
    [Fact]
    public void A_connection_made_in_one_runspace_is_not_the_default_of_another()
    {
        emulator.Reset();
        using var first = new PowerShellHost();
        using var second = new PowerShellHost();
        first.Connect(emulator.BaseUrl, EmulatorFixture.JaneUserName, EmulatorFixture.JanePassword);

        var mine = first.Run("Get-VaultConnection");
        var theirs = second.Run("Get-VaultConnection");

        var connection = Assert.IsType<VaultStaging.VaultConnection>(Assert.Single(mine.Output).BaseObject);
        Assert.Equal(EmulatorFixture.JaneUserName, connection.UserName);
        Assert.Empty(theirs.Output);

        // ...but the other runspace can use it when handed over explicitly.
        var listed = second.Run("Get-VaultUploadSession -Connection $c", new Dictionary<string, object?> { ["c"] = connection });
        Assert.Null(listed.Terminating);
        Assert.Equal(3, listed.Objects.OfType<VaultStaging.UploadSession>().Count());
    }
}
