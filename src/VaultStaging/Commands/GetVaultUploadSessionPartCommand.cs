using System.Management.Automation;

namespace VaultStaging.Commands
{
    /// <summary>The parts uploaded so far to an upload session, in part-number order.</summary>
    [Cmdlet(VerbsCommon.Get, "VaultUploadSessionPart")]
    [OutputType(typeof(UploadSessionPart))]
    public sealed class GetVaultUploadSessionPartCommand : VaultConnectedCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("UploadSessionId")]
        [ArgumentCompleter(typeof(UploadSessionIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string id in Id)
            {
                RunFor(id, () => WriteObject(Await(Client.ListUploadSessionPartsAsync(id, CallContext)), true));
            }
        }
    }
}
