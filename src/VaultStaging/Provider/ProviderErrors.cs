using System.Management.Automation;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>The provider's own error records (Vault's failures go through Failures.ForProvider, as the cmdlets' through Failures.ToErrorRecord).</summary>
    internal static class Errors
    {
        /// <summary>Nothing at the path: PowerShell's own ItemNotFoundException, id PathNotFound.</summary>
        public static ErrorRecord NotFound(string path, string message = null) =>
            new ErrorRecord(new ItemNotFoundException(message ?? $"Cannot find path '{path}' because it does not exist."),
                "PathNotFound", ErrorCategory.ObjectNotFound, path);

        /// <summary>A refusal of the module's own, before any call: VaultException with an id and a hint, as the cmdlets report them.</summary>
        public static VaultException Refused(string errorType, string message, string hint) =>
            new VaultException(VaultFailureKind.Client, errorType, message, hint);

        /// <summary>Which way a refused Copy-Item or Move-Item went.</summary>
        public enum Crossing { Upload, Download, Within, MoveOut }

        /// <summary>Copy-Item (and Move-Item off the drive): not something a provider can do; the message names the cmdlets that can.</summary>
        public static ErrorRecord CopyNotSupported(string source, string destination, Crossing crossing)
        {
            const string between = "PowerShell copies and moves items only between drives of the same provider";
            string message, hint;
            switch (crossing)
            {
                case Crossing.Upload:
                    message = $"Copy-Item cannot copy a local file to '{destination}': {between}.";
                    hint = $"Upload with Send-VaultFile instead: Send-VaultFile -Path <local file> -Destination '{destination}'.";
                    break;
                case Crossing.Within:
                    message = $"Copy-Item cannot copy '{source}' to '{destination}': Vault's staging server has no copy.";
                    hint = "Move-Item moves items within a drive; to have two copies, download with Receive-VaultFile and upload again with Send-VaultFile.";
                    break;
                case Crossing.MoveOut:
                    message = $"Move-Item cannot move '{source}' to '{destination}': {between}.";
                    hint = $"Download with Receive-VaultFile instead: Receive-VaultFile -Path '{source}' -Destination <local folder>, then Remove-Item '{source}'.";
                    break;
                default:
                    message = $"Copy-Item cannot copy '{source}'{(string.IsNullOrEmpty(destination) ? "" : $" to '{destination}'")}: {between}.";
                    hint = $"Download with Receive-VaultFile instead: Receive-VaultFile -Path '{source}' -Destination <local folder>.";
                    break;
            }
            var carrier = new VaultProviderException(new VaultException(VaultFailureKind.Client, "VaultCopyNotSupported", message, hint));
            var record = new ErrorRecord(carrier, "VaultCopyNotSupported", ErrorCategory.NotImplemented, source ?? destination)
            {
                ErrorDetails = new ErrorDetails(message + " " + hint),
            };
            // Refused while PowerShell binds the command's dynamic parameters, the record gets no command in its
            // InvocationInfo, and the error view would begin with the category ("NotImplemented:"). Named as the
            // activity, the command heads the error as it does every other one ("Copy-Item: ...").
            record.CategoryInfo.Activity = crossing == Crossing.MoveOut ? "Move-Item" : "Copy-Item";
            carrier.Record = record;
            return record;
        }
    }
}
