using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// The on-disk state of one download in progress: the bytes go to a hidden temporary file beside the
    /// target, and a journal beside it lists the ranges already complete and flushed. The temporary file's
    /// name carries the remote file's size and modified date, so running the same command again resumes the
    /// same version, while a file that changed on Vault starts over (the old temporary files are removed).
    /// The target's final name only ever holds a complete, checked file (<see cref="PutInPlace"/>); a complete
    /// file that cannot be put there is kept, never thrown away.
    /// </summary>
    internal sealed class PartialDownload
    {
        const string Suffix = ".vaultpart";
        const string JournalSuffix = ".done";

        /// <summary>The longest name a file system takes (NTFS: 255 UTF-16 units; ext4 and most others: 255 bytes, so counted in UTF-8).</summary>
        internal const int MaxNameBytes = 255;

        /// <summary>The classic Windows path limit (MAX_PATH less the terminating null), what Windows PowerShell 5.1 keeps to unless long paths are on.</summary>
        internal const int MaxClassicPath = 259;

        readonly object _gate = new object();
        readonly HashSet<int> _done = new HashSet<int>();
        readonly LocalFileSystem _files;

        public PartialDownload(string target, long size, DateTime? modified, LocalFileSystem files = null)
        {
            Target = target;
            Size = size;
            _files = files ?? LocalFileSystem.Real;
            long stamp = modified.HasValue ? (long)(modified.Value.ToUniversalTime() - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds : 0;
            TempPath = TempPathFor(target, size, stamp);
            JournalPath = TempPath + JournalSuffix;
        }

        public string Target { get; }
        public long Size { get; }
        public string TempPath { get; }
        public string JournalPath { get; }

        /// <summary>
        /// <c>.&lt;name&gt;.&lt;size&gt;-&lt;time&gt;.vaultpart</c> beside the target, readable, when it and its journal fit
        /// the name limit (and, where the target's path fits the classic Windows path limit, that limit too);
        /// else a short name made from a hash of the target's name and of the version,
        /// <c>.vs-&lt;8 hex&gt;-&lt;8 hex&gt;.vaultpart</c> (31 characters, 36 with the journal's suffix), the same on every
        /// run, so a download of a target whose name is near 255 characters still resumes.
        /// </summary>
        internal static string TempPathFor(string target, long size, long stamp)
        {
            string folder = Path.GetDirectoryName(target);
            string name = Path.GetFileName(target);
            string version = size.ToString(CultureInfo.InvariantCulture) + "-" + stamp.ToString(CultureInfo.InvariantCulture);
            string readable = Path.Combine(folder, "." + name + "." + version + Suffix);
            bool nameFits = Encoding.UTF8.GetByteCount(Path.GetFileName(readable) + JournalSuffix) <= MaxNameBytes;
            bool pathFits = readable.Length + JournalSuffix.Length <= MaxClassicPath || target.Length > MaxClassicPath;
            if (nameFits && pathFits) return readable;
            return Path.Combine(folder, ShortPrefix(name) + Hash8(version) + Suffix);
        }

        static string ShortPrefix(string name) => ".vs-" + Hash8(name) + "-";

        /// <summary>
        /// 8 hex digits of FNV-1a over the UTF-8 bytes: stable across runs and platforms, and no cryptographic
        /// class, which a FIPS policy on .NET Framework could refuse (a name needs no security).
        /// </summary>
        static string Hash8(string text)
        {
            uint hash = 2166136261;
            foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 16777619;
            return hash.ToString("x8", CultureInfo.InvariantCulture);
        }

        /// <summary>Removes what earlier runs left for other versions of this target; reads what this version already has.</summary>
        public IReadOnlyCollection<int> Open(int rangeCount, Func<int, long> rangeEnd)
        {
            string folder = Path.GetDirectoryName(Target);
            string readablePrefix = "." + Path.GetFileName(Target) + ".";
            string shortPrefix = ShortPrefix(Path.GetFileName(Target));
            foreach (string stale in Directory.EnumerateFiles(folder, "*" + Suffix + "*"))
            {
                string file = Path.GetFileName(stale);
                bool ours = file.StartsWith(readablePrefix, StringComparison.Ordinal) || file.StartsWith(shortPrefix, StringComparison.Ordinal);
                if (ours && stale != TempPath && stale != JournalPath) TryDelete(stale);
            }
            lock (_gate)
            {
                _done.Clear();
                if (!File.Exists(TempPath))
                {
                    TryDelete(JournalPath);
                    return Array.Empty<int>();
                }
                long length = new FileInfo(TempPath).Length;
                if (File.Exists(JournalPath))
                {
                    foreach (string line in File.ReadAllLines(JournalPath))
                    {
                        // A range counts only if the temporary file holds all of it (a torn journal line is ignored).
                        if (int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                            && index >= 0 && index < rangeCount && rangeEnd(index) <= length)
                            _done.Add(index);
                    }
                }
                return _done.ToList();
            }
        }

        /// <summary>The temporary file, opened for writing its ranges (one writer at a time, see <see cref="OrderedRangeWriter"/>).</summary>
        public Stream OpenForWriting() => _files.OpenForWriting(TempPath);

        /// <summary>Records a range as complete; its bytes must already be flushed to disk.</summary>
        public void MarkDone(int index)
        {
            lock (_gate)
            {
                if (!_done.Add(index)) return;
                File.AppendAllText(JournalPath, index.ToString(CultureInfo.InvariantCulture) + "\n");
            }
        }

        /// <summary>Checks the temporary file holds exactly the expected bytes and gives it the remote modified date.</summary>
        public void Check(DateTime? modified)
        {
            if (!File.Exists(TempPath)) using (File.Create(TempPath)) { } // an empty file has no range to write
            long length = new FileInfo(TempPath).Length;
            if (length != Size)
                throw new IOException($"The downloaded data for {Target} has {length:N0} bytes where {Size:N0} were expected.");
            if (modified.HasValue) File.SetLastWriteTimeUtc(TempPath, modified.Value.ToUniversalTime());
        }

        /// <summary>
        /// Renames the checked temporary file to the target, replacing an existing file only when the caller
        /// allowed it; a read-only one then loses the attribute first, as Copy-Item -Force does. When this
        /// fails, the complete file stays where it is (<see cref="TempPath"/>, with its journal, so the same
        /// command again puts it in place without fetching a byte): the caller says so.
        /// </summary>
        public void PutInPlace(DateTime? modified, bool replace)
        {
            if (_files.Exists(Target))
            {
                if (!replace) throw new IOException($"{Target} appeared while it was downloaded; it was left as it is.");
                FileAttributes attributes = _files.GetAttributes(Target);
                if ((attributes & FileAttributes.ReadOnly) != 0) _files.SetAttributes(Target, attributes & ~FileAttributes.ReadOnly);
                _files.Replace(TempPath, Target);
                if (modified.HasValue) File.SetLastWriteTimeUtc(Target, modified.Value.ToUniversalTime());
            }
            else
            {
                _files.Move(TempPath, Target);
            }
            TryDelete(JournalPath);
        }

        /// <summary>Forgets this download: nothing partial stays on disk.</summary>
        public void Discard()
        {
            TryDelete(TempPath);
            TryDelete(JournalPath);
        }

        static void TryDelete(string path)
        {
            try { File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
