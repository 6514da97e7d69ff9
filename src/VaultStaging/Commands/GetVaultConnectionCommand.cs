using System.Management.Automation;
using VaultStaging.Host;

namespace VaultStaging.Commands
{
    /// <summary>The session's default connection (or the one given); nothing when not connected.</summary>
    [Cmdlet(VerbsCommon.Get, "VaultConnection")]
    [OutputType(typeof(VaultConnection))]
    public sealed class GetVaultConnectionCommand : VaultCmdlet
    {
        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        [LiveConnection]
        public VaultConnection Connection { get; set; }

        protected override void ProcessRecord()
        {
            VaultConnection connection = Connection ?? RunspaceStore.Current.DefaultConnection;
            if (connection != null)
            {
                connection.HandedOut = true;
                WriteObject(connection);
            }
            else WriteVerbose("Not connected: run Connect-Vault.");
        }
    }
}
