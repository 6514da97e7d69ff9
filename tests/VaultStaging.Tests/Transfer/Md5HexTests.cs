using System;
using System.Security.Cryptography;
using System.Text;
using VaultStaging.Transfer;
using Xunit;

namespace VaultStaging.Tests.Transfer
{
    public class Md5HexTests
    {
        // RFC 1321 test vector.
        const string AbcHex = "900150983cd24fb0d6963f7d28e17f72";

        [Fact]
        public void Compute_is_lowercase_hex_of_the_slice()
        {
            byte[] bytes = Encoding.ASCII.GetBytes("xxabcyy");
            Assert.Equal(AbcHex, Md5Hex.Compute(bytes, 2, 3));
            Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", Md5Hex.Compute(bytes, 0, 0));
        }

        [Fact]
        public void Compute_matches_the_framework_on_random_data()
        {
            var data = new byte[100_003];
            new Random(3).NextBytes(data);
            string expected = Convert.ToHexString(MD5.HashData(data.AsSpan(17, 90_000))).ToLowerInvariant();
            Assert.Equal(expected, Md5Hex.Compute(data, 17, 90_000));
        }

        [Theory]
        [InlineData(AbcHex)]
        [InlineData("900150983CD24FB0D6963F7D28E17F72")]
        [InlineData("900150983Cd24fB0D6963f7d28E17F72")]
        [InlineData("kAFQmDzST7DWlj99KOF/cg==")]   // base64 of the same 16 bytes
        [InlineData("kAFQmDzST7DWlj99KOF/cg")]     // unpadded
        [InlineData("kAFQmDzST7DWlj99KOF_cg==")]   // URL-safe alphabet
        [InlineData("  \"900150983cd24fb0d6963f7d28e17f72\" ")]
        public void The_same_digest_in_any_accepted_form_is_equal(string remote)
        {
            Assert.True(Md5Hex.AreEqual(AbcHex, remote));
            Assert.True(Md5Hex.AreEqual(remote, AbcHex));
        }

        [Theory]
        [InlineData("900150983cd24fb0d6963f7d28e17f73")]   // last digit differs
        [InlineData("d41d8cd98f00b204e9800998ecf8427e")]
        [InlineData("1B2M2Y8AsgTpgAmY7PhCfg==")]           // base64 of another digest
        public void A_different_digest_is_not_equal(string remote)
        {
            Assert.False(Md5Hex.AreEqual(AbcHex, remote));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("not an md5")]
        [InlineData("900150983cd24fb0d6963f7d28e17f7")]     // 31 digits
        [InlineData("900150983cd24fb0d6963f7d28e17f722")]   // 33 digits
        [InlineData("900150983cd24fb0d6963f7d28e17fzz")]   // not hex
        [InlineData("kAFQmDzST7DWlj99KOF/c===")]
        [InlineData("kAFQmDzST7DWlj99KOF/c!==")]
        [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]   // base64 of 22 bytes
        public void Garbage_never_matches_not_even_itself(string? garbage)
        {
            Assert.False(Md5Hex.TryParse(garbage, out _));
            Assert.False(Md5Hex.AreEqual(AbcHex, garbage));
            Assert.False(Md5Hex.AreEqual(garbage, garbage));
        }

        [Fact]
        public void TryParse_gives_the_16_bytes()
        {
            Assert.True(Md5Hex.TryParse("kAFQmDzST7DWlj99KOF/cg==", out byte[] digest));
            Assert.Equal(AbcHex, Md5Hex.ToHex(digest));
        }
    }
}
