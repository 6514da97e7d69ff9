using System;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Aborts upload sessions; Vault purges their parts. Asks first (ConfirmImpact High): parts already
    /// uploaded are lost. -Confirm:$false for runbooks, -WhatIf to see what would go.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "VaultUploadSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class RemoveVaultUploadSessionCommand : VaultConnectedCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("UploadSessionId")]
        [ArgumentCompleter(typeof(UploadSessionIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; }

        /// <summary>Only for the confirmation text: the staging path of the session when it comes down the pipeline.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string Path { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string id in Id)
            {
                RunFor(id, () =>
                {
                    VaultClient.EscapeId(id); // refuse a bad id before asking
                    string target = !string.IsNullOrEmpty(Path) && Id.Length == 1 ? $"{Path} (upload session {id})" : "upload session " + id;
                    if (!ShouldProcess(target, "Abort and purge its uploaded parts")) return;
                    Await(Client.AbortUploadSessionAsync(id, CallContext));
                    WriteVerbose($"Aborted {target}.");
                });
            }
        }
    }
}
