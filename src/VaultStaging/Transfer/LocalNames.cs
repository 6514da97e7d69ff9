using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// Turns names that come from Vault into local paths without ever leaving the destination folder: a
    /// remote name is data, not a path. Refused: '.', '..' and empty segments, rooted names, drive letters,
    /// '\' in a name, and on Windows the names Windows cannot hold (reserved device names, &lt;&gt;:"|?*, control
    /// characters, a trailing dot or space). Two remote names that would be one local file (they differ only
    /// by case on a file system that ignores case) are caught by <see cref="CollisionKey"/>.
    /// </summary>
    internal static class LocalNames
    {
        static readonly HashSet<string> Reserved = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
            // Windows takes the superscript digits ¹ ² ³ as digits here (Microsoft's "Naming Files, Paths, and Namespaces").
            "COM\u00B9", "COM\u00B2", "COM\u00B3", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
        };

        static readonly char[] WindowsInvalid = { '<', '>', ':', '"', '|', '?', '*' };

        /// <summary>Whether the local file system tells names apart by case (Linux: yes; Windows and macOS: no, by default).</summary>
        public static bool CaseSensitive { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        /// <summary>Whether Windows' naming rules apply here.</summary>
        public static bool WindowsRules => LocalNameRules.Here.WindowsNames;

        /// <summary>
        /// The local path for <paramref name="relative"/> (a '/'-separated path below a staging folder) under
        /// <paramref name="destination"/>; throws a VaultException (error type UNSAFE_NAME) naming the remote
        /// path when any segment could not be a plain name here. The result is checked to be inside the destination.
        /// </summary>
        public static string Resolve(string destination, string relative, string remotePath, LocalNameRules rules = null)
        {
            string root = Path.GetFullPath(destination);
            string[] segments = (relative ?? "").Split('/');
            foreach (string segment in segments) Check(segment, remotePath, rules);
            string full = Path.GetFullPath(Path.Combine(new[] { root }.Concat(segments).ToArray()));
            string rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? root : root + Path.DirectorySeparatorChar;
            if (!full.StartsWith(rootWithSeparator, CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
                throw Unsafe(remotePath, "it would be written outside the destination folder");
            return full;
        }

        /// <summary>One name; throws when it is not a plain file or folder name under <paramref name="rules"/> (null: this system's).</summary>
        public static void Check(string name, string remotePath, LocalNameRules rules = null)
        {
            if (string.IsNullOrEmpty(name) || name == "." || name == "..")
                throw Unsafe(remotePath, $"it has a '{name}' segment");
            if (name.IndexOf('\\') >= 0 || name.IndexOf('/') >= 0)
                throw Unsafe(remotePath, $"the name '{name}' holds a path separator");
            if (name.Any(char.IsControl))
                throw Unsafe(remotePath, $"the name '{name}' holds control characters");
            if (name.Length >= 2 && name[1] == ':' && char.IsLetter(name[0]))
                throw Unsafe(remotePath, $"the name '{name}' starts like a drive letter");
            if (!(rules ?? LocalNameRules.Here).WindowsNames) return;
            if (name.IndexOfAny(WindowsInvalid) >= 0)
                throw Unsafe(remotePath, $"Windows cannot hold the name '{name}' (it contains one of < > : \" | ? *)");
            if (name.EndsWith(".", StringComparison.Ordinal) || name.EndsWith(" ", StringComparison.Ordinal))
                throw Unsafe(remotePath, $"Windows cannot hold the name '{name}' (it ends with a dot or a space)");
            string stem = name.Split('.')[0].TrimEnd(' ');
            if (Reserved.Contains(stem))
                throw Unsafe(remotePath, $"'{name}' is a device name on Windows");
        }

        /// <summary>The key two local paths share when this file system would make them one file.</summary>
        public static string CollisionKey(string localPath) => CaseSensitive ? localPath : localPath.ToUpperInvariant();

        static VaultException Unsafe(string remotePath, string why) =>
            new VaultException(VaultFailureKind.Client, "UNSAFE_NAME",
                $"{remotePath} was not downloaded: {why}.",
                "Rename it on the staging server (Rename-VaultStagingItem) to a plain name, then download it again.");
    }

    /// <summary>
    /// The naming rules of the local file system: Windows' (what NTFS and FAT hold) or POSIX's. This system's
    /// are <see cref="Here"/>; a test gives <see cref="Windows"/> to run Windows' rules on Linux.
    /// </summary>
    internal sealed class LocalNameRules
    {
        public static readonly LocalNameRules Windows = new LocalNameRules(true);
        public static readonly LocalNameRules Posix = new LocalNameRules(false);
        public static LocalNameRules Here { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? Windows : Posix;

        LocalNameRules(bool windowsNames)
        {
            WindowsNames = windowsNames;
        }

        /// <summary>Refuse device names, &lt;&gt;:"|?* and a trailing dot or space.</summary>
        public bool WindowsNames { get; }

        public override string ToString() => WindowsNames ? "Windows" : "POSIX";
    }
}
