using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// Decides how to continue an upload session that already holds parts (a run stopped by Ctrl+C or a
    /// killed process), checking every part Vault holds against the local file by size and MD5.
    /// <para>
    /// Whether the session can be resumed at all: it must be for a file of the same size, hold no part
    /// number beyond the plan's last, and every part it holds must have the plan's length for that number
    /// (the plan's part size, or the last part's size). A part cannot be deleted from a session, and Vault
    /// wants all parts but the last of one size, so a session cut with another part size, or for another
    /// size of file, cannot be turned into this file: the caller aborts it and starts a new one.
    /// </para>
    /// <para>
    /// Which parts to send: those missing and those whose MD5 differs, in ascending order, and nothing
    /// else. That order is always one Vault accepts: it takes a part numbered up to one past the highest it
    /// holds, and sending a number it holds replaces that part. A part to replace is at or below the highest;
    /// a missing part above the highest follows the parts just below it, which are themselves either held
    /// or sent earlier in the same ascending pass. So parts after a bad one need not be sent again.
    /// </para>
    /// </summary>
    internal static class ResumePlanner
    {
        /// <summary>The decision for a brand-new session: every part to send.</summary>
        public static ResumeDecision ForNewSession(PartPlan plan, string reason = null)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            int[] all = plan.Parts.Select(p => p.PartNumber).ToArray();
            return new ResumeDecision(false, reason ?? $"New upload session: sending {plan}.",
                all, Array.Empty<int>(), Array.Empty<int>(), 0, plan.FileSize);
        }

        /// <summary>
        /// Decides with <paramref name="localMd5Hex"/> giving the local MD5 of a part number. It is asked
        /// only for parts Vault holds with the planned length, in ascending order.
        /// </summary>
        /// <param name="plan">The plan for the local file (same API version and part size as the session's parts).</param>
        /// <param name="remoteFileSize">The session's <c>size</c>.</param>
        /// <param name="remoteParts">The parts Vault lists for the session, in any order.</param>
        /// <param name="localMd5Hex">The MD5 of a part of the local file, as hex.</param>
        public static ResumeDecision Decide(PartPlan plan, long remoteFileSize, IEnumerable<RemotePart> remoteParts, Func<int, string> localMd5Hex)
        {
            if (localMd5Hex == null) throw new ArgumentNullException(nameof(localMd5Hex));
            ResumeDecision refused = CheckResumable(plan, remoteFileSize, remoteParts, out SortedDictionary<int, RemotePart> held);
            if (refused != null) return refused;
            var local = new Dictionary<int, string>();
            foreach (int number in held.Keys) local[number] = localMd5Hex(number);
            return Compare(plan, held, local);
        }

        /// <summary>
        /// Decides by reading the parts Vault holds from the local file at <paramref name="path"/> with a
        /// <see cref="PartReader"/> (read-ahead overlaps reading with hashing). Resuming a large upload thus
        /// reads what was uploaded once: the price of never trusting a part that differs.
        /// </summary>
        public static async Task<ResumeDecision> DecideAsync(PartPlan plan, long remoteFileSize, IEnumerable<RemotePart> remoteParts, string path,
            int readAhead = 1, CancellationToken cancellationToken = default)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            ResumeDecision refused = CheckResumable(plan, remoteFileSize, remoteParts, out SortedDictionary<int, RemotePart> held);
            if (refused != null) return refused;
            var local = new Dictionary<int, string>();
            using (var reader = new PartReader(path, plan, readAhead, held.Keys))
            {
                FilePart part;
                while ((part = await reader.NextAsync(cancellationToken).ConfigureAwait(false)) != null)
                    using (part)
                        local[part.PartNumber] = part.Md5Hex;
            }
            return Compare(plan, held, local);
        }

        /// <summary>Null when the session can be resumed, else the decision to start over.</summary>
        static ResumeDecision CheckResumable(PartPlan plan, long remoteFileSize, IEnumerable<RemotePart> remoteParts,
            out SortedDictionary<int, RemotePart> held)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            held = new SortedDictionary<int, RemotePart>();

            if (remoteFileSize != plan.FileSize)
                return StartOver(plan, $"the session is for a file of {PartPlanner.Bytes(remoteFileSize)}, the local file has {PartPlanner.Bytes(plan.FileSize)}");

            foreach (RemotePart part in remoteParts ?? Enumerable.Empty<RemotePart>())
            {
                if (part == null) continue;
                if (part.PartNumber < 1 || part.PartNumber > plan.PartCount)
                    return StartOver(plan, $"it holds part {part.PartNumber}, but the local file has parts 1 to {plan.PartCount} ({plan})");
                long expected = plan.GetPart(part.PartNumber).Length;
                if (part.Size != expected)
                    return StartOver(plan, $"its part {part.PartNumber} is {PartPlanner.Bytes(part.Size)} where the plan has {PartPlanner.Bytes(expected)} " +
                                           $"({plan}); it was uploaded with another part size");
                if (held.TryGetValue(part.PartNumber, out RemotePart same))
                {
                    // A page listed twice is harmless; two different parts under one number is not Vault's state we know.
                    if (same.Size != part.Size || !string.Equals(same.Md5, part.Md5, StringComparison.OrdinalIgnoreCase))
                        return StartOver(plan, $"Vault lists part {part.PartNumber} twice with different contents");
                    continue;
                }
                held.Add(part.PartNumber, part);
            }
            return null;
        }

        static ResumeDecision StartOver(PartPlan plan, string why) =>
            ForNewSession(plan, $"Cannot resume the upload session: {why}. Starting over with a new session.");

        static ResumeDecision Compare(PartPlan plan, SortedDictionary<int, RemotePart> held, IDictionary<int, string> localMd5)
        {
            var send = new List<int>();
            var there = new List<int>();
            var replace = new List<int>();
            long bytesThere = 0, bytesToSend = 0;
            foreach (PlannedPart p in plan.Parts)
            {
                if (held.TryGetValue(p.PartNumber, out RemotePart remote))
                {
                    localMd5.TryGetValue(p.PartNumber, out string local);
                    if (local != null && Md5Hex.AreEqual(local, remote.Md5))
                    {
                        there.Add(p.PartNumber);
                        bytesThere += p.Length;
                        continue;
                    }
                    replace.Add(p.PartNumber);
                }
                send.Add(p.PartNumber);
                bytesToSend += p.Length;
            }

            string reason;
            if (send.Count == 0)
                reason = $"All {plan.PartCount} parts ({PartPlanner.Bytes(bytesThere)}) are already uploaded and match the local file by MD5; nothing to send.";
            else if (there.Count == 0 && replace.Count == 0)
                reason = $"The upload session holds no parts yet; sending all {plan.PartCount}.";
            else
            {
                reason = $"Resuming: {there.Count} of {plan.PartCount} parts ({PartPlanner.Bytes(bytesThere)}) are already uploaded and match the local file by MD5";
                int missing = send.Count - replace.Count;
                reason += $"; sending {send.Count} ({PartPlanner.Bytes(bytesToSend)})";
                if (replace.Count > 0) reason += $", of which {replace.Count} to replace because the MD5 differs: {ResumeDecision.Ranges(replace)}";
                if (missing > 0) reason += (replace.Count > 0 ? ", and " : ", ") + $"{missing} missing: {ResumeDecision.Ranges(send.Except(replace))}";
                reason += ".";
            }
            return new ResumeDecision(true, reason, send, there, replace, bytesThere, bytesToSend);
        }
    }
}
