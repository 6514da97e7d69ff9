using Newtonsoft.Json;

namespace VaultStaging
{
    /// <summary>One part of an upload session as Vault holds it.</summary>
    public sealed class UploadSessionPart
    {
        /// <summary>The upload session the part belongs to (not in Vault's answer; set so parts can be piped on).</summary>
        public string UploadSessionId { get; set; }

        public int PartNumber { get; set; }

        /// <summary>Bytes in the part.</summary>
        public long Size { get; set; }

        /// <summary>Vault's MD5 of the part's content, as 32 hex digits.</summary>
        public string Md5 { get; set; }

        public override string ToString() => $"part {PartNumber} ({Size} bytes)";

        internal static UploadSessionPart ReadFrom(JsonReader reader)
        {
            if (reader.TokenType != JsonToken.StartObject)
                throw new JsonReaderException("A part was expected to be a JSON object.");
            var part = new UploadSessionPart();
            while (reader.Read() && reader.TokenType == JsonToken.PropertyName)
            {
                string name = (string)reader.Value;
                reader.Read();
                switch (name)
                {
                    case "part_number": part.PartNumber = (int)(VaultJson.AsInt64(reader) ?? 0); break;
                    case "size": part.Size = VaultJson.AsInt64(reader) ?? 0; break;
                    case "part_content_md5": part.Md5 = VaultJson.AsString(reader); break;
                    default: reader.Skip(); break;
                }
            }
            return part;
        }
    }
}
