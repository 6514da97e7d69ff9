using System;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Host
{
    /// <summary>
    /// For the cmdlets that take staging paths (Send-VaultFile -Destination, Receive-VaultFile -Path,
    /// Sync-VaultStagingFolder): turns a path on a VaultStaging drive into its connection and staging path,
    /// so "Vault:/u10001400/Imports/" or "Prod:\x" work wherever "/u10001400/Imports/" does.
    /// </summary>
    public static class DrivePaths
    {
        /// <summary>The provider's name (-PSProvider VaultStaging), as provider-qualified paths carry it.</summary>
        public const string ProviderName = "VaultStaging";

        /// <summary>
        /// True when <paramref name="path"/> is on a VaultStaging drive:
        /// <list type="bullet">
        /// <item>drive-qualified: "Vault:/u10001400/Imports/", "Prod:\x\y.csv", "Vault:" and "Vault:x" (from the
        /// drive's current location, as PowerShell reads them);</item>
        /// <item>provider-qualified, as in an item's PSPath: "VaultStaging\VaultStaging::Prod:/x" or
        /// "VaultStaging::/x" (no drive: the runspace's default connection).</item>
        /// </list>
        /// <paramref name="stagingPath"/> is then the staging path ('/'-rooted, '/'-separated; "." and ".." taken
        /// lexically, never above the drive's root), with a trailing '/' kept when the path ended with '/' or '\'
        /// (a folder is meant); wildcards are left as they are. <paramref name="connection"/> is the drive's
        /// connection (Vault: and drives made without -Connection: the runspace's default, at this moment).
        /// False, with both null, for anything else: a plain staging path ("/x", "x"), a file-system path, a
        /// drive of another provider, a drive that does not exist. The caller then treats the text as before.
        /// </summary>
        /// <exception cref="VaultException">
        /// ErrorType NotConnected: the path is on a VaultStaging drive that has no connection (Vault: before
        /// Connect-Vault) or whose connection was closed. The message says to run Connect-Vault; the cmdlets'
        /// usual error handling (VaultCmdlet.ToErrorRecord) reports it.
        /// </exception>
        public static bool TryResolve(SessionState sessionState, string path, out VaultConnection connection, out string stagingPath)
        {
            connection = null;
            stagingPath = null;
            if (sessionState == null || string.IsNullOrWhiteSpace(path)) return false;
            string text = path.Trim();

            int qualifier = text.IndexOf("::", StringComparison.Ordinal);
            if (qualifier > 0)
            {
                string provider = text.Substring(0, qualifier);
                int slash = provider.LastIndexOf('\\');
                if (slash >= 0) provider = provider.Substring(slash + 1);
                if (!string.Equals(provider, ProviderName, StringComparison.OrdinalIgnoreCase)) return false;
                string inner = text.Substring(qualifier + 2);
                if (!TryStartOf(sessionState, ProviderPath.DriveOf(inner), null, out VaultConnection found, out string root)) return false;
                connection = found;
                stagingPath = WithTrailing(StagingPath.Combine(root, ProviderPath.StagingOf(inner)), inner);
                return true;
            }

            int colon = text.IndexOf(':');
            if (colon <= 0) return false;
            string name = text.Substring(0, colon);
            if (name.IndexOf('/') >= 0 || name.IndexOf('\\') >= 0) return false;
            if (!(FindDrive(sessionState, name) is IStagingDrive drive)) return false;
            string rest = text.Substring(colon + 1);
            // "Vault:/x" is from the drive's root; "Vault:" and "Vault:x" from the drive's current location, as
            // PowerShell reads them. ".." stops at the drive's root, as in PowerShell.
            bool rooted = rest.StartsWith("/", StringComparison.Ordinal) || rest.StartsWith("\\", StringComparison.Ordinal);
            string below = StagingPath.Canonical(rooted ? rest : "/" + (drive.CurrentLocation ?? "") + "/" + rest);
            string staging = StagingPath.Combine(drive.StagingRoot, below);
            connection = drive.RequireConnection();
            stagingPath = WithTrailing(staging, rest);
            return true;
        }

        static string WithTrailing(string staging, string typed)
        {
            bool trailing = typed.Length > 0 && (typed[typed.Length - 1] == '/' || typed[typed.Length - 1] == '\\');
            return trailing && staging != StagingPath.Root ? staging + "/" : staging;
        }

        /// <summary>
        /// Where a provider path starts: its drive's connection and staging root, or without a drive name the
        /// runspace's default connection at "/" (NotConnected when there is none). False when no VaultStaging
        /// drive of that name is in the session. <paramref name="current"/>, the drive a provider call is
        /// already on, is taken without asking the session.
        /// </summary>
        internal static bool TryStartOf(SessionState sessionState, string driveName, IStagingDrive current, out VaultConnection connection, out string stagingRoot)
        {
            connection = null;
            stagingRoot = StagingPath.Root;
            if (driveName == null)
            {
                connection = Require(RunspaceStore.Current.DefaultConnection, null);
                return true;
            }
            IStagingDrive drive = current != null && string.Equals(current.Name, driveName, StringComparison.OrdinalIgnoreCase)
                ? current : FindDrive(sessionState, driveName);
            if (drive == null) return false;
            connection = drive.RequireConnection();
            stagingRoot = drive.StagingRoot;
            return true;
        }

        /// <summary>The VaultStaging drive named <paramref name="name"/> in the session's scope, or null.</summary>
        internal static IStagingDrive FindDrive(SessionState sessionState, string name)
        {
            try
            {
                return sessionState.Drive.Get(name) as IStagingDrive;
            }
            catch (DriveNotFoundException)
            {
                return null;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        /// <summary>
        /// The connection to call Vault with for <paramref name="drive"/> (null: a path without a drive, on the
        /// runspace's default connection); a clear NotConnected error when there is none or it was closed.
        /// </summary>
        internal static VaultConnection Require(VaultConnection connection, IStagingDrive drive)
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

    /// <summary>What drive-path resolution needs of a VaultStaging drive (the provider's VaultDriveInfo).</summary>
    internal interface IStagingDrive
    {
        string Name { get; }
        string CurrentLocation { get; }

        /// <summary>The staging folder the drive starts at.</summary>
        string StagingRoot { get; }

        /// <summary>True when the drive shows whatever connection Connect-Vault made the default of this runspace.</summary>
        bool FollowsDefaultConnection { get; }

        /// <summary>The connection to call Vault with; NotConnected when there is none or it was closed.</summary>
        VaultConnection RequireConnection();
    }
}
