using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>New-PSDrive -PSProvider VaultStaging: the connection the drive stays on.</summary>
    public sealed class VaultDriveParameters
    {
        /// <summary>The connection of the new drive (Connect-Vault -PassThru). Without it the drive follows the runspace's default connection, as Vault: does.</summary>
        [Parameter]
        [ValidateNotNull]
        [LiveConnection]
        public VaultConnection Connection { get; set; }
    }

    /// <summary>
    /// The dynamic parameters object of one command (Get-ChildItem, Remove-Item, Test-Path...): PowerShell keeps it for the
    /// whole command and hands it to every provider call the command makes, so it also carries the listings
    /// that command already read. That makes a walk PowerShell does folder by folder (-Include, -Exclude,
    /// -Name with -Recurse) cost one recursive listing, and the cache ends with the command.
    /// </summary>
    public abstract class VaultCommandScope
    {
        internal CommandListings Listings { get; } = new CommandListings();

        /// <summary>When PowerShell made this object for its command (a Stopwatch timestamp).</summary>
        internal long Made { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

        /// <summary>Whether the command recurses (Get-ChildItem -Recurse / -Depth; Remove-Item -Recurse).</summary>
        internal bool Recurse { get; set; }
    }

    /// <summary>Get-ChildItem on a Vault drive: -File and -Directory, as on the file system.</summary>
    public sealed class VaultChildItemParameters : VaultCommandScope
    {
        /// <summary>Files only.</summary>
        [Parameter]
        [Alias("af")]
        public SwitchParameter File { get; set; }

        /// <summary>Folders only.</summary>
        [Parameter]
        [Alias("ad")]
        public SwitchParameter Directory { get; set; }

        internal bool Wants(StagingItem item) =>
            item.IsFolder ? !File.IsPresent || Directory.IsPresent : !Directory.IsPresent || File.IsPresent;
    }

    /// <summary>Test-Path, Get-Item, New-Item, Rename-Item and Move-Item on a Vault drive: no parameters of their own, only what the command looked up.</summary>
    public sealed class VaultItemParameters : VaultCommandScope
    {
    }

    /// <summary>Remove-Item on a Vault drive: no parameters of its own, only the command's listings.</summary>
    public sealed class VaultRemoveItemParameters : VaultCommandScope
    {
    }

    /// <summary>Get-Content on a Vault drive.</summary>
    public sealed class VaultContentReaderParameters : VaultCommandScope
    {
        /// <summary>The text encoding (a BOM in the file wins); UTF-8 when not given.</summary>
        [Parameter]
        [EncodingArgumentTransformation]
        public Encoding Encoding { get; set; }

        /// <summary>The whole file as one string, line breaks kept.</summary>
        [Parameter]
        public SwitchParameter Raw { get; set; }
    }

    /// <summary>Set-Content on a Vault drive.</summary>
    public sealed class VaultContentWriterParameters : VaultCommandScope
    {
        /// <summary>The text encoding; UTF-8 without BOM when not given.</summary>
        [Parameter]
        [EncodingArgumentTransformation]
        public Encoding Encoding { get; set; }

        /// <summary>No line break after each value.</summary>
        [Parameter]
        public SwitchParameter NoNewline { get; set; }
    }

    /// <summary>
    /// -Encoding as on the file system: a name (utf8, utf8BOM, utf8NoBOM, ascii, unicode, bigendianunicode, utf32,
    /// latin1, default, ansi, oem), a code page number or an Encoding object. utf8 and default mean what they mean
    /// to the FileSystem provider of the edition the module runs in (see <see cref="ByName"/>).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class EncodingArgumentTransformationAttribute : ArgumentTransformationAttribute
    {
        static readonly Dictionary<string, Func<Encoding>> Names = new Dictionary<string, Func<Encoding>>(StringComparer.OrdinalIgnoreCase)
        {
            ["utf8NoBOM"] = () => new UTF8Encoding(false),
            ["utf8BOM"] = () => new UTF8Encoding(true),
            ["ascii"] = () => new ASCIIEncoding(),
            ["unicode"] = () => new UnicodeEncoding(false, true),
            ["bigendianunicode"] = () => new UnicodeEncoding(true, true),
            ["utf32"] = () => new UTF32Encoding(false, true),
            ["bigendianutf32"] = () => new UTF32Encoding(true, true),
            ["latin1"] = () => Encoding.GetEncoding(28591),
            ["ansi"] = () => Encoding.GetEncoding(CultureInfo.CurrentCulture.TextInfo.ANSICodePage),
            ["oem"] = () => Encoding.GetEncoding(CultureInfo.CurrentCulture.TextInfo.OEMCodePage),
        };

        /// <summary>
        /// The encoding a name means in one edition. Two names changed meaning between them: in Windows PowerShell 5.1
        /// utf8 is UTF-8 with a BOM and default the system's ANSI code page (Windows-1252 in western Europe and the
        /// Americas); in PowerShell 7 utf8 is UTF-8 without a BOM, and default is UTF-8 without a BOM too. A script
        /// written for one edition then writes the same bytes to the vault as it would to a local file.
        /// </summary>
        internal static Encoding ByName(string name, bool windowsPowerShell)
        {
            string text = name.Trim();
            if (string.Equals(text, "utf8", StringComparison.OrdinalIgnoreCase)) return new UTF8Encoding(windowsPowerShell);
            if (string.Equals(text, "default", StringComparison.OrdinalIgnoreCase))
                return windowsPowerShell ? Encoding.GetEncoding(CultureInfo.CurrentCulture.TextInfo.ANSICodePage) : new UTF8Encoding(false);
            return Names.TryGetValue(text, out Func<Encoding> make) ? make() : null;
        }

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (value)
            {
                case null:
                case Encoding _:
                    return value;
                case int codePage:
                    return Encoding.GetEncoding(codePage);
                case string text:
                    Encoding named = ByName(text, TransportSettings.IsNetFramework);
                    if (named != null) return named;
                    if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number)) return Encoding.GetEncoding(number);
                    try
                    {
                        return Encoding.GetEncoding(text.Trim());
                    }
                    catch (ArgumentException)
                    {
                        throw new ArgumentTransformationMetadataException(
                            $"'{text}' is not an encoding. Use utf8, utf8BOM, utf8NoBOM, ascii, unicode, bigendianunicode, utf32, latin1, default, ansi, oem, a code page number or an encoding name.");
                    }
            }
            return value;
        }
    }
}
