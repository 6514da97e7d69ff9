using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;

namespace VaultStaging.Vault
{
    /// <summary>
    /// The one home of staging path handling. Paths as users type them (a leading '/' or not, '\' from
    /// Windows habits, a trailing '/' for a folder) are checked before any call, so a typo never creates a
    /// session or a folder at a path nobody meant; URLs get each segment escaped; and paths Vault answers
    /// are compared in one form whatever form Vault used (see <see cref="ForComparison"/>).
    /// Vault's own rules on names are not documented: only what is surely wrong is refused.
    /// </summary>
    public static class StagingPath
    {
        /// <summary>The staging root: an admin's whole staging server, a non-admin's own folder.</summary>
        public const string Root = "/";

        /// <summary>
        /// The one case rule for staging paths: compared ordinally, case kept and told apart (/Docs and /docs are two
        /// folders). Vault's documents do not say it ignores case, so the module never decides for it; drive names
        /// (Vault:, Prod:) are PowerShell's and compare without case, and local paths follow the local file system.
        /// </summary>
        public const StringComparison Comparison = StringComparison.Ordinal;

        /// <summary><see cref="Comparison"/> for sets and dictionaries keyed by staging path.</summary>
        public static readonly StringComparer Comparer = StringComparer.Ordinal;

        /// <summary>
        /// '/'-rooted with '/' separators and no trailing '/' (the root stays "/"). Does not check the
        /// segments: use <see cref="ValidateFile"/> or <see cref="ValidateAny"/> for user input.
        /// </summary>
        public static string Normalize(string path)
        {
            if (string.IsNullOrWhiteSpace(path)) return Root;
            string text = path.Trim().Replace('\\', '/');
            if (!text.StartsWith("/", StringComparison.Ordinal)) text = "/" + text;
            while (text.Length > 1 && text.EndsWith("/", StringComparison.Ordinal)) text = text.Substring(0, text.Length - 1);
            return text;
        }

        /// <summary>
        /// The one normaliser of typed paths (drive paths included): "/a/./b//../c" to "/a/c", '/'-separated from
        /// the root, "." dropped, ".." taken lexically and never above the root. Case is kept (<see cref="Comparison"/>).
        /// </summary>
        public static string Canonical(string path)
        {
            var segments = new List<string>();
            foreach (string segment in (path ?? "").Replace('\\', '/').Split('/'))
            {
                string s = segment.Trim();
                if (s.Length == 0 || s == ".") continue;
                if (s == "..")
                {
                    if (segments.Count > 0) segments.RemoveAt(segments.Count - 1);
                    continue;
                }
                segments.Add(segment);
            }
            if (segments.Count == 0) return Root;
            var text = new StringBuilder();
            foreach (string s in segments) text.Append('/').Append(s);
            return Normalize(text.ToString());
        }

        /// <summary>A file path: starts with '/', names a file (no trailing '/'), no empty, '.' or '..' segment.</summary>
        public static string ValidateFile(string path, string parameterName)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new VaultInputException(parameterName, "The staging path is empty. Give a path such as /Folder/File.mp4 (admins: /u1234/Folder/File.mp4).");
            string text = path.Trim().Replace('\\', '/');
            if (!text.StartsWith("/", StringComparison.Ordinal)) text = "/" + text;
            if (text.EndsWith("/", StringComparison.Ordinal))
                throw new VaultInputException(parameterName, $"The staging path '{path}' ends with '/': it names a folder. Give the file's full path, such as {text}File.mp4.");
            CheckSegments(text, path, parameterName);
            return text;
        }

        /// <summary>
        /// A file or folder path (a trailing '/' is allowed and dropped; "/" or an empty text is the root
        /// only when <paramref name="allowRoot"/>), with no empty, '.' or '..' segment and no control character.
        /// </summary>
        public static string ValidateAny(string path, string parameterName, bool allowRoot = true)
        {
            if (path == null || path.Trim().Length == 0 || Normalize(path) == Root)
            {
                if (allowRoot && path != null) return Root;
                throw new VaultInputException(parameterName, allowRoot
                    ? "The staging path is empty. Give / for the root, or a path such as /Folder."
                    : "The staging path names the root of the staging server; give a file or folder below it, such as /Folder/File.mp4.");
            }
            string text = path.Trim().Replace('\\', '/');
            if (!text.StartsWith("/", StringComparison.Ordinal)) text = "/" + text;
            if (text.EndsWith("/", StringComparison.Ordinal)) text = text.Substring(0, text.Length - 1);
            CheckSegments(text, path, parameterName);
            return text;
        }

