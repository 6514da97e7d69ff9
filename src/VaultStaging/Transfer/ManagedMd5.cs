using System;
using System.Security.Cryptography;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// MD5 (RFC 1321) in plain C#. Windows with the FIPS policy enforced makes .NET Framework refuse
    /// <c>MD5.Create()</c>; the module's MD5 checks are for integrity (did the bytes arrive as sent), not for
    /// security, so it falls back to this one there (<see cref="Md5Hex.CreateHasher"/>).
    /// </summary>
    internal sealed class ManagedMd5 : HashAlgorithm
    {
        static readonly int[] Shifts =
        {
            7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
            5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
        };

        static readonly uint[] K = BuildK();

        readonly byte[] _block = new byte[64];
        readonly uint[] _words = new uint[16];
        uint _a, _b, _c, _d;
        int _blockLength;
        long _totalLength;

        public ManagedMd5()
        {
            HashSizeValue = 128;
            Initialize();
        }

        static uint[] BuildK()
        {
            var k = new uint[64];
            for (int i = 0; i < 64; i++) k[i] = (uint)(long)Math.Floor(Math.Abs(Math.Sin(i + 1)) * 4294967296.0);
            return k;
        }

        public override void Initialize()
        {
            _a = 0x67452301;
            _b = 0xefcdab89;
            _c = 0x98badcfe;
            _d = 0x10325476;
            _blockLength = 0;
            _totalLength = 0;
        }

        protected override void HashCore(byte[] array, int ibStart, int cbSize)
        {
            _totalLength += cbSize;
            if (_blockLength > 0)
            {
                int take = Math.Min(64 - _blockLength, cbSize);
                Buffer.BlockCopy(array, ibStart, _block, _blockLength, take);
                _blockLength += take;
                ibStart += take;
                cbSize -= take;
                if (_blockLength < 64) return;
                Compress(_block, 0);
                _blockLength = 0;
            }
            while (cbSize >= 64)
            {
                Compress(array, ibStart);
                ibStart += 64;
                cbSize -= 64;
            }
            if (cbSize > 0)
            {
                Buffer.BlockCopy(array, ibStart, _block, 0, cbSize);
                _blockLength = cbSize;
            }
        }

        protected override byte[] HashFinal()
        {
            long bits = _totalLength * 8;
            var padding = new byte[(_blockLength < 56 ? 56 : 120) - _blockLength + 8];
            padding[0] = 0x80;
            for (int i = 0; i < 8; i++) padding[padding.Length - 8 + i] = (byte)(bits >> (8 * i));
            long total = _totalLength;
            HashCore(padding, 0, padding.Length);
            _totalLength = total;
            var digest = new byte[16];
            WriteLittleEndian(_a, digest, 0);
            WriteLittleEndian(_b, digest, 4);
            WriteLittleEndian(_c, digest, 8);
            WriteLittleEndian(_d, digest, 12);
            return digest;
        }

        void Compress(byte[] data, int offset)
        {
            for (int i = 0; i < 16; i++)
            {
                int o = offset + 4 * i;
                _words[i] = (uint)(data[o] | data[o + 1] << 8 | data[o + 2] << 16 | data[o + 3] << 24);
            }
            uint a = _a, b = _b, c = _c, d = _d;
            for (int i = 0; i < 64; i++)
            {
                uint f;
                int g;
                if (i < 16) { f = (b & c) | (~b & d); g = i; }
                else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
                else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
                else { f = c ^ (b | ~d); g = (7 * i) % 16; }
                uint rotated = a + f + K[i] + _words[g];
                a = d;
                d = c;
                c = b;
                b += (rotated << Shifts[i]) | (rotated >> (32 - Shifts[i]));
            }
            _a += a;
            _b += b;
            _c += c;
            _d += d;
        }

        static void WriteLittleEndian(uint value, byte[] target, int offset)
        {
            target[offset] = (byte)value;
            target[offset + 1] = (byte)(value >> 8);
            target[offset + 2] = (byte)(value >> 16);
            target[offset + 3] = (byte)(value >> 24);
        }
    }
}
