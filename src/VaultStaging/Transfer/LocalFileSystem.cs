using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// The local disk as the transfers see it: what the walk of a tree lists (<see cref="LocalTree"/>), where a
    /// download writes its bytes and how it puts the finished file in place (<see cref="PartialDownload"/>). The
    /// one seam over local files: a test overrides a method to give Windows' behaviours on Linux (a folder that
    /// denies listing, hidden and system files, a read-only file that cannot be replaced, a rename refused while
    /// another program holds the file) or to record the order of the writes.
    /// </summary>
    internal class LocalFileSystem
    {
        public static readonly LocalFileSystem Real = new LocalFileSystem();

        /// <summary>
        /// The files and folders directly in <paramref name="folder"/> (FullPath, IsFolder, Size, LastWriteTimeUtc,
        /// Attributes set; RelativePath not). Throws UnauthorizedAccessException or IOException when it cannot be listed.
        /// </summary>
        public virtual IEnumerable<LocalEntry> List(string folder)
        {
            var entries = new List<LocalEntry>();
            // Listed whole here, so a folder that denies listing fails before anything of it is taken.
            foreach (FileSystemInfo info in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                bool isFolder = (info.Attributes & FileAttributes.Directory) != 0;
                long size = 0;
                if (!isFolder)
                {
                    // A broken file link has no length: it is still listed, and fails on its own when it is sent.
                    try { size = ((FileInfo)info).Length; }
                    catch (IOException) { }
                }
                entries.Add(new LocalEntry
                {
                    FullPath = info.FullName,
                    IsFolder = isFolder,
                    Size = size,
                    LastWriteTimeUtc = info.LastWriteTimeUtc,
                    Attributes = info.Attributes,
                });
            }
            return entries;
        }

        /// <summary>The folder's path with every link resolved (what it really is); null when that cannot be known.</summary>
        public virtual string RealPath(string folder)
        {
            try
            {
                return RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? WindowsFinalPath(folder) : UnixRealPath(folder);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return null;
            }
        }

        /// <summary>A download's temporary file, opened for writing its ranges.</summary>
        public virtual Stream OpenForWriting(string path) =>
            new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous);
        public virtual bool Exists(string path) => File.Exists(path);
        public virtual FileAttributes GetAttributes(string path) => File.GetAttributes(path);
        public virtual void SetAttributes(string path, FileAttributes attributes) => File.SetAttributes(path, attributes);
        public virtual void Replace(string source, string target) => File.Replace(source, target, null);
        public virtual void Move(string source, string target) => File.Move(source, target);

        [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
        static extern IntPtr realpath(string path, IntPtr resolved);

        [DllImport("libc", EntryPoint = "free")]
        static extern void free(IntPtr pointer);

        static string UnixRealPath(string path)
        {
            IntPtr resolved = realpath(path, IntPtr.Zero);
            if (resolved == IntPtr.Zero) return null;
            try
            {
                // UTF-8, as Linux and macOS file names are.
                int length = 0;
                while (Marshal.ReadByte(resolved, length) != 0) length++;
                var bytes = new byte[length];
                Marshal.Copy(resolved, bytes, 0, length);
                return Encoding.UTF8.GetString(bytes);
            }
            finally
            {
                free(resolved);
            }
        }

        const uint FileFlagBackupSemantics = 0x02000000; // needed to open a folder
        const uint OpenExisting = 3;
        const uint ShareAll = 7;

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        static extern IntPtr CreateFileW(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        static extern uint GetFinalPathNameByHandleW(IntPtr handle, StringBuilder path, uint size, uint flags);

        [DllImport("kernel32.dll", SetLastError = true)]
        static extern bool CloseHandle(IntPtr handle);

        /// <summary>Where a folder, junction or symbolic link finally leads (links and junctions followed), without the \\?\ prefix.</summary>
        static string WindowsFinalPath(string path)
        {
            IntPtr handle = CreateFileW(path, 0, ShareAll, IntPtr.Zero, OpenExisting, FileFlagBackupSemantics, IntPtr.Zero);
            if (handle == new IntPtr(-1)) return null;
            try
            {
                var text = new StringBuilder(1024);
                uint n = GetFinalPathNameByHandleW(handle, text, (uint)text.Capacity, 0);
                if (n > text.Capacity)
                {
                    text = new StringBuilder((int)n);
                    n = GetFinalPathNameByHandleW(handle, text, (uint)text.Capacity, 0);
                }
                if (n == 0) return null;
                string final = text.ToString();
                if (final.StartsWith(@"\\?\UNC\", StringComparison.Ordinal)) return @"\\" + final.Substring(8);
                return final.StartsWith(@"\\?\", StringComparison.Ordinal) ? final.Substring(4) : final;
            }
            finally
            {
                CloseHandle(handle);
            }
        }
    }
}
