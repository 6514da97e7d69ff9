using System.Security.Cryptography;
using VaultStaging.Transfer;

namespace VaultStaging.Tests.Transfer;

/// <summary>The MD5 used where the FIPS policy refuses the platform's: the same digests, and chosen only then.</summary>
public sealed class ManagedMd5Tests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(5 * 1024 * 1024 + 3)]
    public void Gives_the_same_digest_as_the_platform(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        using var managed = new ManagedMd5();
        Assert.Equal(MD5.HashData(data), managed.ComputeHash(data));
    }

    [Fact]
    public void Gives_the_same_digest_when_fed_in_odd_slices()
    {
        var data = new byte[10_000];
        new Random(7).NextBytes(data);
        using var managed = new ManagedMd5();
        int offset = 0;
        foreach (int slice in new[] { 1, 63, 64, 65, 127, 3000, 5 })
        {
            managed.TransformBlock(data, offset, slice, null, 0);
            offset += slice;
        }
        managed.TransformFinalBlock(data, offset, data.Length - offset);
        Assert.Equal(MD5.HashData(data), managed.Hash);
    }

    [Fact]
    public void Is_used_when_the_platform_refuses_MD5_as_FIPS_mode_does()
    {
        var original = Md5Hex.SystemMd5;
        try
        {
            Md5Hex.SystemMd5 = () => throw new InvalidOperationException("This implementation is not part of the Windows Platform FIPS validated cryptographic algorithms.");
            using var hasher = Md5Hex.CreateHasher();
            Assert.IsType<ManagedMd5>(hasher);
            Assert.Equal("900150983cd24fb0d6963f7d28e17f72", Md5Hex.Compute("abc"u8.ToArray(), 0, 3));
        }
        finally
        {
            Md5Hex.SystemMd5 = original;
        }
        using var normal = Md5Hex.CreateHasher();
        Assert.IsNotType<ManagedMd5>(normal);
    }
}
