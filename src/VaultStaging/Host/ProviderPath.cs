using System;
using System.Text;
using VaultStaging.Vault;

namespace VaultStaging.Host
{
    /// <summary>
    /// The provider's own paths, as PowerShell hands them to the provider: "Vault:/u10001400/Imports", that is
    /// the drive's name, a colon and the path below the drive's root, with the platform's separator ('/' here,
    /// '\' on Windows). They are the drive paths users type; the staging path is the drive's
    /// VaultDriveInfo.StagingRoot joined with the rest. The drive is part of the path on purpose: PowerShell
    /// writes provider-qualified paths (PSPath "VaultStaging\VaultStaging::Prod:/x") and passes them on
    /// without any drive, so only the path itself can say which connection an item piped from a "Prod:" drive
    /// belongs to. A path without a drive ("VaultStaging::/x") is on the runspace's default connection, as on
    /// Vault:.
    /// Everything here is lexical (no call to Vault); both '/' and '\' are accepted everywhere.
    /// </summary>
    internal static class ProviderPath
    {
        /// <summary>The separator PowerShell uses for provider paths on this platform.</summary>
        public static readonly char Separator = System.IO.Path.DirectorySeparatorChar;

        static bool IsSeparator(char c) => c == '/' || c == '\\';

        /// <summary>
        /// The length of the "Name:" prefix of <paramref name="path"/> (0 when there is none): a name without
        /// separators, then ':', then the end or a separator.
        /// </summary>
        public static int PrefixLength(string path)
        {
            if (string.IsNullOrEmpty(path)) return 0;
            int colon = path.IndexOf(':');
            if (colon <= 0) return 0;
            for (int i = 0; i < colon; i++) if (IsSeparator(path[i])) return 0;
            if (colon + 1 < path.Length && !IsSeparator(path[colon + 1])) return 0;
            return colon + 1;
        }

        /// <summary>The drive name of a provider path, or null when it has none.</summary>
        public static string DriveOf(string path)
        {
            int prefix = PrefixLength(path);
            return prefix == 0 ? null : path.Substring(0, prefix - 1);
        }

        /// <summary>
        /// The staging path of a provider path: '/'-rooted, '/'-separated, no trailing '/', repeated separators
        /// and "." dropped, ".." taken lexically (never above "/").
        /// </summary>
        public static string StagingOf(string path)
        {
            if (path == null) return StagingPath.Root;
            return StagingPath.Canonical(path.Substring(PrefixLength(path)));
        }

        /// <summary>Whether the path ends with a separator (a folder is meant), the drive root aside.</summary>
        public static bool HasTrailingSeparator(string path)
        {
            if (string.IsNullOrEmpty(path)) return false;
            int prefix = PrefixLength(path);
            return path.Length - prefix > 1 && IsSeparator(path[path.Length - 1]);
        }

        /// <summary>The provider path of a staging path on a drive (<paramref name="drive"/> null: no drive prefix).</summary>
        public static string Format(string drive, string stagingPath)
        {
            string staging = StagingPath.Normalize(stagingPath).Replace('/', Separator);
            return drive == null ? staging : drive + ":" + staging;
        }

        /// <summary>The path with every separator turned into the platform's and repeated ones collapsed.</summary>
        public static string WithSeparators(string path)
        {
            if (string.IsNullOrEmpty(path)) return path ?? "";
            var text = new StringBuilder(path.Length);
            foreach (char c in path)
            {
                char d = IsSeparator(c) ? Separator : c;
                if (d == Separator && text.Length > 0 && text[text.Length - 1] == Separator) continue;
                text.Append(d);
            }
            return text.ToString();
        }

        /// <summary>The path without trailing separators, but a root ("Vault:/", "/") keeps its one.</summary>
        static string TrimEnd(string path)
        {
            int prefix = PrefixLength(path);
            int end = path.Length;
            while (end > prefix + 1 && path[end - 1] == Separator) end--;
            return path.Substring(0, end);
        }

