using System;
using System.Linq;
using System.Management.Automation;

namespace VaultStaging.Host
{
    /// <summary>
    /// On every -Connection parameter. A connection that crossed into another process (Start-Job, Invoke-Command,
    /// Import-Clixml) arrives as a deserialized copy of its properties, without the live session (which never
    /// leaves the process): it is refused with what to do instead, rather than PowerShell's type conversion error.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class LiveConnectionAttribute : ArgumentTransformationAttribute
    {
        static readonly string DeserializedName = "Deserialized." + typeof(VaultConnection).FullName;

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            if (inputData is PSObject wrapped && !(wrapped.BaseObject is VaultConnection)
                && wrapped.TypeNames.Any(name => string.Equals(name, DeserializedName, StringComparison.Ordinal)))
                throw new ArgumentTransformationMetadataException(
                    $"The connection {wrapped} is a copy that came from another process (a background job from Start-Job, " +
                    "Invoke-Command, or Import-Clixml): its session stays in the process that connected, so it cannot be used here. " +
                    ConnectionHints.ForOtherRunspaces(ConnectionHints.IsWindowsPowerShell));
            return inputData;
        }
    }

    /// <summary>How to give a connection to code that runs elsewhere, in words true for the edition the module runs in.</summary>
    internal static class ConnectionHints
    {
        /// <summary>Windows PowerShell 5.1 (.NET Framework): no ForEach-Object -Parallel, no Start-ThreadJob unless installed.</summary>
        internal static bool IsWindowsPowerShell => Vault.TransportSettings.IsNetFramework;

        internal static string ForOtherRunspaces(bool windowsPowerShell) => windowsPowerShell
            ? "In a runspace of this process (a runspace pool: [runspacefactory]::CreateRunspacePool), pass the connection as an argument " +
              "and give it to -Connection. A background job (Start-Job) is another process: run Connect-Vault inside the job."
            : "In ForEach-Object -Parallel or Start-ThreadJob, pass it with -Connection $using:c. A background job (Start-Job) is another " +
              "process: run Connect-Vault inside the job.";
    }
}
