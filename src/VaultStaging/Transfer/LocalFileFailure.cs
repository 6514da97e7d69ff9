using System;
using System.IO;
using System.Runtime.InteropServices;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// A local file that could not be read for sending, said for what it is: open in another program that
    /// does not share it (an Office document being edited and its ~$ owner file, Thumbs.db held by Explorer,
    /// a file being written), not readable by this account, or gone since the folder was read. Each is an
    /// error for that file alone; the rest of the command goes on.
    /// </summary>
    internal static class LocalFileFailure
    {
        /// <summary>The error for <paramref name="path"/>, or null when <paramref name="e"/> is not about reading it.</summary>
        public static VaultException Describe(Exception e, string path)
        {
            if (e is FileNotFoundException || e is DirectoryNotFoundException)
                return new VaultException(VaultFailureKind.Client, "FILE_NOT_FOUND", $"'{path}' was not sent: it is no longer there (removed or renamed after the folder was read).",
                    "Run the same command again.", e);
            if (e is UnauthorizedAccessException)
                return new VaultException(VaultFailureKind.Client, "FILE_UNREADABLE", $"'{path}' was not sent: this account may not read it.",
                    "Give the account read access to it, or leave it out with -Exclude.", e);
            if (e is IOException && IsInUse(e.HResult, RuntimeInformation.IsOSPlatform(OSPlatform.Windows)))
                return new VaultException(VaultFailureKind.Client, "FILE_IN_USE",
                    $"'{path}' was not sent: another program has it open and does not share it (a document being edited, Thumbs.db held by Explorer, a file being written).",
                    "Close it and run the same command again, or leave such files out with -Exclude (for example -Exclude '~$*','Thumbs.db').", e);
            return null;
        }

        /// <summary>A sharing or lock violation: Windows' ERROR_SHARING_VIOLATION (32) and ERROR_LOCK_VIOLATION (33); elsewhere .NET's EWOULDBLOCK from its advisory lock.</summary>
        internal static bool IsInUse(int hresult, bool windows)
        {
            if (windows) return hresult == unchecked((int)0x80070020) || hresult == unchecked((int)0x80070021);
            return hresult == 11 || (hresult == 35 && RuntimeInformation.IsOSPlatform(OSPlatform.OSX));
        }
    }
}
