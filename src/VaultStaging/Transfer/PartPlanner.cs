using System;
using System.Globalization;
using System.Text.RegularExpressions;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// Cuts a file into the parts of a Vault upload session. Vault's rules (vault-api.md): every part
    /// at least 5 MiB except the last, all the same size except the last, at most 50 MiB, at most
    /// 2000 parts before API v26.2 and 9616 from v26.2, files up to 500 GB. Everything is checked here,
    /// before any call, so bad input never creates a session that would then fail half way.
    /// </summary>
    public static class PartPlanner
    {
        /// <summary>One mebibyte. Part sizes are MiB because Veeva's own tools send 5, 25 and 50 MiB parts.</summary>
        public const long MiB = 1024 * 1024;

        /// <summary>The smallest part Vault takes, except for the last part of a file.</summary>
        public const long MinPartSize = 5 * MiB;

        /// <summary>The largest part before API v26.2: "50 MB", read as MiB like Veeva's own tools do.</summary>
        public const long MaxPartSizeBeforeV262 = 50 * MiB;

        /// <summary>
        /// The largest part from API v26.2. That reference says "up to 52MB"; read in decimal it is
        /// 52,000,000 bytes, which is less than 50 MiB. Taking it keeps every part within both readings
        /// of both references (the emulator enforces the same number).
        /// </summary>
        public const long MaxPartSizeFromV262 = 52000000;

        /// <summary>The most parts in one upload session before API v26.2.</summary>
        public const int MaxPartCountBeforeV262 = 2000;

        /// <summary>The most parts in one upload session from API v26.2.</summary>
        public const int MaxPartCountFromV262 = 9616;

        /// <summary>
        /// The largest file an upload session takes: "500 GB". Decimal, because Vault's own v26.2 limits
        /// are built for exactly that: 9616 parts of 52,000,000 bytes are 500,032,000,000 bytes, just
        /// over 500 * 1000^3 and well short of 500 GiB (536,870,912,000), so a file between the two
        /// could not be cut into parts Vault accepts anyway. Refusing it here gives one clear message.
        /// </summary>
        public const long MaxFileSize = 500L * 1000 * 1000 * 1000;

        static readonly Regex VersionPattern = new Regex(@"^\s*[vV]?(\d{1,4})\.(\d{1,4})\s*$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Plans the parts of a file of <paramref name="fileSize"/> bytes for <paramref name="apiVersion"/>
        /// (e.g. "v26.1"). Without <paramref name="partSize"/> the part size is the smallest MiB multiple
        /// from 5 MiB that keeps the part count within the version's limit: small parts mean little memory
        /// per file in flight and little to send again when a part fails. <paramref name="fileName"/> only
        /// makes error messages name the file.
        /// </summary>
        /// <exception cref="VaultInputException">
        /// An empty file or one over 500 GB or over what the API version can take (parameter "Path"), a
        /// part size out of bounds or giving too many parts (parameter "PartSize"), a version that is not
        /// like "v26.1" (parameter "ApiVersion").
        /// </exception>
        public static PartPlan Plan(long fileSize, string apiVersion, long? partSize = null, string fileName = null) =>
            PlanChecked(fileSize, apiVersion, partSize, fileName, "Path");

        /// <summary>
        /// Whether an upload session for a file of <paramref name="fileSize"/> bytes can be made with
        /// <paramref name="apiVersion"/>: the one check Send-VaultFile and New-VaultUploadSession share. The error
        /// names <paramref name="sizeParameter"/>, the parameter that gave the size.
        /// </summary>
        public static void CheckFileSize(long fileSize, string apiVersion, string sizeParameter) =>
            PlanChecked(fileSize, apiVersion, null, null, sizeParameter);

        /// <summary>Whether <paramref name="partSize"/> is within the bounds of <paramref name="apiVersion"/>, whatever the file: -PartSize checked once per command.</summary>
        public static void CheckPartSize(long partSize, string apiVersion) =>
            PlanChecked(MinPartSize, apiVersion, partSize, null, "PartSize");

        static PartPlan PlanChecked(long fileSize, string apiVersion, long? partSize, string fileName, string sizeParameter)
        {
            if (fileSize < 0) throw new ArgumentOutOfRangeException(nameof(fileSize), fileSize, "A file size cannot be negative.");
            bool v262 = IsAtLeastV262(apiVersion);
            int maxCount = v262 ? MaxPartCountFromV262 : MaxPartCountBeforeV262;
            long maxPart = v262 ? MaxPartSizeFromV262 : MaxPartSizeBeforeV262;
            string version = NormalizeVersion(apiVersion);
            string theFile = fileName == null ? "The file" : "The file '" + fileName + "'";

            if (fileSize == 0)
                throw new VaultInputException(sizeParameter,
                    theFile + " is empty (0 bytes). Vault cannot take an empty file through an upload session: its size must be at least 1 byte.");
            if (fileSize > MaxFileSize)
                throw new VaultInputException(sizeParameter,
                    $"{theFile} is {Bytes(fileSize)}; Vault upload sessions take files of at most 500 GB ({Bytes(MaxFileSize)}).");

            long needed = CeilDiv(fileSize, maxCount); // the smallest part size that keeps the count within the limit
            if (needed > maxPart)
                throw new VaultInputException(sizeParameter,
                    $"{theFile} is {Bytes(fileSize)}; with API {version} an upload session takes at most {maxCount} parts of at most " +
                    $"{Bytes(maxPart)}, that is {Bytes(maxCount * maxPart)}." +
                    (v262 ? "" : $" Connect with -ApiVersion v26.2 or later, which allows {MaxPartCountFromV262} parts of up to {Bytes(MaxPartSizeFromV262)}."));

            long defaultSize = Math.Min(maxPart, Math.Max(MinPartSize, CeilDiv(needed, MiB) * MiB));
            if (partSize == null)
                return new PartPlan(fileSize, defaultSize, version, maxCount);

            long requested = partSize.Value;
            if (requested < MinPartSize || requested > maxPart)
                throw new VaultInputException("PartSize",
                    $"The part size {Bytes(requested)} is out of bounds: with API {version} a part must be from {Bytes(MinPartSize)} " +
                    $"to {Bytes(maxPart)}.");
            long count = CeilDiv(fileSize, requested);
            if (count > maxCount)
                throw new VaultInputException("PartSize",
                    $"A part size of {Bytes(requested)} cuts {(fileName == null ? "the file" : "'" + fileName + "'")} ({Bytes(fileSize)}) into " +
                    $"{count} parts, but API {version} allows at most {maxCount}. Use a part size of at least {Bytes(defaultSize)}, " +
                    "or leave the part size out to get that one.");
            return new PartPlan(fileSize, requested, version, maxCount);
        }

        /// <summary>The most parts one upload session may have with this API version.</summary>
        public static int MaxPartCount(string apiVersion) => IsAtLeastV262(apiVersion) ? MaxPartCountFromV262 : MaxPartCountBeforeV262;

        /// <summary>The largest part this API version takes.</summary>
        public static long MaxPartSize(string apiVersion) => IsAtLeastV262(apiVersion) ? MaxPartSizeFromV262 : MaxPartSizeBeforeV262;

        /// <summary>Whether the version (e.g. "v26.2", "26.2") has v26.2's part limits.</summary>
        /// <exception cref="VaultInputException">The version is not like "v26.1" (parameter "ApiVersion").</exception>
        public static bool IsAtLeastV262(string apiVersion)
        {
            ParseVersion(apiVersion, out int major, out int minor);
            return major > 26 || (major == 26 && minor >= 2);
        }

        static string NormalizeVersion(string apiVersion)
        {
            ParseVersion(apiVersion, out int major, out int minor);
            return "v" + major.ToString(CultureInfo.InvariantCulture) + "." + minor.ToString(CultureInfo.InvariantCulture);
        }

        static void ParseVersion(string apiVersion, out int major, out int minor)
        {
            Match m = apiVersion == null ? Match.Empty : VersionPattern.Match(apiVersion);
            if (!m.Success)
                throw new VaultInputException("ApiVersion",
                    $"'{apiVersion}' is not a Vault API version; give one like v26.1.");
            major = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            minor = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        static long CeilDiv(long a, long b) => (a + b - 1) / b;

        /// <summary>"52,428,800 bytes (50 MiB)": exact bytes for scripts, MiB for people.</summary>
        internal static string Bytes(long bytes)
        {
            string exact = bytes.ToString("N0", CultureInfo.InvariantCulture) + (bytes == 1 ? " byte" : " bytes");
            if (Math.Abs(bytes) < MiB) return exact;
            double mib = bytes / (double)MiB;
            return exact + " (" + mib.ToString(bytes % MiB == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + " MiB)";
        }
    }
}
