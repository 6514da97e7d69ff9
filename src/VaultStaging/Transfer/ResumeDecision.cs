using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace VaultStaging.Transfer
{
    /// <summary>One part Vault already holds for a session, as Get-VaultUploadSessionPart lists it.</summary>
    internal sealed class RemotePart
    {
        public RemotePart(int partNumber, long size, string md5)
        {
            PartNumber = partNumber;
            Size = size;
            Md5 = md5;
        }

        public int PartNumber { get; }
        public long Size { get; }

        /// <summary>Vault's <c>part_content_md5</c>: 32 lowercase hex digits (base64 is tolerated).</summary>
        public string Md5 { get; }

        public override string ToString() => $"part {PartNumber}: {Size} bytes, MD5 {Md5}";
    }

    /// <summary>
    /// Whether an existing upload session can be continued for the local file, and if so which parts
    /// still have to be sent. When <see cref="CanResume"/> is false the caller aborts that session and
    /// creates a new one, and <see cref="PartsToSend"/> is every part of the plan.
    /// </summary>
    internal sealed class ResumeDecision
    {
        internal ResumeDecision(bool canResume, string reason, IReadOnlyList<int> partsToSend, IReadOnlyList<int> partsAlreadyThere,
            IReadOnlyList<int> partsToReplace, long bytesAlreadyThere, long bytesToSend)
        {
            CanResume = canResume;
            Reason = reason;
            PartsToSend = partsToSend;
            PartsAlreadyThere = partsAlreadyThere;
            PartsToReplace = partsToReplace;
            BytesAlreadyThere = bytesAlreadyThere;
            BytesToSend = bytesToSend;
        }

        /// <summary>True: continue the session, sending <see cref="PartsToSend"/>. False: start over with a new session.</summary>
        public bool CanResume { get; }

        /// <summary>Why, in a sentence for -Verbose.</summary>
        public string Reason { get; }

        /// <summary>The part numbers to send, ascending (the order Vault requires).</summary>
        public IReadOnlyList<int> PartsToSend { get; }

        /// <summary>Parts Vault holds that match the local file by size and MD5: not sent again.</summary>
        public IReadOnlyList<int> PartsAlreadyThere { get; }

        /// <summary>Parts Vault holds whose MD5 differs from the local file's (a subset of <see cref="PartsToSend"/>): sending them replaces them.</summary>
        public IReadOnlyList<int> PartsToReplace { get; }

        /// <summary>The bytes of <see cref="PartsAlreadyThere"/>: where progress starts.</summary>
        public long BytesAlreadyThere { get; }

        /// <summary>The bytes of <see cref="PartsToSend"/>.</summary>
        public long BytesToSend { get; }

        public override string ToString() => Reason;

        /// <summary>"1-3, 7, 9-12": part lists stay short in messages even for thousands of parts.</summary>
        internal static string Ranges(IEnumerable<int> numbers)
        {
            var sb = new StringBuilder();
            int[] sorted = numbers.OrderBy(n => n).ToArray();
            for (int i = 0; i < sorted.Length; i++)
            {
                int start = sorted[i];
                while (i + 1 < sorted.Length && sorted[i + 1] == sorted[i] + 1) i++;
                if (sb.Length > 0) sb.Append(", ");
                sb.Append(start.ToString(CultureInfo.InvariantCulture));
                if (sorted[i] != start) sb.Append('-').Append(sorted[i].ToString(CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
