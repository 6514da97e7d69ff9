using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>A cmdlet that talks to a vault: -Connection, or the runspace's default from Connect-Vault.</summary>
    public abstract class VaultConnectedCmdlet : VaultCmdlet
    {
        /// <summary>The connection to use instead of the default one that Connect-Vault set.</summary>
        [Parameter]
        [ValidateNotNull]
        public VaultConnection Connection { get; set; }

        /// <summary>The connection this invocation uses, resolved in BeginProcessing.</summary>
        protected VaultConnection ActiveConnection { get; private set; }

        protected VaultClient Client => ActiveConnection.Client;

        protected override void BeginProcessing()
        {
            VaultConnection connection = Connection ?? RunspaceConnections.Default;
            if (connection == null)
            {
                ThrowFailure(new VaultException(VaultFailureKind.Client, "NotConnected",
                    "There is no Vault connection in this session.",
                    "Run Connect-Vault -Vault <vault DNS name> -Credential <credential> first, or pass a connection with -Connection (in ForEach-Object -Parallel: -Connection $using:connection)."), null);
            }
            if (!connection.IsConnected)
            {
                ThrowFailure(new VaultException(VaultFailureKind.Client, "NotConnected",
                    $"The connection {connection} was closed by Disconnect-Vault.",
                    "Run Connect-Vault again."), connection);
            }
            ActiveConnection = connection;
        }
    }
}
