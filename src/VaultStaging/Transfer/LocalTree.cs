using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace VaultStaging.Transfer
{
    /// <summary>What kind of thing the walk met.</summary>
    internal enum LocalTreeNoteKind
    {
        /// <summary>A folder link not entered (no -FollowSymlink): a verbose line.</summary>
        LinkNotFollowed,
        /// <summary>A folder link skipped because it leads back into the walk, or nowhere: a warning.</summary>
        LinkLoop,
        /// <summary>A folder that could not be listed: an error for that folder.</summary>
        FolderUnreadable,
    }

    /// <summary>What the walk of a local tree met and could not take as it is: said to the user, never fatal.</summary>
    internal sealed class LocalTreeNote
    {
        public LocalTreeNoteKind Kind { get; set; }
        public string FullPath { get; set; }
        /// <summary>The path below the root, '/'-separated.</summary>
        public string RelativePath { get; set; }
        public string Message { get; set; }
    }

    /// <summary>
    /// The one walk of a local folder tree (Send-VaultFile -Recurse, Sync-VaultStagingFolder), as
    /// Get-ChildItem -Recurse -Force walks it: hidden and system files are taken; folder links (symbolic
    /// links and junctions: the ReparsePoint attribute) are listed but not entered unless
    /// <see cref="FollowLinks"/>, and then a link that leads to a folder already walked (an ancestor: a
    /// loop) is skipped with a note. A folder that cannot be listed is a note, and its siblings go on.
    /// Folders that <see cref="SkipFolder"/> names are listed but not entered (-Exclude, like robocopy /XD),
    /// so a sync still sees them and leaves them alone. The module's own partial downloads are left out.
    /// </summary>
    internal sealed class LocalTree
    {
        readonly LocalFileSystem _fs;
        readonly List<LocalTreeNote> _notes = new List<LocalTreeNote>();
        readonly List<string> _notWalked = new List<string>();

        public LocalTree(LocalFileSystem fileSystem = null) => _fs = fileSystem ?? LocalFileSystem.Real;

        /// <summary>Enter folder links (-FollowSymlink).</summary>
        public bool FollowLinks { get; set; }

        /// <summary>A folder name whose folder is not entered (it is still yielded); null: enter every folder.</summary>
        public Func<string, bool> SkipFolder { get; set; }

        /// <summary>What the walk met (links not followed, loops, folders it could not list), in the order met.</summary>
        public IReadOnlyList<LocalTreeNote> Notes => _notes;

        /// <summary>
        /// Relative paths of folders whose contents this walk does not know (they could not be listed, or they are
        /// links it did not enter): a sync leaves the target's copy of what is in them alone, and writes nothing through them.
        /// </summary>
        public IReadOnlyList<string> FoldersNotWalked => _notWalked;

        /// <summary>Every file and folder below <paramref name="root"/> (the root itself is entered even when it is a link), folders before their contents.</summary>
        public List<LocalEntry> Walk(string root)
        {
            string full = Path.GetFullPath(root);
            // A drive's or the file system's root keeps its separator ("C:" alone would be the drive's current folder).
            string top = string.Equals(Path.GetPathRoot(full), full, StringComparison.Ordinal) ? full : full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            var result = new List<LocalEntry>();
            var visited = new HashSet<string>(LocalNames.CaseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
            if (FollowLinks)
            {
                string real = _fs.RealPath(top);
                if (real != null) visited.Add(real);
            }
            // Depth first with an explicit stack: a deep tree cannot overflow the thread's stack.
            var pending = new Stack<(string Full, string Relative)>();
            pending.Push((top, ""));
            while (pending.Count > 0)
            {
                (string folder, string relative) = pending.Pop();
                List<LocalEntry> children;
                try
                {
                    children = _fs.List(folder).OrderBy(e => e.FullPath, StringComparer.Ordinal).ToList();
                }
                catch (Exception e) when (e is UnauthorizedAccessException || e is IOException || e is System.Security.SecurityException)
                {
                    _notWalked.Add(relative);
                    Note(LocalTreeNoteKind.FolderUnreadable, folder, relative, $"The folder '{folder}' could not be listed ({e.Message.TrimEnd('.')}); nothing in it was taken. " +
                        "Give the account access to it, or leave it out with -Exclude.");
                    continue;
                }
                var folders = new List<(string, string)>();
                foreach (LocalEntry child in children)
                {
                    string name = Path.GetFileName(child.FullPath);
                    if (!child.IsFolder && (name.EndsWith(".vaultpart", StringComparison.Ordinal) || name.EndsWith(".vaultpart.done", StringComparison.Ordinal))) continue;
                    child.RelativePath = relative.Length == 0 ? name : relative + "/" + name;
                    result.Add(child);
                    if (!child.IsFolder || (SkipFolder != null && SkipFolder(name))) continue;
                    if (IsLink(child) ? !Enter(child, visited) : !Visit(child, visited)) continue;
                    folders.Add((child.FullPath, child.RelativePath));
                }
                for (int i = folders.Count - 1; i >= 0; i--) pending.Push(folders[i]);
            }
            return result;
        }

        /// <summary>Whether a folder link is walked into: only with <see cref="FollowLinks"/>, and never back into a folder already walked.</summary>
        bool Enter(LocalEntry link, HashSet<string> visited)
        {
            if (!FollowLinks)
            {
                _notWalked.Add(link.RelativePath);
                Note(LocalTreeNoteKind.LinkNotFollowed, link.FullPath, link.RelativePath,
                    $"The folder link '{link.FullPath}' was not followed (as Get-ChildItem -Recurse does not); add -FollowSymlink to take what it points to.");
                return false;
            }
            string target = _fs.RealPath(link.FullPath);
            if (target == null)
            {
                _notWalked.Add(link.RelativePath);
                Note(LocalTreeNoteKind.LinkLoop, link.FullPath, link.RelativePath, $"The folder link '{link.FullPath}' was skipped: where it leads could not be found (a broken link?).");
                return false;
            }
            if (!visited.Add(target))
            {
                _notWalked.Add(link.RelativePath);
                Note(LocalTreeNoteKind.LinkLoop, link.FullPath, link.RelativePath,
                    $"The folder link '{link.FullPath}' was skipped: it leads to '{target}', which this walk already takes (a loop, or the same folder twice).");
                return false;
            }
            return true;
        }

        /// <summary>
        /// A plain folder is always walked (it cannot make a loop by itself), and remembered when links are
        /// followed, so that a link back to it is seen as a loop.
        /// </summary>
        bool Visit(LocalEntry folder, HashSet<string> visited)
        {
            if (!FollowLinks) return true;
            string real = _fs.RealPath(folder.FullPath);
            if (real != null) visited.Add(real);
            return true;
        }

        static bool IsLink(LocalEntry e) => (e.Attributes & FileAttributes.ReparsePoint) != 0;

        void Note(LocalTreeNoteKind kind, string full, string relative, string message) =>
            _notes.Add(new LocalTreeNote { Kind = kind, FullPath = full, RelativePath = relative, Message = message });
    }
}
