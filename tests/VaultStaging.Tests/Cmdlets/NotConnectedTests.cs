using System.Management.Automation;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>A call before Connect-Vault is a terminating error that says to run Connect-Vault.</summary>
public sealed class NotConnectedTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Get_VaultUploadSession_without_a_connection_is_a_terminating_NotConnected_error(bool withId)
    {
        using var host = new PowerShellHost();
        using var ps = host.Create();
        ps.AddCommand("Get-VaultUploadSession");
        if (withId) ps.AddParameter("Id", new[] { "some-upload-session-id" });

        var result = host.Invoke(ps);

        Assert.NotNull(result.Terminating);
        ErrorRecord? record = result.TerminatingRecord;
        Assert.NotNull(record);
        Assert.StartsWith("NotConnected", record!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, record.CategoryInfo.Category);
        string said = record.ToString() + " " + record.ErrorDetails?.RecommendedAction;
        Assert.Contains("Connect-Vault", said);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void The_error_stops_the_script_even_with_ErrorAction_SilentlyContinue()
    {
        using var host = new PowerShellHost();
        var result = host.Run("""
            try {
                Get-VaultUploadSession -ErrorAction SilentlyContinue
                'not stopped'
            } catch {
                'caught: ' + $_.FullyQualifiedErrorId
            }
            """);

        Assert.Null(result.Terminating);
        string line = Assert.Single(result.Output).ToString();
        Assert.StartsWith("caught: NotConnected", line);
    }

    [Fact]
    public void Get_VaultConnection_without_a_connection_returns_nothing_and_no_error()
    {
        using var host = new PowerShellHost();
        var result = host.Run("Get-VaultConnection");
        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
    }
}
