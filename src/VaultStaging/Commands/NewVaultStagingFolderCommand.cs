using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Creates folders on the staging server. Vault creates no parents and refuses a folder that exists
    /// (ITEM_NAME_EXISTS); -Force creates the missing parents and accepts a folder that is already there,
    /// like mkdir -p. Writes each folder as a StagingItem.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "VaultStagingFolder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(StagingItem))]
    public sealed class NewVaultStagingFolderCommand : StagingCmdlet
    {
        /// <summary>Staging paths of the folders to create.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        [AllowEmptyString]
        public string[] Path { get; set; }

        protected override IEnumerable<string> StagingPathsGiven => Path ?? new string[0];

        /// <summary>Create missing parent folders, and succeed when the folder already exists.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        FolderMaker _folders;

        protected override void ProcessRecord()
        {
            foreach (string given in Path)
            {
                RunFor(given, () =>
                {
                    string path = StagingPath.ValidateAny(StagingPathOf(given, "Path"), "Path", allowRoot: false);
                    if (!ShouldProcess(path, Force ? "Create folder (and any missing parent folders)" : "Create folder")) return;
                    WriteItem(Await(Force ? EnsureAsync(path) : CreateAsync(path)));
                });
            }
        }

        /// <summary>One folder whose parent must exist; an existing item at the path is an error saying which kind it is.</summary>
        async Task<StagingItem> CreateAsync(string path)
        {
            VaultException failure;
            try
            {
                StagingItem created = await Client.CreateFolderAsync(path, CallContext).ConfigureAwait(false);
                CallContext.Verbose($"Created the staging folder {path}.");
                return created;
            }
            catch (VaultException e) when (e.ErrorType == "ITEM_NAME_EXISTS" || VaultClient.IsNotFound(e))
            {
                failure = e;
            }
            if (failure.ErrorType == "ITEM_NAME_EXISTS")
            {
                StagingItem there = await Client.GetItemAsync(path, CallContext).ConfigureAwait(false);
                throw there == null || there.IsFolder
                    ? new VaultException(VaultFailureKind.Vault, "ITEM_NAME_EXISTS",
                        $"The folder {path} already exists (ITEM_NAME_EXISTS).",
                        "Add -Force to accept folders that already exist (and to create missing parent folders), like mkdir -p.") { VaultMessage = failure.VaultMessage }
                    : FileInTheWay(path, failure);
            }
            // Vault creates no parents: say so when that is why, and how to have them made.
            string parent = StagingPath.ParentOf(path);
            if (parent != StagingPath.Root && await Client.GetItemAsync(parent, CallContext).ConfigureAwait(false) == null)
            {
                throw new VaultException(VaultFailureKind.Client, "ItemNotFound",
                    $"-Path: the folder {path} cannot be created because its parent folder {parent} does not exist.",
                    "Add -Force to create the missing parent folders too, like mkdir -p.");
            }
            throw failure;
        }

        /// <summary>-Force: the folder and its missing parents, each made once per command; then the item at the path, which must be a folder.</summary>
        async Task<StagingItem> EnsureAsync(string path)
        {
            if (_folders == null) _folders = new FolderMaker(Client);
            await _folders.EnsureAsync(path, CallContext).ConfigureAwait(false);
            StagingItem there = await Client.GetItemAsync(path, CallContext).ConfigureAwait(false);
            if (there == null) throw NotFound(path, "Path", "No folder");
            if (!there.IsFolder) throw FileInTheWay(path, null);
            return there;
        }

        static VaultException FileInTheWay(string path, VaultException vault) =>
            new VaultException(VaultFailureKind.Vault, "ITEM_NAME_EXISTS",
                $"A file named {StagingPath.NameOf(path)} is already at {path}, so no folder can be created there (ITEM_NAME_EXISTS).",
                "Choose another name, or rename or remove the file first (Rename-VaultStagingItem, Remove-VaultStagingItem).") { VaultMessage = vault?.VaultMessage };
    }
}
