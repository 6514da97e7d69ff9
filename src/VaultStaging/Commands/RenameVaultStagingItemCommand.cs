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
            string source = StagingPath.ValidateAny(StagingPathOf(Path, "Path"), "Path", allowRoot: false);
            string name = StagingPath.ValidateName(NewName, "NewName");
            string target = StagingPath.Combine(StagingPath.ParentOf(source), name);
            if (target == source)
                throw new VaultInputException("NewName", $"{source} is already named {name}; nothing to rename.");

            StagingItem item = ExistingItem(source, "Path");
            Await(TakenName.RefuseIfTakenAsync(Client, source, target, "renamed",
                "Choose another -NewName, or rename or remove the item that is there first.", CallContext));
            if (!ShouldProcess($"{source} ({(item.IsFolder ? "folder" : "file")})", $"Rename to {name}")) return;

            VaultJob job = Await(Client.MoveItemAsync(source, null, name, CallContext));
            JobStarted(job, "the item was not renamed.", _ =>
            {
                if (!PassThru) { WriteVerbose($"Renamed {source} to {name}."); return; }
                StagingItem renamed = Await(Client.GetItemAsync(target, CallContext))
                    ?? throw NotFound(target, "NewName", $"Job {job.JobId} succeeded, but nothing");
                WriteItem(renamed);
            });
        });
    }
}
