using System;
using System.Collections.Generic;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VaultStaging
{
    /// <summary>
    /// One resumable upload session on the vault's file staging server, as Vault reports it.
    /// Flat scalar properties so Where-Object, Format-Table and Export-Csv work on it directly; every
    /// field is optional in the JSON, and fields this version does not know are kept (see AdditionalFields).
    /// Dates are local-time DateTime values of the instants Vault reports in UTC, so they compare right
    /// with Get-Date in every time zone.
    /// </summary>
    public sealed class UploadSession
    {
        /// <summary>The upload session id (opaque; may contain '.', '_' and '-').</summary>
        public string Id { get; set; }

        /// <summary>The staging path of the file, from the staging root (e.g. /u10001400/Folder/File.mp4).</summary>
        public string Path { get; set; }

        /// <summary>The file name. Vault sends it on newer versions; when it does not, it is the last segment of Path.</summary>
        public string Name
        {
            get => _name ?? NameFromPath(Path);
            set => _name = value;
        }
        string _name;

        /// <summary>The Vault user id of the user who created the session.</summary>
        public long? Owner { get; set; }

        /// <summary>The size of the whole file, in bytes.</summary>
        public long Size { get; set; }

        /// <summary>The bytes uploaded so far.</summary>
        public long Uploaded { get; set; }

        /// <summary>The number of parts uploaded so far.</summary>
        public int UploadedParts { get; set; }

        public DateTime? CreatedDate { get; set; }
        public DateTime? LastUploadedDate { get; set; }

        /// <summary>When Vault purges the session: 72 hours after it was created.</summary>
        public DateTime? ExpirationDate { get; set; }

        /// <summary>Whether the committed file replaces an existing one. Older API versions do not report it.</summary>
        public bool? Overwrite { get; set; }

        /// <summary>
        /// Bytes still to upload. Lets a filter be written without a script block:
        /// <c>Where-Object BytesRemaining -gt 0</c> (PowerShell's <c>Where-Object Uploaded -lt Size</c> compares with the text "Size").
        /// </summary>
        public long BytesRemaining => Math.Max(0, Size - Uploaded);

        /// <summary>Uploaded as a percentage of Size, one decimal.</summary>
        public double PercentComplete => Size > 0 ? Math.Round(100.0 * Uploaded / Size, 1) : 0;

        /// <summary>JSON fields this version of the module does not know, kept as Vault sent them.</summary>
        internal IDictionary<string, object> AdditionalFields { get; set; }

        public override string ToString() => Path ?? Id ?? string.Empty;

        static string NameFromPath(string path)
        {
            if (string.IsNullOrEmpty(path)) return null;
            int slash = path.LastIndexOf('/');
            return slash < 0 ? path : path.Substring(slash + 1);
        }

        /// <summary>
        /// Reads one session object at the reader's position (a StartObject) and leaves the reader on its
        /// EndObject. Hand-written rather than reflection-driven: the listing path reads it per object.
        /// </summary>
        internal static UploadSession ReadFrom(JsonReader reader)
        {
            if (reader.TokenType != JsonToken.StartObject)
                throw new JsonReaderException("An upload session was expected to be a JSON object.");
            var s = new UploadSession();
            while (reader.Read() && reader.TokenType == JsonToken.PropertyName)
            {
                string name = (string)reader.Value;
                reader.Read();
                switch (name)
                {
                    case "id": s.Id = VaultJson.AsString(reader); break;
                    case "path": s.Path = VaultJson.AsString(reader); break;
                    case "name": s._name = VaultJson.AsString(reader); break;
                    case "owner": s.Owner = VaultJson.AsInt64(reader); break;
                    case "size": s.Size = VaultJson.AsInt64(reader) ?? 0; break;
                    case "uploaded": s.Uploaded = VaultJson.AsInt64(reader) ?? 0; break;
                    case "uploaded_parts": s.UploadedParts = (int)(VaultJson.AsInt64(reader) ?? 0); break;
                    case "created_date": s.CreatedDate = VaultJson.AsDate(reader); break;
                    case "last_uploaded_date": s.LastUploadedDate = VaultJson.AsDate(reader); break;
                    case "expiration_date": s.ExpirationDate = VaultJson.AsDate(reader); break;
                    case "overwrite": s.Overwrite = VaultJson.AsBoolean(reader); break;
                    default:
                        if (s.AdditionalFields == null) s.AdditionalFields = new Dictionary<string, object>(StringComparer.Ordinal);
                        s.AdditionalFields[name] = VaultJson.AsScalar(reader);
                        break;
                }
            }
            return s;
        }

        internal static UploadSession FromJson(JToken token)
        {
            using (JsonReader reader = token.CreateReader())
            {
                reader.Read();
                return ReadFrom(reader);
            }
        }
    }
}
