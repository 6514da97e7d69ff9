using System.Globalization;
using System.Text;
using VaultStaging.Provider;

namespace VaultStaging.Tests.Provider;

/// <summary>
/// -Encoding on the Vault: drive means what it means to the FileSystem provider of the edition the module runs
/// in: utf8 and default changed meaning between Windows PowerShell 5.1 and PowerShell 7. Both ways, through the seam.
/// </summary>
public sealed class ProviderEncodingTests
{
    static ProviderEncodingTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Fact]
    public void In_Windows_PowerShell_utf8_has_a_BOM_and_default_is_the_ANSI_code_page()
    {
        Encoding utf8 = EncodingArgumentTransformationAttribute.ByName("UTF8", windowsPowerShell: true)!;
        Assert.Equal(65001, utf8.CodePage);
        Assert.Equal(3, utf8.GetPreamble().Length);

        Encoding ansi = EncodingArgumentTransformationAttribute.ByName("Default", windowsPowerShell: true)!;
        Assert.Equal(CultureInfo.CurrentCulture.TextInfo.ANSICodePage, ansi.CodePage);
        Assert.NotEqual(65001, ansi.CodePage);
        Assert.Empty(ansi.GetPreamble());
    }

    [Fact]
    public void In_PowerShell_7_utf8_and_default_are_UTF8_without_a_BOM()
    {
        foreach (string name in new[] { "utf8", "Default" })
        {
            Encoding e = EncodingArgumentTransformationAttribute.ByName(name, windowsPowerShell: false)!;
            Assert.Equal(65001, e.CodePage);
            Assert.Empty(e.GetPreamble());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_explicit_names_mean_the_same_in_both(bool windowsPowerShell)
    {
        Assert.Equal(3, EncodingArgumentTransformationAttribute.ByName("utf8BOM", windowsPowerShell)!.GetPreamble().Length);
        Assert.Empty(EncodingArgumentTransformationAttribute.ByName("utf8NoBOM", windowsPowerShell)!.GetPreamble());
        Assert.Equal(1200, EncodingArgumentTransformationAttribute.ByName("unicode", windowsPowerShell)!.CodePage);
        Assert.Equal(CultureInfo.CurrentCulture.TextInfo.OEMCodePage, EncodingArgumentTransformationAttribute.ByName("oem", windowsPowerShell)!.CodePage);
        Assert.Null(EncodingArgumentTransformationAttribute.ByName("no-such-encoding", windowsPowerShell));
    }

    [Fact]
    public void The_same_text_gives_the_bytes_each_edition_writes_to_a_local_file()
    {
        byte[] Bytes(string name, bool windowsPowerShell)
        {
            Encoding e = EncodingArgumentTransformationAttribute.ByName(name, windowsPowerShell)!;
            return e.GetPreamble().Concat(e.GetBytes("café")).ToArray();
        }
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'c', (byte)'a', (byte)'f', 0xC3, 0xA9 }, Bytes("utf8", true));
        Assert.Equal(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xC3, 0xA9 }, Bytes("utf8", false));
        Assert.Equal(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xC3, 0xA9 }, Bytes("default", false));
        if (CultureInfo.CurrentCulture.TextInfo.ANSICodePage == 1252)
            Assert.Equal(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xE9 }, Bytes("default", true));
    }
}
