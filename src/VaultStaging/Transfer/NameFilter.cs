using System;
using System.Collections.Generic;
using System.Linq;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// -Include and -Exclude, with Copy-Item's meaning, applied to names (never to whole paths): a file is
    /// taken when no -Exclude pattern matches its name and, if -Include is given, one -Include pattern does; a
    /// folder whose name an -Exclude pattern matches is left out with everything in it (robocopy /XD);
    /// -Include never leaves a folder out (folders are still walked). The patterns are matched by the
    /// caller's predicates (PowerShell's WildcardPattern, ignoring case), so this type stays plain C#.
    /// </summary>
    internal sealed class NameFilter
    {
        readonly IReadOnlyList<Func<string, bool>> _include;
        readonly IReadOnlyList<Func<string, bool>> _exclude;

        public NameFilter(IEnumerable<Func<string, bool>> include, IEnumerable<Func<string, bool>> exclude, string description = "")
        {
            _include = (include ?? Enumerable.Empty<Func<string, bool>>()).ToList();
            _exclude = (exclude ?? Enumerable.Empty<Func<string, bool>>()).ToList();
            Description = description ?? "";
        }

        /// <summary>Takes everything.</summary>
        public static NameFilter None { get; } = new NameFilter(null, null);

        public bool IsEmpty => _include.Count == 0 && _exclude.Count == 0;

        /// <summary>"-Include '*.csv' -Exclude 'tmp'": for messages and -WhatIf.</summary>
        public string Description { get; }

        /// <summary>Whether a folder of this name is left out, with everything in it.</summary>
        public bool ExcludesFolder(string name) => _exclude.Any(m => m(name));

        /// <summary>Whether a file of this name is taken.</summary>
        public bool TakesFile(string name) => !_exclude.Any(m => m(name)) && (_include.Count == 0 || _include.Any(m => m(name)));

        /// <summary>
        /// Whether the item at <paramref name="relativePath"/> ('/'-separated, below the root of a tree) is left
        /// out: a folder on its way is excluded, or the item itself is.
        /// </summary>
        public bool LeavesOut(string relativePath, bool isFolder)
        {
            if (IsEmpty || string.IsNullOrEmpty(relativePath)) return false;
            string[] segments = relativePath.Split('/');
            for (int i = 0; i < segments.Length - 1; i++)
                if (ExcludesFolder(segments[i])) return true;
            string name = segments[segments.Length - 1];
            return isFolder ? ExcludesFolder(name) : !TakesFile(name);
        }
    }
}
