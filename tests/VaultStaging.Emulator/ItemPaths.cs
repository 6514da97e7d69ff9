using System.Text;

namespace VaultStaging.Emulator;

/// <summary>
/// Staging paths of items: "/" or "/a/b" (leading '/', no trailing '/', segments checked). Item URLs are
/// read from the raw request target and each segment is percent-decoded exactly once, as UTF-8: '+' stays
/// a plus, %2F inside a segment is refused (no name may contain '/'), and so are empty, '.' and '..'
/// segments. ASP.NET Core's route values are not used for this: they leave %2F encoded and the decoded
/// request path has its dot segments already removed.
/// </summary>
internal static class ItemPaths
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Longest name the emulator stores (the Linux file-name limit, in UTF-8 bytes).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>
    /// The item path of an item URL: <paramref name="rawPath"/> is the raw request path (no query) and
    /// <paramref name="prefixSegments"/> how many of its segments belong to the route, e.g. 6 for
    /// /api/v25.1/services/file_staging/items/{path}. One trailing '/' is allowed (a folder).
    /// </summary>
    public static string FromRawPath(string rawPath, int prefixSegments)
    {
        string[] segments = rawPath.Split('/');
        if (segments.Length <= prefixSegments) return "/";
        var rest = segments.AsSpan(prefixSegments);
        if (rest.Length > 0 && rest[^1].Length == 0) rest = rest[..^1]; // ".../Folder/" or ".../items/"
        var decoded = new List<string>(rest.Length);
        foreach (string raw in rest) decoded.Add(CheckSegment(DecodeSegment(raw), raw));
        return decoded.Count == 0 ? "/" : "/" + string.Join('/', decoded);
    }

    /// <summary>
    /// A path from a form field (already decoded by the form reader): "" and "/" are the root; a leading '/'
    /// is optional; one trailing '/' is allowed. Null or blank: PARAMETER_REQUIRED when <paramref name="required"/>.
    /// </summary>
    public static string? FromForm(string? value, string parameter, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
            return required ? throw new VaultFailure("PARAMETER_REQUIRED", $"Missing required parameter [{parameter}]") : null;
        string p = value.StartsWith('/') ? value[1..] : value;
        if (p.EndsWith('/')) p = p[..^1];
        if (p.Length == 0) return "/";
        foreach (string segment in p.Split('/'))
        {
            if (!IsValidName(segment))
                throw new VaultFailure("INVALID_DATA", $"Invalid value [{value}] for parameter [{parameter}]: bad path segment [{segment}].");
        }
        return "/" + p;
    }

    /// <summary>A single name (the <c>name</c> of a move/rename): no '/', not empty, '.' or '..'.</summary>
    public static string? NameFromForm(string? value, string parameter)
    {
        if (string.IsNullOrEmpty(value)) return null;
        return IsValidName(value) ? value : throw new VaultFailure("INVALID_DATA", $"Invalid value [{value}] for parameter [{parameter}].");
    }

    public static bool IsValidName(string segment) =>
        segment.Length > 0 && segment != "." && segment != ".." &&
        !segment.Contains('/') && !segment.Contains('\\') && !segment.Any(char.IsControl) &&
        Encoding.UTF8.GetByteCount(segment) <= MaxNameBytes;

    public static string Join(string folder, string name) => folder == "/" ? "/" + name : folder + "/" + name;

    public static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>True if <paramref name="path"/> is <paramref name="folder"/> or inside it.</summary>
    public static bool IsSameOrInside(string path, string folder) =>
        folder == "/" || path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);

    private static string CheckSegment(string segment, string raw) =>
        IsValidName(segment) ? segment : throw new VaultFailure("INVALID_DATA", $"Invalid path segment [{raw}].");

    /// <summary>%XX escapes to bytes, then strict UTF-8; characters that arrived unescaped are taken as they are.</summary>
    private static string DecodeSegment(string raw)
    {
        if (!raw.Contains('%')) return raw;
        var bytes = new List<byte>(raw.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '%')
            {
                if (i + 2 >= raw.Length || !Uri.IsHexDigit(raw[i + 1]) || !Uri.IsHexDigit(raw[i + 2]))
                    throw new VaultFailure("INVALID_DATA", $"Invalid escape in path segment [{raw}].");
                bytes.Add((byte)Convert.ToInt32(raw.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < raw.Length)
            {
                int n = Encoding.UTF8.GetBytes(raw.AsSpan(i, 2), utf8);
                for (int k = 0; k < n; k++) bytes.Add(utf8[k]);
                i++;
            }
            else
            {
                int n = Encoding.UTF8.GetBytes(raw.AsSpan(i, 1), utf8);
                for (int k = 0; k < n; k++) bytes.Add(utf8[k]);
            }
        }
        try { return StrictUtf8.GetString(bytes.ToArray()); }
        catch (DecoderFallbackException) { throw new VaultFailure("INVALID_DATA", $"Path segment [{raw}] is not UTF-8."); }
    }
}
