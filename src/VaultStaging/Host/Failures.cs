using System;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Host
{
    /// <summary>
    /// The one conversion of failures into error records, for cmdlets and drive alike (same id: Vault's error
    /// type; same category; the message with its hint and Vault's execution id), and the one guard around work
    /// that may fail that way.
    /// </summary>
    internal static class Failures
    {
        /// <summary>
        /// Runs <paramref name="work"/>: a Vault failure goes to <paramref name="onFailure"/> (which writes it, or
        /// throws it as terminating), a cancellation while <paramref name="stopped"/> (Ctrl+C) stops the pipeline
        /// quietly. Anything else is a bug and goes on as it is.
        /// </summary>
        public static T Guard<T>(Func<T> work, Func<bool> stopped, Action<VaultException> onFailure)
        {
            try
            {
                return work();
            }
            catch (VaultException e)
            {
                onFailure(e);
                return default(T);
            }
            catch (OperationCanceledException) when (stopped())
            {
                throw new PipelineStoppedException();
            }
        }

        public static ErrorRecord ToErrorRecord(Exception e, object target)
        {
            if (e is VaultException vault)
            {
                var record = new ErrorRecord(vault, vault.ErrorType, CategoryOf(vault), target);
                string message = vault.Message;
                // Bad input names the parameter, so the user knows what to fix without reading the call.
                if (vault is VaultInputException input && input.ParameterName != null
                    && message.IndexOf("-" + input.ParameterName, StringComparison.OrdinalIgnoreCase) < 0)
                    message = "-" + input.ParameterName + ": " + message;
                if (!string.IsNullOrEmpty(vault.Hint)) message += " " + vault.Hint;
                // What Veeva support asks for; kept on the error so nobody has to rerun with -Verbose to find it.
                if (!string.IsNullOrEmpty(vault.ExecutionId)) message += $" (Vault execution id {vault.ExecutionId}.)";
                // The hint goes into the message itself: Windows PowerShell never shows RecommendedAction, and
                // PowerShell 7 would show it twice.
                record.ErrorDetails = new ErrorDetails(message);
                return record;
            }
            return new ErrorRecord(e, "VaultStagingError", ErrorCategory.NotSpecified, target);
        }

        static ErrorCategory CategoryOf(VaultException e)
        {
            switch (e.ErrorType)
            {
                case "INVALID_SESSION_ID":
                case "USERNAME_OR_PASSWORD_INCORRECT":
                case "AUTHENTICATION_FAILED":
                case "NO_PASSWORD_PROVIDED":
                case "INACTIVE_USER":
                case "USER_LOCKED_OUT":
                case "PASSWORD_CHANGE_REQUIRED":
                case "PROXY_AUTHENTICATION_REQUIRED":
                    return ErrorCategory.AuthenticationError;
                case "INSUFFICIENT_ACCESS":
                case "FOLDER_UNREADABLE":
                    return ErrorCategory.PermissionDenied;
                case "WRONG_VAULT": return ErrorCategory.SecurityError;
                case "INVALID_DATA":
                case "PARAMETER_REQUIRED":
                case "MALFORMED_URL":
                case "ATTRIBUTE_NOT_SUPPORTED":
                case "INVALID_FILTER":
                case "InvalidArgument":
                    return ErrorCategory.InvalidArgument;
                case "OPERATION_NOT_ALLOWED":
                case "CONFIGURATION_MODE_ENABLED":
                case "METHOD_NOT_SUPPORTED":
                    return ErrorCategory.InvalidOperation;
                case "RACE_CONDITION":
                case "OPERATION_IN_PROGRESS":
                case "FILE_IN_USE":
                    return ErrorCategory.ResourceBusy;
                case "API_LIMIT_EXCEEDED":
                case "EXCEEDS_FILE_MAX_SIZE":
                    return ErrorCategory.LimitsExceeded;
                case "ITEM_NAME_EXISTS":
                case "SYNC_CONFLICT":
                    return ErrorCategory.ResourceExists;
                case "USER_NOT_FOUND": return ErrorCategory.ObjectNotFound;
                case "ItemNotFound":
                case "PathNotFound":
                case "DriveNotFound":
                    return ErrorCategory.ObjectNotFound;
                case "FILE_MD5_MISMATCH":
                case "PART_MD5_MISMATCH":
                case "NOT_STAGED":
                    return ErrorCategory.InvalidResult;
                case "FolderNotEmpty":
                case "PATH_NOT_SUPPORTED_HERE":
                    return ErrorCategory.InvalidOperation;
                case "NotConnected": return ErrorCategory.ConnectionError;
                case "TIMEOUT": return ErrorCategory.OperationTimeout;
                case "TRANSPORT_ERROR": return ErrorCategory.ConnectionError;
                case "HTTP_ERROR": return ErrorCategory.ProtocolError;
            }
            return e.Kind == VaultFailureKind.Input ? ErrorCategory.InvalidArgument : ErrorCategory.NotSpecified;
        }

        /// <summary>
        /// A Vault failure as an error record, with the same id, category and message (with its hint) as the
        /// cmdlets give. Its exception carries the record itself, so the record survives the places where
        /// PowerShell rethrows only a provider error's exception.
        /// </summary>
        public static ErrorRecord ForProvider(VaultException e, object target)
        {
            ErrorRecord plain = ToErrorRecord(e, target);
            var carrier = new VaultProviderException(e);
            var record = new ErrorRecord(carrier, plain.FullyQualifiedErrorId, plain.CategoryInfo.Category, target)
            {
                ErrorDetails = plain.ErrorDetails,
            };
            carrier.Record = record;
            return record;
        }
    }

    /// <summary>A Vault failure raised by the provider; <see cref="ErrorRecord"/> is the record <see cref="Failures.ForProvider"/> made.</summary>
    public sealed class VaultProviderException : ProviderInvocationException
    {
        internal VaultProviderException(VaultException inner) : base(inner.Message, inner) { }

        internal ErrorRecord Record { get; set; }

        public override ErrorRecord ErrorRecord => Record ?? base.ErrorRecord;

        /// <summary>The message with what to do about it, as the error shows it.</summary>
        public override string Message => Record?.ErrorDetails?.Message ?? base.Message;
    }
}
