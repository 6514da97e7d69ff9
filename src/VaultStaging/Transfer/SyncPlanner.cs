using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace VaultStaging.Transfer
{
    /// <summary>Which side a sync makes match the other.</summary>
    public enum SyncDirection
    {
        /// <summary>The staging folder is made to match the local folder.</summary>
        Upload,
        /// <summary>The local folder is made to match the staging folder.</summary>
        Download,
    }

    /// <summary>What a sync does (or did) with one file or folder: Uploaded or Downloaded, Skipped, Deleted or Failed.</summary>
    public sealed class SyncRecord
    {
        public string Action { get; set; }
        public SyncDirection Direction { get; set; }
        public StagingItemKind Kind { get; set; }
        /// <summary>The path below the two roots, '/'-separated.</summary>
        public string RelativePath { get; set; }
        public string LocalPath { get; set; }
        public string StagingPath { get; set; }
        public long? Size { get; set; }
        /// <summary>When the source copy last changed (local time): what a download gives the local file.</summary>
        public DateTime? ModifiedDate { get; set; }
        /// <summary>Why: "missing on the target", "size differs", "newer on the source", "unchanged", "not on the source", or the error.</summary>
        public string Reason { get; set; }

        public override string ToString() => $"{Action} {RelativePath}: {Reason}";
    }

    /// <summary>A file or folder of the local tree, with its path below the root.</summary>
    internal sealed class LocalEntry
    {
        public string RelativePath { get; set; }
        public string FullPath { get; set; }
        public bool IsFolder { get; set; }
        public long Size { get; set; }
        public DateTime LastWriteTimeUtc { get; set; }
        /// <summary>Hidden, System, ReparsePoint (a link)...: as the file system gave them.</summary>
        public FileAttributes Attributes { get; set; }
    }

    /// <summary>What a sync will do: files to send, folders to make on the target, what to delete, what is left alone.</summary>
    internal sealed class SyncPlan
    {
        public List<SyncRecord> Send { get; } = new List<SyncRecord>();
        public List<SyncRecord> Skip { get; } = new List<SyncRecord>();
        public List<SyncRecord> MakeFolders { get; } = new List<SyncRecord>();
        public List<SyncRecord> Delete { get; } = new List<SyncRecord>();
        public List<SyncRecord> Conflicts { get; } = new List<SyncRecord>();
        /// <summary>Remote items whose name this file system cannot hold (a download): each Failed, with the error to write; the rest syncs.</summary>
        public List<KeyValuePair<SyncRecord, Vault.VaultException>> Refused { get; } = new List<KeyValuePair<SyncRecord, Vault.VaultException>>();
        /// <summary>Folders the target already has (relative paths), so nothing asks for them again.</summary>
        public List<string> TargetFolders { get; } = new List<string>();
        /// <summary>What the filters (or a folder that could not be read) left out, on either side: neither sent nor deleted.</summary>
        public List<string> LeftOut { get; } = new List<string>();
    }

    /// <summary>
    /// Compares a local tree with a staging tree, like robocopy /MIR or rclone sync: a source file is sent
    /// when the target lacks it, its size differs, or the source copy is newer than the target copy (by
    /// more than 2 seconds: Vault keeps whole seconds, some file systems two); anything else is skipped
    /// without a call. With delete, target files and folders the source lacks are removed (a folder once,
    /// with what is in it). A file on one side where the other has a folder is a conflict: nothing at or below
    /// that path is sent, made or deleted. Names match exactly, or ignoring case where the local file system does.
    /// What <c>leavesOut</c> names (-Include/-Exclude, a folder that could not be read) is out of the sync on
    /// both sides: never sent, never deleted, and a target folder holding any of it is not deleted whole
    /// (as rclone without --delete-excluded). Plain C#: no calls, no disk.
    /// </summary>
    internal static class SyncPlanner
    {
        static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(2);

        public static SyncPlan Plan(SyncDirection direction, string localRoot, string stagingRoot,
            IEnumerable<LocalEntry> local, IEnumerable<StagingItem> remote, bool delete, LocalNameRules rules = null,
            Func<string, bool, bool> leavesOut = null)
        {
            StringComparer names = LocalNames.CaseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;
            var plan = new SyncPlan();
            bool up = direction == SyncDirection.Upload;
            // Target folders that hold something left out: deleting one whole would delete that too.
            var holdsLeftOut = new HashSet<string>(names);
            var leftOut = new HashSet<string>(names);
            bool Out(string relative, bool isFolder, bool onTarget)
            {
                if (leavesOut == null || !leavesOut(relative, isFolder)) return false;
                leftOut.Add(relative);
                if (onTarget)
                    for (int slash = relative.IndexOf('/'); slash > 0; slash = relative.IndexOf('/', slash + 1)) holdsLeftOut.Add(relative.Substring(0, slash));
                return true;
            }
            var localByPath = new Dictionary<string, LocalEntry>(names);
            foreach (LocalEntry e in local)
                if (!Out(e.RelativePath, e.IsFolder, onTarget: !up)) localByPath[e.RelativePath] = e;
            var remoteByPath = new Dictionary<string, StagingItem>(names);
            foreach (StagingItem item in remote)
            {
                string relative = Vault.StagingPath.RelativeTo(item.Path, stagingRoot);
                if (!string.IsNullOrEmpty(relative) && !Out(relative, item.IsFolder, onTarget: up)) remoteByPath[relative] = item;
            }
            plan.LeftOut.AddRange(leftOut.OrderBy(p => p, StringComparer.Ordinal));

            // A file on one side where the other has a folder: that path and everything below it is left as it
            // is, on both sides. Deleting the folder's contents would still leave no room for the file, and
            // sending into a folder that is a file on the target fails; either would happen again every run.
            var conflicts = new HashSet<string>(localByPath.Where(l => remoteByPath.TryGetValue(l.Key, out StagingItem r) && r.IsFolder != l.Value.IsFolder).Select(l => l.Key), names);
            var belowConflict = new Dictionary<string, int>(names);
            foreach (string rel in localByPath.Keys.Concat(remoteByPath.Keys))
            {
                string conflict = ConflictAbove(rel, conflicts);
                if (conflict != null) belowConflict[conflict] = belowConflict.TryGetValue(conflict, out int n) ? n + 1 : 1;
            }

            plan.TargetFolders.AddRange(up
                ? remoteByPath.Where(r => r.Value.IsFolder).Select(r => r.Key)
                : localByPath.Where(l => l.Value.IsFolder).Select(l => l.Key));

            // Source side: what to send or make.
            IEnumerable<string> sourcePaths = up ? (IEnumerable<string>)localByPath.Keys : remoteByPath.Keys;
            string refusedFolder = null;
            foreach (string rel in sourcePaths.OrderBy(p => p, StringComparer.Ordinal))
            {
                if (ConflictAbove(rel, conflicts) != null) continue;
                localByPath.TryGetValue(rel, out LocalEntry l);
                remoteByPath.TryGetValue(rel, out StagingItem r);
                // A remote name this file system cannot hold fails alone (once for a folder and what is in it): the rest syncs.
                if (refusedFolder != null && rel.StartsWith(refusedFolder + "/", StringComparison.Ordinal)) continue;
                string localPath = l?.FullPath;
                if (localPath == null)
                {
                    try
                    {
                        localPath = LocalNames.Resolve(localRoot, rel, Vault.StagingPath.Combine(stagingRoot, rel), rules);
                    }
                    catch (Vault.VaultException e)
                    {
                        var refused = new SyncRecord
                        {
                            Action = "Failed", Direction = direction, Kind = r?.IsFolder == true ? StagingItemKind.Folder : StagingItemKind.File, RelativePath = rel,
                            StagingPath = Vault.StagingPath.Combine(stagingRoot, rel), Size = r?.Size, ModifiedDate = r?.ModifiedDate, Reason = e.Message,
                        };
                        plan.Refused.Add(new KeyValuePair<SyncRecord, Vault.VaultException>(refused, e));
                        if (r?.IsFolder == true) refusedFolder = rel;
                        continue;
                    }
                }
                bool sourceIsFolder = up ? l.IsFolder : r.IsFolder;
                bool targetExists = up ? r != null : l != null;
                bool targetIsFolder = up ? r?.IsFolder == true : l?.IsFolder == true;
                var record = new SyncRecord
                {
                    Direction = direction,
                    Kind = sourceIsFolder ? StagingItemKind.Folder : StagingItemKind.File,
                    RelativePath = rel,
                    LocalPath = localPath,
                    StagingPath = Vault.StagingPath.Combine(stagingRoot, rel),
                    Size = sourceIsFolder ? (long?)null : up ? l.Size : r.Size,
                    ModifiedDate = sourceIsFolder ? null : up ? l.LastWriteTimeUtc.ToLocalTime() : r.ModifiedDate,
                };
                if (conflicts.Contains(rel))
                {
                    belowConflict.TryGetValue(rel, out int below);
                    record.Action = "Failed";
                    record.Reason = (sourceIsFolder ? "a file is in the way of this folder on the target" : "a folder is in the way of this file on the target")
                        + (below > 0 ? $"; it and the {below} item(s) below it were left as they are" : "; it was left as it is");
                    plan.Conflicts.Add(record);
                    continue;
                }
                if (sourceIsFolder)
                {
                    if (!targetExists) { record.Reason = "missing on the target"; plan.MakeFolders.Add(record); }
                    continue;
                }
                if (!targetExists) record.Reason = "missing on the target";
                else if ((up ? r.Size : l.Size) != record.Size) record.Reason = "size differs";
                else if (Newer(up ? l.LastWriteTimeUtc : r.ModifiedDate?.ToUniversalTime(), up ? r.ModifiedDate?.ToUniversalTime() : l.LastWriteTimeUtc))
                    record.Reason = "newer on the source";
                if (record.Reason != null) plan.Send.Add(record);
                else
                {
                    record.Action = "Skipped";
                    record.Reason = "unchanged";
                    plan.Skip.Add(record);
                }
            }

            if (!delete) return plan;
            // Target side: what the source lacks, a folder once (its contents go with it).
            IEnumerable<string> targetPaths = (up ? (IEnumerable<string>)remoteByPath.Keys : localByPath.Keys).OrderBy(p => p, StringComparer.Ordinal);
            var sourceHas = new HashSet<string>(sourcePaths, names);
            string deletedFolder = null;
            foreach (string rel in targetPaths)
            {
                if (sourceHas.Contains(rel) || ConflictAbove(rel, conflicts) != null) continue;
                if (deletedFolder != null && rel.StartsWith(deletedFolder + "/", names == StringComparer.Ordinal ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase)) continue;
                bool isFolder = up ? remoteByPath[rel].IsFolder : localByPath[rel].IsFolder;
                // It holds what the filters leave out: it stays, and what else is in it is judged item by item.
                if (isFolder && holdsLeftOut.Contains(rel)) continue;
                if (isFolder) deletedFolder = rel;
                plan.Delete.Add(new SyncRecord
                {
                    Direction = direction,
                    Kind = isFolder ? StagingItemKind.Folder : StagingItemKind.File,
                    RelativePath = rel,
                    LocalPath = up ? null : localByPath[rel].FullPath,
                    StagingPath = up ? Vault.StagingPath.Combine(stagingRoot, rel) : null,
                    Size = isFolder ? null : up ? remoteByPath[rel].Size : localByPath[rel].Size,
                    Reason = "not on the source",
                });
            }
            return plan;
        }

        /// <summary>The conflicting path that <paramref name="rel"/> is below (not at), or null.</summary>
        static string ConflictAbove(string rel, HashSet<string> conflicts)
        {
            if (conflicts.Count == 0) return null;
            for (int slash = rel.IndexOf('/'); slash > 0; slash = rel.IndexOf('/', slash + 1))
            {
                string above = rel.Substring(0, slash);
                if (conflicts.Contains(above)) return above;
            }
            return null;
        }

        static bool Newer(DateTime? source, DateTime? target) =>
            source.HasValue && (!target.HasValue || source.Value - target.Value > Tolerance);
    }
}
