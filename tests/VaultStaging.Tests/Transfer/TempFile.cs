using System;
using System.IO;
using System.Security.Cryptography;

namespace VaultStaging.Tests.Transfer
{
    /// <summary>A real file of random bytes in the temp folder, deleted on Dispose.</summary>
    internal sealed class TempFile : IDisposable
    {
        public TempFile(long size, int seed = 1)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vaultstaging-upload-" + Guid.NewGuid().ToString("N") + ".bin");
            Bytes = new byte[size];
            new Random(seed).NextBytes(Bytes);
            File.WriteAllBytes(Path, Bytes);
        }

        public string Path { get; }

        /// <summary>The file's content as written.</summary>
        public byte[] Bytes { get; }

        /// <summary>MD5 of a slice, computed independently of the code under test.</summary>
        public string Md5Of(long offset, long length) =>
            Convert.ToHexString(MD5.HashData(new ReadOnlySpan<byte>(Bytes, (int)offset, (int)length))).ToLowerInvariant();

        public void Dispose()
        {
            try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