        /// <summary>A single file or folder name (Rename's new name): no '/', '\', control character, '.' or '..'.</summary>
        public static string ValidateName(string name, string parameterName)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new VaultInputException(parameterName, "The name is empty. Give the new name, such as Report-2026.pdf.");
            string text = name.Trim();
            if (text.IndexOf('/') >= 0 || text.IndexOf('\\') >= 0)
                throw new VaultInputException(parameterName, $"'{name}' contains '/' or '\\'; give only the new name. To move an item to another folder, use Move-VaultStagingItem -Destination.");
            if (text == "." || text == ".." || text.Any(char.IsControl))
                throw new VaultInputException(parameterName, $"'{name}' is not a name a file or folder can have.");
            return text;
        }

        static void CheckSegments(string text, string original, string parameterName)
        {
            string[] segments = text.Substring(1).Split('/');
            if (segments.Any(s => s.Length == 0 || s == "." || s == ".."))
                throw new VaultInputException(parameterName, $"The staging path '{original}' has an empty, '.' or '..' segment; give the path from your staging folder, such as /Folder/File.mp4.");
            if (text.Any(char.IsControl))
                throw new VaultInputException(parameterName, $"The staging path '{original}' contains control characters.");
            if (UriDropsTrailingDots && segments.Any(EndsWithDot))
                throw new VaultInputException(parameterName, TrailingDotReason(original));
        }

        /// <summary>The path for a URL: each segment escaped (UTF-8, '%20' for a space, '%2B' for '+', '%23' for '#'), without the leading '/'.</summary>
        public static string Escape(string path)
        {
            string normal = Normalize(path);
            if (normal == Root) return "";
            string[] segments = normal.Substring(1).Split('/');
            // Also for paths that came from Vault (a listing), not only typed ones: such a URL is never sent.
            if (UriDropsTrailingDots && segments.Any(EndsWithDot))
                throw new VaultException(VaultFailureKind.Client, "PATH_NOT_SUPPORTED_HERE", TrailingDotReason(normal), "");
            return string.Join("/", segments.Select(Uri.EscapeDataString));
        }

        static bool EndsWithDot(string segment) => segment.EndsWith(".", StringComparison.Ordinal);

        static string TrailingDotReason(string path) =>
            $"The staging path '{path}' has a name that ends with '.' (or is only dots). Windows PowerShell 5.1 runs .NET Framework's " +
            "older URL rules, which drop such dots from a request's address, so the call would act on another item (a request for " +
            "'Reports.' reaches 'Reports'); it was not sent. PowerShell 7 has no such limit: run the command there, or rename the item.";

        static readonly bool ProbedUriDropsTrailingDots = ProbeUriDropsTrailingDots();
        static readonly AsyncLocal<bool?> UriQuirksOverride = new AsyncLocal<bool?>();

        /// <summary>
        /// True under .NET Framework's legacy System.Uri behaviour (powershell.exe declares no target framework,
        /// so .NET Framework keeps its pre-4.5 quirks), where "a./b." becomes "a/b" in a request. Found by asking
        /// System.Uri itself once; tests set <see cref="SetUriQuirksForTest"/> to drive both ways.
        /// </summary>
        internal static bool UriDropsTrailingDots => UriQuirksOverride.Value ?? ProbedUriDropsTrailingDots;

        /// <summary>Tests only: pretend (or not) to run under the legacy URL rules, in this async flow only.</summary>
        internal static void SetUriQuirksForTest(bool? dropsTrailingDots) => UriQuirksOverride.Value = dropsTrailingDots;

        static bool ProbeUriDropsTrailingDots()
        {
            try
            {
                return new Uri("https://vault.invalid/a./c.").AbsolutePath != "/a./c.";
            }
            catch (UriFormatException)
            {
                return true;
            }
        }

        /// <summary>The last segment: the file or folder name ("" for the root).</summary>
        public static string NameOf(string path)
        {
            string normal = Normalize(path);
            return normal == Root ? "" : normal.Substring(normal.LastIndexOf('/') + 1);
        }

        /// <summary>The folder holding the item ("/" for an item at the root; null for the root itself).</summary>
        public static string ParentOf(string path)
        {
            string normal = Normalize(path);
            if (normal == Root) return null;
            int slash = normal.LastIndexOf('/');
            return slash == 0 ? Root : normal.Substring(0, slash);
        }

        /// <summary>A folder path joined with a relative path ('/' or '\' separated).</summary>
        public static string Combine(string folder, string relative)
        {
            string left = Normalize(folder);
            string right = (relative ?? "").Replace('\\', '/').Trim('/');
            if (right.Length == 0) return left;
            return left == Root ? "/" + right : left + "/" + right;
        }

        /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or below it.</summary>
        public static bool IsWithin(string path, string folder)
        {
            string p = Normalize(path), f = Normalize(folder);
            if (f == Root) return true;
            return string.Equals(p, f, Comparison) || p.StartsWith(f + "/", Comparison);
        }

        /// <summary>The path below <paramref name="folder"/>, without a leading '/' ("" for the folder itself); null when not within it.</summary>
        public static string RelativeTo(string path, string folder)
        {
            string p = Normalize(path), f = Normalize(folder);
            if (!IsWithin(p, f)) return null;
            if (string.Equals(p, f, Comparison)) return "";
            return f == Root ? p.Substring(1) : p.Substring(f.Length + 1);
        }

        /// <summary>
        /// A path in the one form paths are compared in. Whether Vault answers a non-admin's paths relative
        /// to their own folder (/Folder/File) or from the root (/u{userId}/Folder/File) is UNCONFIRMED
        /// (vault-api.md), so for a non-admin a leading /u{ownUserId} is removed; an admin's paths are all
        /// from the root, so theirs are only normalised.
        /// </summary>
        public static string ForComparison(string path, long? ownUserId, bool isAdmin)
        {
            string normal = Normalize(path);
            if (isAdmin || ownUserId == null) return normal;
            string own = "/u" + ownUserId.Value.ToString(CultureInfo.InvariantCulture);
            if (string.Equals(normal, own, Comparison)) return Root;
            return normal.StartsWith(own + "/", Comparison) ? normal.Substring(own.Length) : normal;
        }

        /// <summary>Whether two staging paths name the same item for this user (see <see cref="ForComparison"/>).</summary>
        public static bool AreSame(string a, string b, long? ownUserId, bool isAdmin) =>
            string.Equals(ForComparison(a, ownUserId, isAdmin), ForComparison(b, ownUserId, isAdmin), Comparison);

        /// <summary>Text for messages: the path as given, quoted when it has spaces.</summary>
        internal static string Quote(string path) => path != null && path.IndexOf(' ') >= 0 ? "'" + path + "'" : path;
    }
}
