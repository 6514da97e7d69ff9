using System.Net;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>The one home of staging path handling.</summary>
public sealed class StagingPathTests
{
    [Theory]
    [InlineData("Folder/File.txt", "/Folder/File.txt")]
    [InlineData("\\Folder\\File.txt", "/Folder/File.txt")]
    [InlineData("/Folder/", "/Folder")]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    public void Normalizes_what_users_type(string typed, string expected) => Assert.Equal(expected, StagingPath.Normalize(typed));

    [Theory]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    [InlineData("/a//b")]
    [InlineData("..")]
    public void Refuses_dot_segments_and_empty_ones(string path)
    {
        var e = Assert.Throws<VaultInputException>(() => StagingPath.ValidateAny(path, "Path"));
        Assert.Equal("Path", e.ParameterName);
    }

    [Fact]
    public void Escapes_each_segment_so_odd_names_round_trip()
    {
        Assert.Equal("a%20b/c%23d/e%25f/g%2Bh/i%3Fj/%C3%BC", StagingPath.Escape("/a b/c#d/e%f/g+h/i?j/ü"));
        Assert.Equal("", StagingPath.Escape("/"));
    }

    [Fact]
    public void Compares_a_non_admins_paths_in_one_form_whichever_form_Vault_lists()
    {
        Assert.True(StagingPath.AreSame("/u10001400/Folder/x.bin", "/Folder/x.bin", 10001400, isAdmin: false));
        Assert.True(StagingPath.AreSame("/Folder/x.bin", "/Folder/x.bin", 10001400, isAdmin: false));
        Assert.False(StagingPath.AreSame("/u10001500/Folder/x.bin", "/Folder/x.bin", 10001400, isAdmin: false));
        // For an admin every path is from the root: /u.../x and /x are two files.
        Assert.False(StagingPath.AreSame("/u10001000/x.bin", "/x.bin", 10001000, isAdmin: true));
    }

    [Fact]
    public void Parents_names_and_relative_paths()
    {
        Assert.Equal("/a/b", StagingPath.ParentOf("/a/b/c.txt"));
        Assert.Equal("/", StagingPath.ParentOf("/c.txt"));
        Assert.Null(StagingPath.ParentOf("/"));
        Assert.Equal("c.txt", StagingPath.NameOf("/a/b/c.txt"));
        Assert.Equal("b/c.txt", StagingPath.RelativeTo("/a/b/c.txt", "/a"));
        Assert.Null(StagingPath.RelativeTo("/ab/c.txt", "/a"));
        Assert.Equal("/a/b/c", StagingPath.Combine("/a/", "b\\c"));
    }

    [Fact]
    public void TLS_12_is_added_to_an_explicit_list_and_the_system_default_is_left_alone()
    {
        Assert.Equal((SecurityProtocolType)0, TransportSettings.WithTls12((SecurityProtocolType)0));
        Assert.Equal(SecurityProtocolType.Tls12 | SecurityProtocolType.Tls13, TransportSettings.WithTls12(SecurityProtocolType.Tls13));
#pragma warning disable SYSLIB0039 // old protocols: exactly what Windows PowerShell 5.1 may start with
        Assert.Equal(SecurityProtocolType.Tls | SecurityProtocolType.Tls12, TransportSettings.WithTls12(SecurityProtocolType.Tls));
#pragma warning restore SYSLIB0039
    }
}
