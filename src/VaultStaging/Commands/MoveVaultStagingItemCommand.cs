using System.Linq;
using System.Collections.Generic;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Moves files and folders into another staging folder (optionally under a new name). Each move is a
    /// Vault job; the jobs of all paths are started, then waited for together. -NoWait returns the jobs.
    /// </summary>
    [Cmdlet(VerbsCommon.Move, "VaultStagingItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = WaitSet)]
    [OutputType(typeof(StagingItem), ParameterSetName = new[] { WaitSet })]
    [OutputType(typeof(VaultJob), ParameterSetName = new[] { NoWaitSet })]
    public sealed class MoveVaultStagingItemCommand : StagingJobCmdlet
    {
        const string WaitSet = "Wait";
        const string NoWaitSet = "NoWait";

        /// <summary>Staging paths of the files or folders to move.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        [AllowEmptyString]
        public string[] Path { get; set; }

        /// <summary>The folder to move them into; it must exist.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        [AllowEmptyString]
        public string Destination { get; set; }

        protected override IEnumerable<string> StagingPathsGiven => (Path ?? new string[0]).Concat(new[] { Destination });

        /// <summary>A new name for the item in the destination folder (one item only).</summary>
        [Parameter]
        [AllowEmptyString]
        public string NewName { get; set; }

        /// <summary>Write each moved item once its job has succeeded.</summary>
        [Parameter(ParameterSetName = WaitSet)]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Return each job as soon as Vault accepted it, without waiting.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NoWaitSet)]
        public SwitchParameter NoWait { get; set; }

        protected override bool NoWaitRequested => NoWait.IsPresent;

        string _destination;
        string _newName;
        bool _destinationChecked;
        int _paths;

        /// <summary>The destination and the new name are checked before any call.</summary>
        protected override void BeginProcessing()
        {
            try
            {
                _destination = StagingPath.ValidateAny(string.IsNullOrWhiteSpace(Destination) ? null : StagingPathOf(Destination, "Destination"), "Destination");
                if (NewName != null) _newName = StagingPath.ValidateName(NewName, "NewName");
            }
            catch (VaultInputException e)
            {
                ThrowFailure(e, e.ParameterName == "NewName" ? NewName : Destination);
            }
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            _paths += Path.Length;
            if (_newName != null && _paths > 1)
            {
                ThrowFailure(new VaultInputException("NewName",
                    $"-NewName gives one item a new name, but {_paths} paths were given. Move several items without -NewName, or rename each one with Rename-VaultStagingItem."), NewName);
            }
            foreach (string given in Path) RunFor(given, () => MoveOne(given));
        }

        void MoveOne(string given)
        {
            string source = StagingPath.ValidateAny(StagingPathOf(given, "Path"), "Path", allowRoot: false);
            var change = ItemChange.Move(source, _destination, _newName);
            if (change.IntoItself)
                throw new VaultInputException("Destination", $"{source} cannot be moved into itself: the destination {_destination} is {source} or a folder inside it.");
            if (change.ChangesNothing)
                throw new VaultInputException("Destination", $"{source} is already in {_destination} under that name; nothing to move.");
            CheckDestination();
            StagingItem item = Check(change, "Give another name with -NewName, or move, rename or remove the item that is there first.");
            if (ShouldProcess($"{source} ({(item.IsFolder ? "folder" : "file")})", $"Move to {change.Target}")) Start(change, PassThru ? "Destination" : null);
        }

        /// <summary>Once per command: the destination must be an existing folder, or nothing can move (a terminating error).</summary>
        void CheckDestination()
        {
            if (_destinationChecked) return;
            StagingItem destination = Await(Client.GetItemAsync(_destination, CallContext));
            if (destination == null)
            {
                ThrowFailure(new VaultException(VaultFailureKind.Client, "ItemNotFound",
                    $"-Destination: the folder {_destination} does not exist; nothing was moved.",
                    $"Create it first with New-VaultStagingFolder -Path {StagingPath.Quote(_destination)} -Force."), Destination);
            }
            if (!destination.IsFolder)
                ThrowFailure(new VaultInputException("Destination", $"{_destination} is a file; give the folder to move the items into."), Destination);
            _destinationChecked = true;
        }
    }
}
