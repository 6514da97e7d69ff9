using System;
using System.Security.Cryptography;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// MD5 digests as Vault shows them: 32 lowercase hex digits in <c>part_content_md5</c>. Comparing
    /// goes by the decoded 16 bytes, not by text, because whether Vault (or a proxy, or a later version)
    /// ever answers in upper case or base64 is UNCONFIRMED (vault-api.md); a false mismatch would only
    /// cost a resend, but a false match would leave a bad part, so text that is neither form never matches.
    /// </summary>
    internal static class Md5Hex
    {
        const int DigestLength = 16;
        const string Digits = "0123456789abcdef";

        /// <summary>The platform's MD5; replaceable in tests to act out a FIPS-enforcing Windows.</summary>
        internal static Func<HashAlgorithm> SystemMd5 = MD5.Create;

        /// <summary>
        /// An MD5 hasher: the platform's, or where the FIPS policy makes .NET Framework refuse MD5 (it throws
        /// InvalidOperationException) a managed one. The check is for integrity, not security.
        /// </summary>
        public static HashAlgorithm CreateHasher()
        {
            try
            {
                return SystemMd5();
            }
            catch (Exception e) when (e is InvalidOperationException || e is System.Reflection.TargetInvocationException || e is CryptographicException)
            {
                return new ManagedMd5();
            }
        }

        /// <summary>Fails now, before any call to Vault, if no MD5 can be made at all.</summary>
        public static void EnsureAvailable()
        {
            using (CreateHasher()) { }
        }

        /// <summary>The MD5 of <paramref name="count"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/>, as lowercase hex.</summary>
        public static string Compute(byte[] buffer, int offset, int count)
        {
            using (HashAlgorithm md5 = CreateHasher())
                return Compute(md5, buffer, offset, count);
        }

        /// <summary>The same with a hasher the caller reuses (one per thread: hashers are not thread-safe).</summary>
        internal static string Compute(HashAlgorithm md5, byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            return ToHex(md5.ComputeHash(buffer, offset, count));
        }

        /// <summary>Lowercase hex of any bytes.</summary>
        public static string ToHex(byte[] bytes)
        {
            if (bytes == null) throw new ArgumentNullException(nameof(bytes));
            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digits[bytes[i] >> 4];
                chars[2 * i + 1] = Digits[bytes[i] & 0xF];
            }
            return new string(chars);
        }

        /// <summary>
        /// Reads a digest given as 32 hex digits (either case) or as base64 of 16 bytes (24 characters with
        /// padding, 22 without; the URL-safe alphabet too). Surrounding white space and quotes are ignored.
        /// A 32-character string is always hex: base64 of 16 bytes is never 32 characters long.
        /// </summary>
        public static bool TryParse(string text, out byte[] digest)
        {
            digest = null;
            if (text == null) return false;
            string s = text.Trim().Trim('"').Trim();
            if (s.Length == 2 * DigestLength) return TryParseHex(s, out digest);
            if (s.Length == 22) s += "==";
            if (s.Length != 24 || !s.EndsWith("==", StringComparison.Ordinal)) return false;
            s = s.Replace('-', '+').Replace('_', '/');
            foreach (char c in s.Substring(0, 22))
                if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/')) return false;
            try
            {
                byte[] bytes = Convert.FromBase64String(s);
                if (bytes.Length != DigestLength) return false;
                digest = bytes;
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        /// <summary>
        /// Whether two digests are the same 16 bytes, each in any form <see cref="TryParse"/> reads. False
        /// when either cannot be read: an unreadable remote digest means the part is sent again.
        /// </summary>
        public static bool AreEqual(string x, string y)
        {
            if (!TryParse(x, out byte[] a) || !TryParse(y, out byte[] b)) return false;
            int diff = 0;
            for (int i = 0; i < DigestLength; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }

        static bool TryParseHex(string s, out byte[] digest)
        {
            digest = null;
            var bytes = new byte[DigestLength];
            for (int i = 0; i < DigestLength; i++)
            {
                int hi = HexValue(s[2 * i]), lo = HexValue(s[2 * i + 1]);
                if (hi < 0 || lo < 0) return false;
                bytes[i] = (byte)((hi << 4) | lo);
            }
            digest = bytes;
            return true;
        }

        static int HexValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }
    }
}
