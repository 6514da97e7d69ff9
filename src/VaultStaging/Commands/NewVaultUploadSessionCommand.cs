using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>Creates a resumable upload session for a file of the given size at a staging path.</summary>
    [Cmdlet(VerbsCommon.New, "VaultUploadSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(UploadSession))]
    public sealed class NewVaultUploadSessionCommand : VaultConnectedCmdlet
    {
        /// <summary>The staging path of the file, with its name: from the staging root for admins (/u1234/Folder/File.mp4), from the user's own folder otherwise.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>The size of the whole file in bytes (at most 500 GB).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1L, VaultStaging.Transfer.PartPlanner.MaxFileSize)]
        public long Size { get; set; }

        /// <summary>Replace a file already at the path when the session is committed.</summary>
        [Parameter]
        public SwitchParameter Overwrite { get; set; }

        protected override void ProcessRecord()
        {
            RunFor(Path, () =>
            {
                string path = StagingPath.ValidateFile(Path, "Path");
                // The size must fit the parts this connection's API version allows, as Send-VaultFile checks it.
                VaultStaging.Transfer.PartPlanner.CheckFileSize(Size, ActiveConnection.ApiVersion, "Size");
                if (!ShouldProcess($"{path} ({Size:N0} bytes) on {ActiveConnection.Vault}", "Create upload session")) return;
                WriteObject(Await(Client.CreateUploadSessionOnceAsync(path, Size, Overwrite, CallContext)));
            });
        }
    }
}
