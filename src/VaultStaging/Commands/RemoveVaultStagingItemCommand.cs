using System.Collections.Generic;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Deletes files and folders from the staging server. Asks first (ConfirmImpact High): Vault cannot undo
    /// a deletion. A folder that is not empty needs -Recurse; without it the cmdlet says so before any
    /// delete call. Each deletion is a Vault job; the jobs of all paths are waited for together.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "VaultStagingItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(VaultJob))]
    public sealed class RemoveVaultStagingItemCommand : StagingJobCmdlet
    {
        /// <summary>Staging paths of the files or folders to delete.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        [AllowEmptyString]
        public string[] Path { get; set; }

        protected override IEnumerable<string> StagingPathsGiven => Path ?? new string[0];

        /// <summary>Delete folders with everything in them.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Return each job as soon as Vault accepted it, without waiting.</summary>
        [Parameter]
        public SwitchParameter NoWait { get; set; }

        protected override bool NoWaitRequested => NoWait.IsPresent;

        protected override void ProcessRecord()
        {
            foreach (string given in Path) RunFor(given, () => RemoveOne(given));
        }

        void RemoveOne(string given)
        {
            var change = ItemChange.Delete(StagingPath.ValidateAny(StagingPathOf(given, "Path"), "Path", allowRoot: false), Recurse);
            StagingItem item = Check(change,
                $"Add -Recurse to delete it with everything in it (Get-VaultStagingItem {StagingPath.Quote(change.Source)} -Recurse shows what that is).");
            string what = !item.IsFolder ? "Delete file" : Recurse ? "Delete folder and everything in it" : "Delete empty folder";
            if (ShouldProcess($"{change.Source} ({(item.IsFolder ? "folder" : "file")})", what)) Start(change);
        }
    }
}
