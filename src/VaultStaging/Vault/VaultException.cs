using System;
using System.Collections.Generic;

namespace VaultStaging.Vault
{
    /// <summary>What kind of failure: decides the PowerShell error category and whether a retry can help.</summary>
    public enum VaultFailureKind
    {
        /// <summary>Vault answered FAILURE or EXCEPTION in its envelope.</summary>
        Vault,
        /// <summary>The answer was not Vault JSON: a proxy page, an HTTP error status, a cut-off body.</summary>
        Http,
        /// <summary>No answer: connection refused or reset, DNS failure, timeout.</summary>
        Transport,
        /// <summary>The caller's input was wrong; nothing was sent.</summary>
        Input,
        /// <summary>The module refused to go on (for example a session for another vault, a part that keeps mismatching).</summary>
        Client,
    }

    /// <summary>One failure of a Vault call, in terms a user can act on. Never carries a secret.</summary>
    public class VaultException : Exception
    {
        public VaultException(VaultFailureKind kind, string errorType, string message, string hint = null, Exception inner = null)
            : base(message, inner)
        {
            Kind = kind;
            ErrorType = errorType;
            Hint = hint ?? VaultErrorHints.For(errorType);
        }

        public VaultFailureKind Kind { get; }

        /// <summary>Vault's stable error type (INVALID_SESSION_ID, ...) or one of the module's own (HTTP_ERROR, TRANSPORT_ERROR, ...).</summary>
        public string ErrorType { get; }

        /// <summary>What the user can do about it.</summary>
        public string Hint { get; }

        /// <summary>Vault's own message, for people.</summary>
        public string VaultMessage { get; set; }

        /// <summary>The operation, e.g. "GET /api/v26.1/services/file_staging/upload".</summary>
        public string Operation { get; set; }

        /// <summary>Vault's X-VaultAPI-ExecutionId of the failed call: what Veeva support asks for.</summary>
        public string ExecutionId { get; set; }

        public int? HttpStatus { get; set; }
        public string ContentType { get; set; }

        /// <summary>Retry-After, or the back-off Vault asked for, when it gave one.</summary>
        public TimeSpan? RetryAfter { get; set; }

        /// <summary>A retry of the same call may succeed (429, 502-504, dropped connection, timeout, cut-off body, API_LIMIT_EXCEEDED).</summary>
        public bool IsTransient { get; set; }

        /// <summary>The request may have reached Vault and been applied although no answer came back.</summary>
        public bool MayHaveBeenApplied { get; set; }

        public IReadOnlyList<VaultError> Errors { get; set; } = Array.Empty<VaultError>();

        /// <summary>
        /// Why the vault could not be reached at all, when that is what happened: "refused" (nothing listens),
        /// "name" (the name does not resolve) or "tls" (the https handshake failed); null otherwise.
        /// </summary>
        internal string Unreachable { get; set; }

        /// <summary>The same failure (type, Vault's message, execution id, status...) told in other words for the user.</summary>
        internal VaultException Rephrased(string message, string hint = null) =>
            new VaultException(Kind, ErrorType, message, hint, InnerException ?? this)
            {
                VaultMessage = VaultMessage,
                Operation = Operation,
                ExecutionId = ExecutionId,
                HttpStatus = HttpStatus,
                ContentType = ContentType,
                RetryAfter = RetryAfter,
                IsTransient = IsTransient,
                MayHaveBeenApplied = MayHaveBeenApplied,
                Errors = Errors,
            };
    }

    /// <summary>Bad input found before any call to Vault; names the parameter.</summary>
    public sealed class VaultInputException : VaultException
    {
        public VaultInputException(string parameterName, string message)
            : base(VaultFailureKind.Input, "InvalidArgument", message, hint: "")
        {
            ParameterName = parameterName;
        }

        public string ParameterName { get; }
    }

    /// <summary>One entry of Vault's errors[] array.</summary>
    public sealed class VaultError
    {
        public VaultError(string type, string message) { Type = type; Message = message; }
        public string Type { get; }
        public string Message { get; }
    }

