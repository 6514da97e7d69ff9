using Newtonsoft.Json.Linq;
using VaultStaging.Diagnostics;

namespace VaultStaging.Tests.Diagnostics;

/// <summary>How Test-VaultConnection names a vault's forms from raw answers, including answers that fit neither form.</summary>
public sealed class ObservedFormsTests
{
    private const long Jane = 10001400;

    [Theory]
    [InlineData(new[] { "/u10001400/a/x.bin", "/u10001400/b.bin" }, "Absolute")]
    [InlineData(new[] { "/a/x.bin", "/b.bin" }, "Relative")]
    [InlineData(new[] { "/u10001400/a/x.bin", "/b.bin" }, "Mixed")]
    [InlineData(new[] { "/u100014000/x.bin" }, "Relative")] // another id that merely starts the same
    [InlineData(new string[0], null)]
    public void Path_form(string[] paths, string? expected) =>
        Assert.Equal(expected, ObservedForms.PathForm(paths, Jane));

    [Fact]
    public void Reference_listing_folders_without_slash_and_recursive_with_folders()
    {
        var plain = JArray.Parse("""[{"kind":"folder","path":"/t/sub","name":"sub"},{"kind":"file","path":"/t/a.bin","name":"a.bin","size":1}]""");
        var recursive = JArray.Parse("""[{"kind":"file","path":"/t/a.bin"},{"kind":"folder","path":"/t/sub"},{"kind":"file","path":"/t/sub/in.bin"}]""");
        Assert.Equal("Reference", ObservedForms.ShapeOf(plain, recursive, "/t", Jane, isAdmin: false).Form);
    }

    [Fact]
    public void Recorded_listing_in_absolute_paths_folders_with_slash_and_recursive_files_alone()
    {
        var plain = JArray.Parse("""[{"kind":"folder","path":"/u10001400/t/sub/"},{"kind":"file","path":"/u10001400/t/a.bin"}]""");
        var recursive = JArray.Parse("""[{"kind":"file","path":"/u10001400/t/a.bin"},{"kind":"file","path":"/u10001400/t/sub/in.bin"}]""");
        var shape = ObservedForms.ShapeOf(plain, recursive, "/t", Jane, isAdmin: false);
        Assert.Equal("Recorded", shape.Form);
        Assert.True(shape.FolderSlash);
        Assert.False(shape.RecursiveFolders);
    }

    [Fact]
    public void Signs_of_both_forms_are_Mixed_and_no_sign_is_nothing()
    {
        var plain = JArray.Parse("""[{"kind":"folder","path":"/t/sub/"}]""");
        var recursive = JArray.Parse("""[{"kind":"folder","path":"/t/sub"},{"kind":"file","path":"/t/sub/in.bin"}]""");
        Assert.Equal("Mixed", ObservedForms.ShapeOf(plain, recursive, "/t", Jane, isAdmin: false).Form);
        var files = JArray.Parse("""[{"kind":"file","path":"/t/a.bin"}]""");
        Assert.Null(ObservedForms.ShapeOf(files, files, "/t", Jane, isAdmin: false).Form);
    }
}
