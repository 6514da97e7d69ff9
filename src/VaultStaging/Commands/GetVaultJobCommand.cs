using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Reads the status of Vault jobs (commit, move, rename, delete). Vault allows one status read per job
    /// every 10 seconds: a job read less than that ago on the same connection is read when its interval is over.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VaultJob")]
    [OutputType(typeof(VaultJob))]
    public sealed class GetVaultJobCommand : JobIdCmdlet
    {
        protected override void ProcessRecord()
        {
            foreach (long id in Id)
            {
                RunFor(id, () =>
                {
                    try
                    {
                        WriteObject(Await(Client.GetJobAsync(JobOf(id), CallContext)));
                    }
                    catch (VaultException e)
                    {
                        throw Explain(e, id);
                    }
                });
            }
        }
    }
}
