using System;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Management.Automation.Runspaces;
using System.Threading;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>
    /// The VaultStaging provider: the staging server of a vault as a PowerShell drive (cd, dir, Test-Path,
    /// mkdir, Remove-Item, Rename-Item, Move-Item, Get-Content, Set-Content, tab completion). Every call goes
    /// through the connection's VaultClient, as the cmdlets' do. Vault: follows the runspace's default
    /// connection; New-PSDrive -Connection makes drives on other connections. Paths: <see cref="ProviderPath"/>.
    /// PowerShell makes a new instance for each provider call, so instance fields live for one call.
    /// </summary>
    [CmdletProvider(ProviderName, ProviderCapabilities.Filter | ProviderCapabilities.ShouldProcess)]
    [OutputType(typeof(StagingItem), ProviderCmdlet = ProviderCmdlet.GetChildItem)]
    [OutputType(typeof(StagingItem), ProviderCmdlet = ProviderCmdlet.GetItem)]
    [OutputType(typeof(StagingItem), ProviderCmdlet = ProviderCmdlet.NewItem)]
    public sealed partial class VaultStagingProvider : NavigationCmdletProvider, IContentCmdletProvider, IPipeline
    {
        /// <summary>The provider's name (-PSProvider VaultStaging).</summary>
        public const string ProviderName = DrivePaths.ProviderName;

        /// <summary>The drive every runspace gets, on its default connection.</summary>
        public const string DefaultDriveName = "Vault";

        readonly CancellationTokenSource _stop = new CancellationTokenSource();
        readonly Runspace _runspace = Runspace.DefaultRunspace;
        CallRunner _runner;

        CallRunner Runner => _runner ?? (_runner = new CallRunner(this, _stop.Token, State));

        /// <summary>What the module keeps for the runspace this provider call runs in.</summary>
        RunspaceStore State => RunspaceStore.Of(_runspace);

        /// <summary>
        /// Ctrl+C: this instance's call, and every other provider call waiting on Vault in this runspace, is
        /// cancelled (see RunspaceStore.AddCall; the runner also watches Stopping).
        /// </summary>
        protected override void StopProcessing()
        {
            _stop.Cancel();
            State.CancelCalls();
        }

        // ---- Drives -----------------------------------------------------------------------------------------

        protected override Collection<PSDriveInfo> InitializeDefaultDrives() => new Collection<PSDriveInfo>
        {
            new VaultDriveInfo(DefaultDriveName, ProviderInfo, StagingPath.Root,
                "Veeva Vault file staging of this runspace's default connection (Connect-Vault)", null, null),
        };

        protected override object NewDriveDynamicParameters() => new VaultDriveParameters();

        protected override PSDriveInfo NewDrive(PSDriveInfo drive)
        {
            if (drive == null) return null;
            if (drive is VaultDriveInfo ready) return ready;
            VaultConnection connection = (DynamicParameters as VaultDriveParameters)?.Connection;
            string root = drive.Root ?? "";
            // PowerShell resolves -Root against the current location: in Vault:, "/x" arrives as "Vault:/x",
            // a path on that drive (its own root and, without -Connection, its connection).
            string from = ProviderPath.DriveOf(root);
            VaultDriveInfo source = from == null ? null : FindDrive(from);
            if (connection == null && source != null && !source.FollowsDefaultConnection) connection = source.Connection;
            string staging;
            try
            {
                staging = StagingPath.ValidateAny(StagingPath.Combine(source?.StagingRoot ?? StagingPath.Root, ProviderPath.StagingOf(root)), "Root");
            }
            catch (VaultException e)
            {
                WriteError(Failures.ForProvider(e, drive.Root));
                return null;
            }
            string description = string.IsNullOrEmpty(drive.Description)
                ? connection == null ? "Veeva Vault file staging of this runspace's default connection" : "Veeva Vault file staging as " + connection
                : drive.Description;
            var made = new VaultDriveInfo(drive.Name, drive.Provider, staging, description, drive.Credential, connection);
            // Read here, on the pipeline thread: a drive without -Connection reads the runspace's default
            // connection, which a pool thread does not see. With no connection the root cannot be checked:
            // the drive is made as Vault: is, and each use says NotConnected until Connect-Vault.
            VaultConnection now = made.Connection;
            if (staging != StagingPath.Root && now != null && now.IsConnected)
            {
                // A root that is not a folder would give a drive where every command fails.
                bool ok = Guard(drive.Root, () =>
                {
                    StagingItem item = Runner.Run(ctx => now.Client.GetItemAsync(staging, ctx));
                    if (item != null && item.IsFolder) return true;
                    WriteError(Errors.NotFound(drive.Root, item == null
                        ? $"The staging folder {staging} does not exist, so it cannot be the root of the drive {drive.Name}:."
                        : $"{staging} is a file; the root of the drive {drive.Name}: must be a folder."));
                    return false;
                });
                if (!ok) return null;
            }
            return made;
        }

        protected override PSDriveInfo RemoveDrive(PSDriveInfo drive) => drive;

        /// <summary>The drive of this provider named <paramref name="name"/> in the caller's scope, or null.</summary>
        VaultDriveInfo FindDrive(string name) =>
            PSDriveInfo is VaultDriveInfo current && string.Equals(current.Name, name, StringComparison.OrdinalIgnoreCase)
                ? current : DrivePaths.FindDrive(SessionState, name) as VaultDriveInfo;

        // ---- What a path names --------------------------------------------------------------------------------

        /// <summary>A provider path taken apart: the drive (if any), its connection's client and the staging path.</summary>
        internal sealed class Target
        {
            public string DriveName;
            public VaultConnection Connection;
            public VaultClient Client => Connection.Client;
            public string Staging;

            /// <summary>The staging folder the drive starts at ("/" without a drive).</summary>
            public string StagingRoot = StagingPath.Root;

            public bool IsStagingRoot => Staging == StagingPath.Root;

            /// <summary>The provider path, which is also the drive path, of another staging path on the same drive.</summary>
            public string PathOf(string staging) =>
                ProviderPath.Format(DriveName, "/" + (StagingPath.RelativeTo(staging, StagingRoot) ?? staging.TrimStart('/')));

            /// <summary>Another staging path on the same drive and connection.</summary>
            public Target At(string staging) => new Target { DriveName = DriveName, Connection = Connection, Staging = staging, StagingRoot = StagingRoot };
        }

        /// <summary>
        /// The connection and staging path of a provider path (the drive's staging root, then the rest). No connection (or a closed one) is a terminating
        /// NotConnected error that says to run Connect-Vault; so is a drive name this provider does not know.
        /// </summary>
        Target Resolve(string path)
        {
            string driveName = ProviderPath.DriveOf(path);
            VaultConnection connection;
            string root;
            try
            {
                if (!DrivePaths.TryStartOf(SessionState, driveName, PSDriveInfo as VaultDriveInfo, out connection, out root))
                    throw new VaultException(VaultFailureKind.Client, "DriveNotFound",
                        $"'{path}' names the drive {driveName}:, which is not a VaultStaging drive in this session.",
                        "Get-PSDrive -PSProvider VaultStaging lists them; New-PSDrive -PSProvider VaultStaging -Root / -Connection $c makes one.");
            }
            catch (VaultException e)
            {
                ThrowTerminatingError(Failures.ForProvider(e, path));
                throw;
            }
            return new Target
            {
                DriveName = driveName,
                Connection = connection,
                StagingRoot = root,
                Staging = StagingPath.Combine(root, ProviderPath.StagingOf(path)),
            };
        }

        /// <summary>
        /// What is at a path: this command's own listings first, then a few seconds' memory, then one call
        /// (GetItemAsync). Null when nothing is there.
        /// </summary>
        StagingItem Lookup(Target t)
        {
            if (t.IsStagingRoot) return StagingItem.Folder(StagingPath.Root);
            // A command of ours keeps what it learned for itself (gone with the command); other calls (tab
            // completion, Set-Location, Resolve-Path) share the few seconds of the short cache. A command also takes
            // from that cache what was put there since PowerShell made its parameters: its own path check, which
            // PowerShell makes without them (else a Get-ChildItem read the folder twice when nothing had just before).
            var scope = DynamicParameters as VaultCommandScope;
            Listing listing = scope?.Listings.For(t.Client);
            if (listing != null && listing.TryGetItem(t.Staging, out StagingItem known)) return known;
            if (State.MemoryOf(t.Client).TryGet(t.Staging, out StagingItem remembered, since: scope?.Made ?? 0)) return remembered;
            long mark = t.Client.ChangeMark;
            StagingItem item = Runner.Run(ctx => t.Client.GetItemAsync(t.Staging, ctx));
            if (listing != null) listing.Remember(t.Staging, item);
            else State.MemoryOf(t.Client).Put(t.Staging, item, mark);
            return item;
        }

        /// <summary>
        /// Writes an item with its provider path (PowerShell adds PSPath, PSParentPath, PSChildName,
        /// PSIsContainer). In PowerShell the item's Path reads as the drive path ("Vault:/u10001400/x.csv"):
        /// Remove-Item, Get-Content, Rename-Item and Move-Item bind -Path by property name before -LiteralPath
        /// (PSPath), and a bare staging path would be taken on the current location's drive (the file system,
        /// most of the time); the drive path also keeps the item's connection for Receive-VaultFile. The
        /// StagingItem itself keeps the staging path, which StagingPath shows too.
        /// </summary>
        void WriteItem(Target t, StagingItem item)
        {
            string path = t.PathOf(item.Path);
            // A copy: PowerShell keeps note properties with the object, and a cached item may be written again
            // for another drive on the same connection.
            PSObject shown = ItemView.Shown(Copy(item, item.Path));
            shown.Properties.Add(new PSNoteProperty("Path", path));
            shown.Properties.Add(new PSNoteProperty("StagingPath", item.Path));
            WriteItemObject(shown, path, item.IsFolder);
        }

        /// <summary>A copy of an item at <paramref name="path"/> (the same when moved: Vault keeps the date).</summary>
        static StagingItem Copy(StagingItem item, string path) => new StagingItem
        {
            Kind = item.Kind,
            Path = path,
            Name = path == item.Path ? item.Name : StagingPath.NameOf(path),
            Size = item.Size,
            ModifiedDate = item.ModifiedDate,
            Md5 = item.Md5,
            AdditionalFields = item.AdditionalFields,
        };

        WildcardPattern _filter;

        /// <summary>Whether a name passes -Filter (a wildcard, without regard to case, as on the file system); the pattern is built once per call, not per item.</summary>
        bool PassesFilter(string name)
        {
            if (string.IsNullOrEmpty(Filter)) return true;
            if (_filter == null) _filter = WildcardPattern.Get(Filter, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            return _filter.IsMatch(name ?? "");
        }

        // ---- Failures -------------------------------------------------------------------------------------

        /// <summary>
        /// Runs one piece of provider work: a Vault failure becomes an error about <paramref name="path"/>
        /// (terminating when <paramref name="terminating"/>, or when there is no connection), and Ctrl+C stops
        /// the pipeline quietly.
        /// </summary>
        void Guard(string path, Action work, bool terminating = false) => Guard(path, () => { work(); return true; }, terminating);

        T Guard<T>(string path, Func<T> work, bool terminating = false) => Failures.Guard(() =>
            {
                T result = work();
                _runner?.Flush();
                return result;
            },
            () => _stop.IsCancellationRequested || (_runner != null && _runner.IsCancelled),
            e =>
            {
                _runner?.Flush();
                ErrorRecord record = Failures.ForProvider(e, path);
                if (terminating || e.ErrorType == "NotConnected") ThrowTerminatingError(record);
                WriteError(record);
            });
    }
}