    /// <summary>What to do about each error type, in one place so every cmdlet says the same.</summary>
    public static class VaultErrorHints
    {
        static readonly Dictionary<string, string> Hints = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["INVALID_SESSION_ID"] = "The Vault session has expired or was ended. Run Connect-Vault again.",
            ["USERNAME_OR_PASSWORD_INCORRECT"] = "Check the user name and password given to -Credential.",
            ["AUTHENTICATION_FAILED"] = "Check the user name and password given to -Credential.",
            ["NO_PASSWORD_PROVIDED"] = "Give a credential with a password.",
            ["INACTIVE_USER"] = "The Vault user is inactive; ask a Vault administrator to activate it.",
            ["USER_LOCKED_OUT"] = "The Vault user is locked out; ask a Vault administrator to unlock it.",
            ["PASSWORD_CHANGE_REQUIRED"] = "Vault requires a password change; log in to Vault in a browser, change it, then connect again.",
            ["INSUFFICIENT_ACCESS"] = "The user needs the 'File Staging: Access' and 'API: Access API' permissions, and can only act on its own upload sessions unless it is a Vault admin.",
            ["API_LIMIT_EXCEEDED"] = "Vault's API limit was reached. Wait a minute and try again; reuse one connection instead of connecting for every command.",
            ["INVALID_DATA"] = "Check the values given: a staging path, an upload session id or a job id may be wrong (Get-VaultStagingItem shows what is staged; Get-VaultUploadSession lists the active upload sessions).",
            ["PARAMETER_REQUIRED"] = "A required value was missing from the request.",
            ["OPERATION_NOT_ALLOWED"] = "Vault does not allow this now; check the upload session's state with Get-VaultUploadSession.",
            ["MALFORMED_URL"] = "Check -ApiVersion (for example v26.1) and the ids given.",
            ["METHOD_NOT_SUPPORTED"] = "This vault's API version may not support the call; try a newer -ApiVersion.",
            ["CONFIGURATION_MODE_ENABLED"] = "The vault is in configuration mode; try again when an administrator turns it off.",
            ["RACE_CONDITION"] = "Another change was under way; try again.",
            ["OPERATION_IN_PROGRESS"] = "Another operation on the same item is under way; wait and try again.",
            ["EXCEEDS_FILE_MAX_SIZE"] = "The file is larger than Vault accepts (500 GB for upload sessions).",
            ["HTTP_ERROR"] = "The answer did not come from Vault's API. Check -Vault, proxies and the vault's status page, then try again.",
            ["TRANSPORT_ERROR"] = "Vault could not be reached. Check the address, the network and proxies, then try again.",
            ["TIMEOUT"] = "Vault did not answer in time. Try again, or raise -TimeoutSec on Connect-Vault.",
            ["PROXY_AUTHENTICATION_REQUIRED"] = "Give the proxy's user name and password with Connect-Vault -ProxyCredential, or -ProxyUseDefaultCredentials for the logged-on Windows user's.",
            ["WRONG_VAULT"] = "Check -Vault: the user must be a member of that vault.",
        };

        // Where a call on staging items (file_staging/items) means something else than the same type elsewhere.
        static readonly Dictionary<string, string> ItemHints = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["OPERATION_NOT_ALLOWED"] = "Vault does not allow this on that item: the staging root and the users' own folders (/u{id}) cannot be moved, renamed or deleted, " +
                                        "and a folder with items in it is deleted only with -Recurse. Check the path with Get-VaultStagingItem.",
        };

        /// <summary>The hint for an error of a call on staging items; the same as <see cref="For"/> where nothing differs.</summary>
        public static string ForItemCall(string errorType) =>
            errorType != null && ItemHints.TryGetValue(errorType, out string hint) ? hint : For(errorType);

        public static string For(string errorType)
        {
            if (errorType != null && Hints.TryGetValue(errorType, out string hint)) return hint;
            return "See Vault's message above; if it persists, give the vault's administrator (or Veeva support) the Vault execution id, which ends this message when Vault sent one.";
        }
    }
}
