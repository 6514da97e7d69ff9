using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Aborts upload sessions; Vault purges their parts. Asks first (ConfirmImpact High): parts already
    /// uploaded are lost. -Confirm:$false for runbooks, -WhatIf to see what would go.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "VaultUploadSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class RemoveVaultUploadSessionCommand : UploadSessionActionCmdlet
    {
        protected override void ProcessRecord()
        {
            foreach (string id in Id)
            {
                RunFor(id, () =>
                {
                    VaultClient.EscapeId(id); // refuse a bad id before asking
                    string target = Describe(id);
                    if (!ShouldProcess(target, "Abort and purge its uploaded parts")) return;
                    Await(Client.AbortUploadSessionAsync(id, CallContext));
                    WriteVerbose($"Aborted {target}.");
                });
            }
        }
    }
}
