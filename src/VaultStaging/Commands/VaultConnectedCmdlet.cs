using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// A cmdlet that talks to a vault: -Connection, or the runspace's default from Connect-Vault, or the
    /// connection of the VaultStaging drive its staging paths are on (Vault:/x, Prod:\x).
    /// </summary>
    public abstract class VaultConnectedCmdlet : VaultCmdlet
    {
        /// <summary>The connection to use instead of the default one that Connect-Vault set.</summary>
        [Parameter]
        [ValidateNotNull]
        [LiveConnection]
        public VaultConnection Connection { get; set; }

        /// <summary>The connection this invocation uses: resolved in BeginProcessing, or taken from a drive path.</summary>
        protected VaultConnection ActiveConnection { get; private set; }

        protected VaultClient Client => ActiveConnection.Client;

        bool _connectionSettled;

        /// <summary>The staging paths given on the command line (bound before BeginProcessing): one on a drive may name the connection.</summary>
        protected virtual IEnumerable<string> StagingPathsGiven => Enumerable.Empty<string>();

        protected override void BeginProcessing()
        {
            VaultConnection connection = Connection ?? RunspaceStore.Current.DefaultConnection;
            if (connection == null)
            {
                // Without a default connection, a path on a drive made with -Connection still says where to go.
                foreach (string given in StagingPathsGiven.Where(p => p != null))
                {
                    try
                    {
                        if (DrivePaths.TryResolve(SessionState, given, out VaultConnection drive, out _)) { connection = drive; break; }
                    }
                    catch (VaultException e)
                    {
                        ThrowFailure(e, given);
                    }
                }
            }
            if (connection == null)
            {
                ThrowFailure(new VaultException(VaultFailureKind.Client, "NotConnected",
                    "There is no Vault connection in this session.",
                    "Run Connect-Vault -Vault <vault DNS name> -Credential <credential> first, or pass a connection with -Connection. " +
                    ConnectionHints.ForOtherRunspaces(ConnectionHints.IsWindowsPowerShell)), null);
            }
            if (!connection.IsConnected)
            {
                ThrowFailure(new VaultException(VaultFailureKind.Client, "NotConnected",
                    $"The connection {connection} was closed by Disconnect-Vault.",
                    "Run Connect-Vault again."), connection);
            }
            ActiveConnection = connection;
        }

        /// <summary>
        /// The staging path for what the user gave a -Path or -Destination: a staging path as it is, a path on a
        /// VaultStaging drive (Vault:/x/, Prod:\x) as the drive's staging path (a trailing '/' kept). One command
        /// talks to one vault: the first drive path may choose the connection when -Connection was not given;
        /// a path on another connection's drive after that is an error, never a silent switch of vault.
        /// </summary>
        protected string StagingPathOf(string given, string parameterName)
        {
            if (given == null || !DrivePaths.TryResolve(SessionState, given, out VaultConnection drive, out string staging))
            {
                _connectionSettled = true;
                return given;
            }
            if (drive != ActiveConnection)
            {
                if (Connection != null || _connectionSettled)
                    throw new VaultInputException(parameterName,
                        $"'{given}' is on a drive of the connection {drive}, but this command already uses {ActiveConnection}. Give the paths of one connection per command (or that drive's connection with -Connection).");
                ActiveConnection = drive;
            }
            _connectionSettled = true;
            return staging;
        }
    }
}