        /// <summary>Joins two path pieces with one separator (PowerShell's MakePath).</summary>
        public static string Join(string parent, string child)
        {
            string p = WithSeparators(parent ?? "");
            string c = WithSeparators(child ?? "");
            if (p.Length == 0 && c.Length == 0) return "";
            if (p.Length == 0) return c;
            if (c.Length == 0 || c == Separator.ToString())
                return p[p.Length - 1] == Separator ? p : p + Separator;
            return p.TrimEnd(Separator) + Separator + c.TrimStart(Separator);
        }

        /// <summary>
        /// The parent of a path ("" when the path is a root, or equals <paramref name="root"/>): PowerShell's
        /// GetParentPath. "Vault:/a/b" → "Vault:/a", "Vault:/a" → "Vault:/", "Vault:/" → "".
        /// </summary>
        public static string Parent(string path, string root)
        {
            if (string.IsNullOrEmpty(path)) return "";
            string p = TrimEnd(WithSeparators(path));
            if (!string.IsNullOrEmpty(root) && IsSame(p, TrimEnd(WithSeparators(root)))) return "";
            int prefix = PrefixLength(p);
            string body = p.Substring(prefix);
            if (body.Length == 0 || body == Separator.ToString()) return "";
            int last = body.LastIndexOf(Separator);
            if (last < 0) return prefix > 0 ? p.Substring(0, prefix) + Separator : "";
            if (last == 0) return p.Substring(0, prefix) + Separator;
            return p.Substring(0, prefix + last);
        }

        /// <summary>Whether two paths are one: the drive names as PowerShell compares them (without case), the rest by the staging paths' rule.</summary>
        static bool IsSame(string a, string b) =>
            string.Equals(DriveOf(a), DriveOf(b), StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.Substring(PrefixLength(a)), b.Substring(PrefixLength(b)), StagingPath.Comparison);

        /// <summary>The last segment ("" for a root): PowerShell's GetChildName.</summary>
        public static string Leaf(string path)
        {
            if (string.IsNullOrEmpty(path)) return "";
            string p = TrimEnd(WithSeparators(path));
            int prefix = PrefixLength(p);
            string body = p.Substring(prefix);
            if (body.Length == 0 || body == Separator.ToString()) return "";
            int last = body.LastIndexOf(Separator);
            return last < 0 ? body : body.Substring(last + 1);
        }

        /// <summary>
        /// <paramref name="path"/> relative to <paramref name="basePath"/> (PowerShell's NormalizeRelativePath, which
        /// Resolve-Path -Relative asks): the drive names compare without case, the staging paths by their own rule
        /// (<see cref="StagingPath.Comparison"/>), so from Vault:/Docs the folder Vault:/docs is "../docs".
        /// "Vault:/u1/Imports" from "Vault:/" is "u1/Imports"; from "Vault:/u1/Exports" it is "../Imports";
        /// an empty base gives the path itself. A trailing separator is kept.
        /// </summary>
        public static string Relative(string path, string basePath)
        {
            if (string.IsNullOrEmpty(path)) return "";
            bool trailing = HasTrailingSeparator(path);
            string drive = DriveOf(path);
            string staging = StagingOf(path);
            if (string.IsNullOrEmpty(basePath))
            {
                string whole = Format(drive, staging);
                return trailing && staging != StagingPath.Root ? whole + Separator : whole;
            }
            string baseDrive = DriveOf(basePath);
            if (!string.Equals(drive, baseDrive, StringComparison.OrdinalIgnoreCase))
                return Format(drive, staging);
            // Up to the common ancestor (none when the path is below the base), then down.
            string common = StagingOf(basePath);
            int ups = 0;
            while (StagingPath.RelativeTo(staging, common) == null)
            {
                common = StagingPath.ParentOf(common) ?? StagingPath.Root;
                ups++;
            }
            var text = new StringBuilder();
            for (int i = 0; i < ups; i++) text.Append("..").Append(Separator);
            text.Append(StagingPath.RelativeTo(staging, common));
            string result = text.ToString().TrimEnd(Separator).Replace('/', Separator);
            return trailing && result.Length > 0 ? result + Separator : result;
        }

        /// <summary>Whether a path can be a provider path at all: no control character in it.</summary>
        public static bool IsValid(string path)
        {
            if (path == null) return false;
            foreach (char c in path) if (char.IsControl(c)) return false;
            return true;
        }
    }
}
