using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// The on-disk state of one download in progress: the bytes go to a hidden temporary file beside the
    /// target, and a journal beside it lists the ranges already complete and flushed. The temporary file's
    /// name carries the remote file's size and modified date, so running the same command again resumes the
    /// same version, while a file that changed on Vault starts over (the old temporary files are removed).
    /// The target's final name only ever holds a complete, checked file (<see cref="Commit"/>).
    /// </summary>
    internal sealed class PartialDownload
    {
        const string Suffix = ".vaultpart";
        const string JournalSuffix = ".done";

        readonly object _gate = new object();
        readonly HashSet<int> _done = new HashSet<int>();

        public PartialDownload(string target, long size, DateTime? modified)
        {
            Target = target;
            Size = size;
            string folder = Path.GetDirectoryName(target);
            string name = Path.GetFileName(target);
            long stamp = modified.HasValue ? (long)(modified.Value.ToUniversalTime() - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds : 0;
            TempPath = Path.Combine(folder, "." + name + "." + size.ToString(CultureInfo.InvariantCulture) + "-" + stamp.ToString(CultureInfo.InvariantCulture) + Suffix);
            JournalPath = TempPath + JournalSuffix;
        }

        public string Target { get; }
        public long Size { get; }
        public string TempPath { get; }
        public string JournalPath { get; }

        /// <summary>Removes what earlier runs left for other versions of this target; reads what this version already has.</summary>
        public IReadOnlyCollection<int> Open(int rangeCount, Func<int, long> rangeEnd)
        {
            string folder = Path.GetDirectoryName(Target);
            string prefix = "." + Path.GetFileName(Target) + ".";
            foreach (string stale in Directory.EnumerateFiles(folder, "*" + Suffix + "*"))
            {
                string file = Path.GetFileName(stale);
                if (file.StartsWith(prefix, StringComparison.Ordinal) && stale != TempPath && stale != JournalPath) TryDelete(stale);
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

        /// <summary>The temporary file, opened for writing one range (several ranges write at once).</summary>
        public FileStream OpenForWriting() =>
            new FileStream(TempPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.Asynchronous);

        /// <summary>Records a range as complete; its bytes must already be flushed to disk.</summary>
        public void MarkDone(int index)
        {
            lock (_gate)
            {
                if (!_done.Add(index)) return;
                File.AppendAllText(JournalPath, index.ToString(CultureInfo.InvariantCulture) + "\n");
            }
        }

        /// <summary>
        /// Checks the temporary file holds exactly the expected bytes, gives it the remote modified date and
        /// renames it to the target (replacing an existing file only when the caller allowed it).
        /// </summary>
        public void Commit(DateTime? modified, bool replace)
        {
            if (!File.Exists(TempPath)) using (File.Create(TempPath)) { } // an empty file has no range to write
            long length = new FileInfo(TempPath).Length;
            if (length != Size)
                throw new IOException($"The downloaded data for {Target} has {length:N0} bytes where {Size:N0} were expected.");
            if (modified.HasValue) File.SetLastWriteTimeUtc(TempPath, modified.Value.ToUniversalTime());
            if (File.Exists(Target))
            {
                if (!replace) throw new IOException($"{Target} appeared while it was downloaded; it was left as it is.");
                File.Replace(TempPath, Target, null);
                if (modified.HasValue) File.SetLastWriteTimeUtc(Target, modified.Value.ToUniversalTime());
            }
            else
            {
                File.Move(TempPath, Target);
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
