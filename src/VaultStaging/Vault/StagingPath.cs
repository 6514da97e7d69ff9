using System;
using System.Linq;

namespace VaultStaging.Vault
{
    /// <summary>
    /// Staging paths as users type them: checked before any call, so a typo never creates a session at a
    /// path nobody meant. Vault's own rules on names are not documented; only what is surely wrong is refused.
    /// </summary>
    public static class StagingPath
    {
        /// <summary>A file path: starts with '/', names a file (no trailing '/'), no empty, '.' or '..' segment.</summary>
        public static string Validate(string path, string parameterName)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new VaultInputException(parameterName, "The staging path is empty. Give a path such as /Folder/File.mp4 (admins: /u1234/Folder/File.mp4).");
            string text = path.Trim().Replace('\\', '/');
            if (!text.StartsWith("/", StringComparison.Ordinal)) text = "/" + text;
            if (text.EndsWith("/", StringComparison.Ordinal))
                throw new VaultInputException(parameterName, $"The staging path '{path}' ends with '/': it names a folder. Give the file's full path, such as {text}File.mp4.");
            string[] segments = text.Substring(1).Split('/');
            if (segments.Any(s => s.Length == 0 || s == "." || s == ".."))
                throw new VaultInputException(parameterName, $"The staging path '{path}' has an empty, '.' or '..' segment; give the path from your staging folder, such as /Folder/File.mp4.");
            if (text.Any(char.IsControl))
                throw new VaultInputException(parameterName, $"The staging path '{path}' contains control characters.");
            return text;
        }
    }
}
