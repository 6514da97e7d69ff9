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
    public sealed class VaultDriveInfo : PSDriveInfo, IStagingDrive
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
        VaultConnection IStagingDrive.RequireConnection() => DrivePaths.Require(Connection, this);
    }
}
