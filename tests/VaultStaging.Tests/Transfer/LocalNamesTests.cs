using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Transfer;

/// <summary>A remote name can never write outside the destination.</summary>
public sealed class LocalNamesTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "dest");

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("a/../../escape.txt")]
    [InlineData("./x")]
    [InlineData("a//b")]
    [InlineData("a\\..\\..\\x")]
    [InlineData("C:evil.txt")]
    [InlineData("tab\there")]
    public void Refuses_names_that_are_not_plain(string relative)
    {
        var e = Assert.Throws<VaultException>(() => LocalNames.Resolve(Root, relative, "/remote/" + relative));
        Assert.Equal("UNSAFE_NAME", e.ErrorType);
        Assert.Contains("/remote/", e.Message);
    }

    [Theory]
    [InlineData("report.pdf")]
    [InlineData("sub folder/Ünïcødé #1 100%+.txt")]
    [InlineData("a/b/c/d.bin")]
    public void Keeps_plain_names_inside_the_destination(string relative)
    {
        string local = LocalNames.Resolve(Root, relative, "/r/" + relative);
        Assert.StartsWith(Path.GetFullPath(Root) + Path.DirectorySeparatorChar, local);
        Assert.EndsWith(relative.Split('/').Last(), local);
    }

    [Fact]
    public void Windows_rules_apply_only_on_Windows()
    {
        if (LocalNames.WindowsRules)
        {
            Assert.Throws<VaultException>(() => LocalNames.Check("CON.txt", "/r/CON.txt"));
            Assert.Throws<VaultException>(() => LocalNames.Check("a?b", "/r/a?b"));
            Assert.Throws<VaultException>(() => LocalNames.Check("trailing.", "/r/trailing."));
        }
        else
        {
            LocalNames.Check("a?b", "/r/a?b");
            LocalNames.Check("CON.txt", "/r/CON.txt");
        }
    }
}
