using System;
using System.Collections.Generic;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VaultStaging.Vault;

namespace VaultStaging
{
    /// <summary>Whether a staging item is a file or a folder.</summary>
    public enum StagingItemKind
    {
        File,
        Folder,
    }

    /// <summary>
    /// A file or folder on the vault's file staging server, as Vault lists it. Flat scalar properties, so
    /// Where-Object, Sort-Object and Export-Csv work on it directly; <see cref="Path"/> binds by property
    /// name to the -Path of the module's other cmdlets. Dates are local-time DateTime values of the instants
    /// Vault reports in UTC, as for upload sessions. Fields this version does not know are kept.
    /// </summary>
    public sealed class StagingItem
    {
        /// <summary>File or Folder.</summary>
        public StagingItemKind Kind { get; set; }

        /// <summary>The path as Vault answers it, starting with '/' (no trailing '/' for a folder).</summary>
        public string Path { get; set; }

        /// <summary>
        /// The file or folder name. When Vault leaves it out (or answers it empty, or with a folder's trailing
        /// '/'), the last segment of Path: never empty, except for the root.
        /// </summary>
        public string Name
        {
            get
            {
                string given = _name?.TrimEnd('/');
                return string.IsNullOrEmpty(given) ? StagingPath.NameOf(Path) : given;
            }
            set => _name = value;
        }
        string _name;

        /// <summary>Bytes (64-bit); null for a folder.</summary>
        public long? Size { get; set; }

        /// <summary>When the file last changed (local time); null for a folder, which Vault gives no date.</summary>
        public DateTime? ModifiedDate { get; set; }

        /// <summary>The folder that holds the item ("/" at the root).</summary>
        public string Parent => StagingPath.ParentOf(Path);

        public bool IsFolder => Kind == StagingItemKind.Folder;

        /// <summary>Vault's MD5 of the content, when the call that made the file answered it (a listing does not).</summary>
        public string Md5 { get; set; }

        /// <summary>A folder the listing left out, known from the paths below it (<see cref="DerivedFolders"/>).</summary>
        internal bool Derived { get; set; }

        /// <summary>JSON fields this version of the module does not know, kept as Vault sent them.</summary>
        internal IDictionary<string, object> AdditionalFields { get; set; }

        public override string ToString() => Path ?? string.Empty;

        /// <summary>Reads one item object at the reader's position (a StartObject); leaves the reader on its EndObject.</summary>
        internal static StagingItem ReadFrom(JsonReader reader)
        {
            if (reader.TokenType != JsonToken.StartObject)
                throw new JsonReaderException("A staging item was expected to be a JSON object.");
            var item = new StagingItem();
            string kind = null;
            while (reader.Read() && reader.TokenType == JsonToken.PropertyName)
            {
                string name = (string)reader.Value;
                reader.Read();
                switch (name)
                {
                    case "kind": kind = VaultJson.AsString(reader); break;
                    case "path": item.Path = VaultJson.AsString(reader); break;
                    case "name": item._name = VaultJson.AsString(reader); break;
                    case "size": item.Size = VaultJson.AsInt64(reader); break;
                    case "modified_date": item.ModifiedDate = VaultJson.AsDate(reader); break;
                    case "file_content_md5": item.Md5 = VaultJson.AsString(reader); break;
                    default:
                        if (item.AdditionalFields == null) item.AdditionalFields = new Dictionary<string, object>(StringComparer.Ordinal);
                        item.AdditionalFields[name] = VaultJson.AsScalar(reader);
                        break;
                }
            }
            // Vault answers a folder's path with a trailing '/' when it creates one; items compare without it.
            bool trailingSlash = item.Path != null && item.Path.Length > 1 && item.Path.EndsWith("/", StringComparison.Ordinal);
            if (item.Path != null) item.Path = StagingPath.Normalize(item.Path);
            item.Kind = string.Equals(kind, "folder", StringComparison.OrdinalIgnoreCase) || (kind == null && trailingSlash)
                ? StagingItemKind.Folder : StagingItemKind.File;
            if (item.Kind == StagingItemKind.Folder) item.Size = null;
            return item;
        }

        internal static StagingItem FromJson(JToken token)
        {
            using (JsonReader reader = token.CreateReader())
            {
                reader.Read();
                return ReadFrom(reader);
            }
        }

        internal static StagingItem Folder(string path) => new StagingItem { Kind = StagingItemKind.Folder, Path = StagingPath.Normalize(path) };
    }
}
