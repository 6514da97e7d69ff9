using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json.Linq;
using VaultStaging.Vault;

namespace VaultStaging.Diagnostics
{
    /// <summary>
    /// Tells the UNCONFIRMED forms of vault-api.md apart from what a vault answered: how a non-admin's paths come
    /// back (relative to their folder, or from the staging root), and the shape of a listing (Veeva's reference:
    /// folders without '/', recursive listings with folders; vvfst's recorded output: folders ending in '/',
    /// recursive listings of files alone).
    /// </summary>
    internal static class ObservedForms
    {
        public const string Absolute = "Absolute";
        public const string Relative = "Relative";
        public const string Mixed = "Mixed";
        public const string Reference = "Reference";
        public const string Recorded = "Recorded";

        /// <summary>Absolute when every path starts with /u{userId}/, Relative when none does, Mixed otherwise; null without paths.</summary>
        public static string PathForm(IEnumerable<string> paths, long userId)
        {
            string own = "/u" + userId.ToString(CultureInfo.InvariantCulture);
            int absolute = 0, relative = 0;
            foreach (string path in paths.Where(p => !string.IsNullOrEmpty(p)))
            {
                if (path == own || path.StartsWith(own + "/", StringComparison.Ordinal)) absolute++;
                else relative++;
            }
            if (absolute + relative == 0) return null;
            return relative == 0 ? Absolute : absolute == 0 ? Relative : Mixed;
        }

        /// <summary>What a listing's items say about its shape.</summary>
        internal sealed class ListingShape
        {
            /// <summary>True when folders came with a trailing '/', false without, null when no folder was listed.</summary>
            public bool? FolderSlash;

            /// <summary>True when a recursive listing named folders, false when it held files below a folder but no folder; null when it cannot tell.</summary>
            public bool? RecursiveFolders;

            /// <summary>Reference, Recorded, Mixed, or null when nothing could be told.</summary>
            public string Form
            {
                get
                {
                    bool reference = FolderSlash == false || RecursiveFolders == true;
                    bool recorded = FolderSlash == true || RecursiveFolders == false;
                    if (reference && recorded) return Mixed;
                    return reference ? Reference : recorded ? Recorded : null;
                }
            }

            public string Describe()
            {
                string slash = FolderSlash == null ? "no folder listed to tell whether folders end in '/'"
                    : FolderSlash.Value ? "folders listed with a trailing '/'" : "folders listed without a trailing '/'";
                string recursive = RecursiveFolders == null ? "a recursive listing had nothing below a folder to tell whether it names folders"
                    : RecursiveFolders.Value ? "a recursive listing names the folders" : "a recursive listing holds the files alone";
                return slash + "; " + recursive;
            }
        }

        /// <summary>
        /// The shape told by a plain listing's and a recursive listing's items (raw JSON), both of
        /// <paramref name="folder"/> (either may be null). Paths are compared in this user's form, whichever form
        /// the vault answered.
        /// </summary>
        public static ListingShape ShapeOf(JArray plain, JArray recursive, string folder, long? userId, bool isAdmin)
        {
            var shape = new ListingShape();
            foreach (JObject item in (plain ?? new JArray()).OfType<JObject>())
            {
                string path = VaultJson.AsString(item["path"]);
                if (!IsFolder(item) || path == null) continue;
                bool slash = path.Length > 1 && path.EndsWith("/", StringComparison.Ordinal);
                shape.FolderSlash = (shape.FolderSlash ?? slash) || slash;
            }
            string listed = StagingPath.ForComparison(folder, userId, isAdmin);
            bool nestedFile = false, anyFolder = false;
            foreach (JObject item in (recursive ?? new JArray()).OfType<JObject>())
            {
                string path = VaultJson.AsString(item["path"]);
                if (path == null) continue;
                if (IsFolder(item)) anyFolder = true;
                else if (StagingPath.ParentOf(StagingPath.ForComparison(path, userId, isAdmin)) != listed) nestedFile = true;
            }
            if (anyFolder) shape.RecursiveFolders = true;
            else if (nestedFile) shape.RecursiveFolders = false;
            return shape;
        }

        static bool IsFolder(JObject item)
        {
            string kind = VaultJson.AsString(item["kind"]);
            string path = VaultJson.AsString(item["path"]);
            return string.Equals(kind, "folder", StringComparison.OrdinalIgnoreCase)
                || (kind == null && path != null && path.Length > 1 && path.EndsWith("/", StringComparison.Ordinal));
        }
    }
}
