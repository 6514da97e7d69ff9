using System;
using System.Management.Automation;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Ends the session on the server (DELETE /session) and forgets the connection. A token connection has
    /// no session to end; it is only forgotten. Without a connection there is nothing to do, which is not an
    /// error, so runbooks can call it in a finally block.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Vault")]
    public sealed class DisconnectVaultCommand : VaultCmdlet
    {
        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        [LiveConnection]
        public VaultConnection Connection { get; set; }

        protected override void ProcessRecord()
        {
            VaultConnection connection = Connection ?? RunspaceStore.Current.DefaultConnection;
            if (connection == null)
            {
                WriteVerbose("Not connected; nothing to disconnect.");
                return;
            }
            if (ReferenceEquals(connection, RunspaceStore.Current.DefaultConnection)) RunspaceStore.Current.DefaultConnection = null;
            if (!connection.IsConnected) return;
            // The connection is forgotten either way; should the call fail, the session expires on its own.
            RunFor(connection, () =>
            {
                Await(connection.Client.DisconnectAsync(CallContext));
                WriteVerbose($"Disconnected {connection}.");
            });
        }
    }
}
