using System.Management.Automation;
using VaultStaging.Commands;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>The provider's own error records (Vault's failures go through VaultCmdlet.ToErrorRecord, as for the cmdlets).</summary>
    internal static class Errors
    {
        /// <summary>
        /// A Vault failure as an error record, with the same id, category and message (with its hint) as the
        /// cmdlets give. Its exception carries the record itself, so the record survives the places where
        /// PowerShell rethrows only a provider error's exception.
        /// </summary>
        public static ErrorRecord From(VaultException e, object target)
        {
            ErrorRecord plain = VaultCmdlet.ToErrorRecord(e, target);
            var carrier = new VaultProviderException(e);
            var record = new ErrorRecord(carrier, plain.FullyQualifiedErrorId, plain.CategoryInfo.Category, target)
            {
                ErrorDetails = plain.ErrorDetails,
            };
            carrier.Record = record;
            return record;
        }

        /// <summary>Nothing at the path: PowerShell's own ItemNotFoundException, id PathNotFound.</summary>
        public static ErrorRecord NotFound(string path, string message = null) =>
            new ErrorRecord(new ItemNotFoundException(message ?? $"Cannot find path '{path}' because it does not exist."),
                "PathNotFound", ErrorCategory.ObjectNotFound, path);

        /// <summary>A refusal of the module's own, before any call: VaultException with an id and a hint, as the cmdlets report them.</summary>
        public static VaultException Refused(string errorType, string message, string hint) =>
            new VaultException(VaultFailureKind.Client, errorType, message, hint);

        /// <summary>Copy-Item: not something a provider can do; the message names the cmdlets that can.</summary>
        public static ErrorRecord CopyNotSupported(string source, string destination, bool upload)
        {
            string message = upload
                ? $"Copy-Item cannot copy to '{destination}': PowerShell copies only between drives of one provider, and Vault's staging server has no copy of its own. Upload with Send-VaultFile instead: Send-VaultFile -Path {source ?? "<local file>"} -Destination '{destination}'."
                : $"Copy-Item cannot copy '{source}'{(string.IsNullOrEmpty(destination) ? "" : $" to '{destination}'")}: PowerShell copies only between drives of one provider, and Vault's staging server has no copy of its own. Download with Receive-VaultFile instead: Receive-VaultFile -Path '{source}' -Destination <local folder>; to copy within the staging server, download with Receive-VaultFile and upload again with Send-VaultFile (Move-Item moves within a drive).";
            var record = new ErrorRecord(new PSNotSupportedException(message), "VaultCopyNotSupported", ErrorCategory.NotImplemented, source);
            record.ErrorDetails = new ErrorDetails(message);
            return record;
        }
    }
}

namespace VaultStaging.Provider
{
    /// <summary>A Vault failure raised by the provider; <see cref="ErrorRecord"/> is the record <see cref="Errors.From"/> made.</summary>
    public sealed class VaultProviderException : ProviderInvocationException
    {
        internal VaultProviderException(VaultException inner) : base(inner.Message, inner) { }

        internal ErrorRecord Record { get; set; }

        public override ErrorRecord ErrorRecord => Record ?? base.ErrorRecord;

        /// <summary>The message with what to do about it, as the error shows it.</summary>
        public override string Message => Record?.ErrorDetails?.Message ?? base.Message;
    }
}
