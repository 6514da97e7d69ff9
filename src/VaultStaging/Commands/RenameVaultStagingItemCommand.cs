using System.Collections.Generic;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Renames a file or folder in its own folder: a Vault job, waited for (-NoWait returns it). Path and
    /// NewName bind by property name, so a CSV of renames can be piped in; their jobs are waited for together.
    /// </summary>
    [Cmdlet(VerbsCommon.Rename, "VaultStagingItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = WaitSet)]
    [OutputType(typeof(StagingItem), ParameterSetName = new[] { WaitSet })]
    [OutputType(typeof(VaultJob), ParameterSetName = new[] { NoWaitSet })]
    public sealed class RenameVaultStagingItemCommand : StagingJobCmdlet
    {
        const string WaitSet = "Wait";
        const string NoWaitSet = "NoWait";

        /// <summary>The staging path of the file or folder to rename.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        [AllowEmptyString]
        public string Path { get; set; }

        protected override IEnumerable<string> StagingPathsGiven => new[] { Path };

        /// <summary>The new name: a name only, no folder.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string NewName { get; set; }

        /// <summary>Write the renamed item once its job has succeeded.</summary>
        [Parameter(ParameterSetName = WaitSet)]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Return the job as soon as Vault accepted it, without waiting.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NoWaitSet)]
        public SwitchParameter NoWait { get; set; }

        protected override bool NoWaitRequested => NoWait.IsPresent;

        protected override void ProcessRecord() => RunFor(Path, () =>
        {
            var change = ItemChange.Rename(StagingPath.ValidateAny(StagingPathOf(Path, "Path"), "Path", allowRoot: false), StagingPath.ValidateName(NewName, "NewName"));
            if (change.ChangesNothing)
                throw new VaultInputException("NewName", $"{change.Source} is already named {StagingPath.NameOf(change.Target)}; nothing to rename.");

            StagingItem item = Check(change, "Choose another -NewName, or rename or remove the item that is there first.");
            if (ShouldProcess($"{change.Source} ({(item.IsFolder ? "folder" : "file")})", $"Rename to {StagingPath.NameOf(change.Target)}")) Start(change, PassThru ? "NewName" : null);
        });
    }
}
