using System.Management.Automation;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>
    /// A drive of the VaultStaging provider. Vault: (and any drive made without -Connection) follows the
    /// runspace's default connection, resolved at every use, so Connect-Vault to another vault shows that
    /// vault on the same drive; a drive made with -Connection stays on that connection. The root is the
    /// drive's name, a colon and the staging folder it starts at ("Prod:/", "Imports:/u10001400/Imports"):
    /// see <see cref="ProviderPath"/> for why the name is in the path.
    /// </summary>
    public sealed class VaultDriveInfo : PSDriveInfo
    {
        readonly VaultConnection _connection;

        internal VaultDriveInfo(string name, ProviderInfo provider, string stagingRoot, string description, PSCredential credential, VaultConnection connection)
            : base(name, provider, ProviderPath.Format(name, StagingPath.Root), description, credential)
        {
            _connection = connection;
            StagingRoot = StagingPath.Normalize(stagingRoot);
        }

        /// <summary>The staging folder the drive starts at ("/" for the whole staging server of the user).</summary>
        public string StagingRoot { get; }

        /// <summary>True when the drive shows whatever connection Connect-Vault made the default of this runspace.</summary>
        public bool FollowsDefaultConnection => _connection == null;

        /// <summary>The connection the drive uses now: its own, or this runspace's default (null when there is none).</summary>
        public VaultConnection Connection => _connection ?? RunspaceStore.Current.DefaultConnection;

        /// <summary>The connection to call Vault with; a clear NotConnected error when there is none or it was closed.</summary>
        internal VaultConnection RequireConnection() => Require(Connection, this);

        /// <summary>The same for a path without a drive (provider-qualified, "VaultStaging::/x"): the runspace's default connection.</summary>
        internal static VaultConnection RequireDefault() => Require(RunspaceStore.Current.DefaultConnection, null);

        static VaultConnection Require(VaultConnection connection, VaultDriveInfo drive)
        {
            string where = drive == null ? "This path" : $"The drive {drive.Name}:";
            if (connection == null)
            {
                throw new VaultException(VaultFailureKind.Client, "NotConnected",
                    drive != null && !drive.FollowsDefaultConnection
                        ? $"{where} has no connection."
                        : $"There is no Vault connection in this session: {where.Substring(0, 1).ToLowerInvariant() + where.Substring(1)} shows the staging server of the default connection, which Connect-Vault makes.",
                    "Run Connect-Vault -Vault <vault DNS name> -Credential <credential> first, or make a drive on a connection of your own: New-PSDrive -Name Prod -PSProvider VaultStaging -Root / -Connection $connection.");
            }
            if (!connection.IsConnected)
            {
                throw new VaultException(VaultFailureKind.Client, "NotConnected",
                    $"{where} uses the connection {connection}, which Disconnect-Vault closed.",
                    drive != null && !drive.FollowsDefaultConnection
                        ? $"Run Connect-Vault again and make the drive again: Remove-PSDrive {drive.Name}; New-PSDrive -Name {drive.Name} -PSProvider VaultStaging -Root / -Connection (Connect-Vault ... -PassThru)."
                        : "Run Connect-Vault again.");
            }
            return connection;
        }
    }
}
