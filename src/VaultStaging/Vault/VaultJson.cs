using System;
using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VaultStaging
{
    /// <summary>
    /// Lenient readers for Vault's JSON values: a field of an unexpected type becomes null (or a string)
    /// instead of breaking a whole listing, because Vault adds and changes fields across versions.
    /// </summary>
    internal static class VaultJson
    {
        /// <summary>Readers for Vault answers: dates stay strings so we convert them ourselves, exactly.</summary>
        public static JsonTextReader CreateReader(System.IO.TextReader text) => new JsonTextReader(text)
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Decimal,
            CloseInput = false,
        };

        public static string AsString(JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonToken.Null: case JsonToken.Undefined: return null;
                case JsonToken.String: return (string)reader.Value;
                case JsonToken.Integer: case JsonToken.Float: case JsonToken.Boolean:
                    return Convert.ToString(reader.Value, CultureInfo.InvariantCulture);
                default: reader.Skip(); return null;
            }
        }

        public static long? AsInt64(JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonToken.Integer:
                    return reader.Value is System.Numerics.BigInteger ? (long?)null : Convert.ToInt64(reader.Value, CultureInfo.InvariantCulture);
                case JsonToken.Float:
                    decimal d = Convert.ToDecimal(reader.Value, CultureInfo.InvariantCulture);
                    return d == Math.Truncate(d) && d >= long.MinValue && d <= long.MaxValue ? (long?)(long)d : null;
                case JsonToken.String:
                    return long.TryParse((string)reader.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : (long?)null;
                default: reader.Skip(); return null;
            }
        }

        public static bool? AsBoolean(JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonToken.Boolean: return (bool)reader.Value;
                case JsonToken.String: return bool.TryParse((string)reader.Value, out bool b) ? b : (bool?)null;
                default: reader.Skip(); return null;
            }
        }

        // The same leniency for values already parsed into a JToken (small answers: login, job status, one item).

        public static string AsString(JToken token)
        {
            if (token == null) return null;
            switch (token.Type)
            {
                case JTokenType.String: return (string)token;
                case JTokenType.Integer: case JTokenType.Float: case JTokenType.Boolean:
                    return Convert.ToString(((JValue)token).Value, CultureInfo.InvariantCulture);
                default: return null;
            }
        }

        public static long? AsInt64(JToken token)
        {
            if (token == null) return null;
            switch (token.Type)
            {
                case JTokenType.Integer:
                    return ((JValue)token).Value is System.Numerics.BigInteger ? (long?)null : Convert.ToInt64(((JValue)token).Value, CultureInfo.InvariantCulture);
                case JTokenType.Float:
                    decimal d = Convert.ToDecimal(((JValue)token).Value, CultureInfo.InvariantCulture);
                    return d == Math.Truncate(d) && d >= long.MinValue && d <= long.MaxValue ? (long?)(long)d : null;
                case JTokenType.String:
                    return long.TryParse((string)token, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : (long?)null;
                default: return null;
            }
        }

        public static bool? AsBoolean(JToken token)
        {
            if (token == null) return null;
            if (token.Type == JTokenType.Boolean) return (bool)token;
            return token.Type == JTokenType.String && bool.TryParse((string)token, out bool b) ? b : (bool?)null;
        }

        public static DateTime? AsDate(JToken token) => ParseDate(AsString(token));

        /// <summary>Vault's UTC timestamps ("2020-10-07T18:32:55.000Z") as local-time DateTime values of the same instant.</summary>
        public static DateTime? AsDate(JsonReader reader)
        {
            string text = AsString(reader);
            return ParseDate(text);
        }

        public static DateTime? ParseDate(string text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime utc))
                return DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToLocalTime();
            return null;
        }

        /// <summary>An unknown field as a scalar PowerShell can show and Export-Csv can write: nested values become compact JSON text.</summary>
        public static object AsScalar(JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonToken.StartObject:
                case JsonToken.StartArray:
                    return JToken.ReadFrom(reader).ToString(Formatting.None);
                case JsonToken.Null: case JsonToken.Undefined: return null;
                default: return reader.Value;
            }
        }
    }
}
