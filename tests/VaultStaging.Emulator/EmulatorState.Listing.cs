using System.IO.Enumeration;
using System.Security.Cryptography;

namespace VaultStaging.Emulator;

// GET .../file_staging/items/{path}: listings over the real tree, paged from a snapshot taken at the
// first page (cursor pages never walk the disk again).
public sealed partial class EmulatorState
{
    /// <summary>One listed item: absolute path; size and modified date for files only.</summary>
    internal readonly record struct ItemEntry(bool IsFolder, string Path, string Name, long Size, DateTimeOffset Modified);

    /// <summary>One page; <paramref name="FolderSlash"/>: folder paths are answered with a trailing '/' (the recorded form).</summary>
    internal sealed record ItemsPage(IReadOnlyList<ItemEntry> Items, string? NextCursor, bool FolderSlash);

    /// <summary>A listing taken at its first page (in the listing form of that moment); cursor pages are served from it, never from the disk.</summary>
    private sealed record ListingSnapshot(long Seq, List<ItemEntry> Items, int Limit, long UserId, bool FolderSlash);

    private sealed record ListingCursor(ListingSnapshot Snapshot, int Offset, DateTimeOffset Expires);

    private readonly Dictionary<string, ListingCursor> _cursors = new(StringComparer.Ordinal);
    private long _snapshotSeq;

    public static readonly TimeSpan CursorLifetime = TimeSpan.FromMinutes(30);
    private const int MaxLiveSnapshots = 16;

    private static readonly EnumerationOptions WalkOptions = new()
    {
        AttributesToSkip = 0, IgnoreInaccessible = true, RecurseSubdirectories = false, ReturnSpecialDirectories = false,
    };

    /// <summary>A FAILURE whose type is the option's for that situation (EmulatorOptions.ErrorTypes).</summary>
    private VaultFailure Failure(string situation, string message) =>
        new(Options.ErrorTypes.TryGetValue(situation, out var type) ? type : EmulatorOptions.DefaultErrorTypes()[situation], message);

    private VaultFailure Missing(string requested) => Failure("missing-item", $"Item [{requested}] does not exist.");

    // -----------------------------------------------------------------------------------------
    // List
    // -----------------------------------------------------------------------------------------

    /// <summary>
    /// GET .../items/{path}: a folder's contents (recursive: depth-first, a folder before its contents;
    /// siblings in ordinal order of their names), or the one file a file path names. limit 1..1000 (1000).
    /// A cursor names a page of the snapshot taken at the first page; it is valid 30 minutes (emulator clock).
    /// </summary>
    internal ItemsPage ListItems(Caller caller, string requested, string? recursiveText, string? limitText, string? cursor)
    {
        int limit = 1000;
        if (limitText is not null && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 1000))
            throw new VaultFailure("INVALID_DATA", $"Invalid value [{limitText}] for parameter [limit]: must be 1..1000.");
        bool recursive = ParseFlag(recursiveText, "recursive");

        if (!string.IsNullOrEmpty(cursor))
        {
            lock (_gate)
            {
                SweepCursorsLocked();
                if (!_cursors.TryGetValue(cursor, out var c) || c.Snapshot.UserId != caller.UserId)
                    throw Failure("bad-cursor", $"Invalid or expired value [{cursor}] for parameter [cursor].");
                return PageLocked(c.Snapshot, c.Offset);
            }
        }

        string absolute = ToAbsolute(caller, requested);
        var items = Walk(absolute, recursive) ?? throw Missing(requested);
        bool recorded = Options.ListingForm == ListingFormStyle.Recorded;
        if (recorded) items = InRecordedForm(items, recursive);
        lock (_gate) return PageLocked(new ListingSnapshot(++_snapshotSeq, items, limit, caller.UserId, FolderSlash: recorded), 0);
    }

    /// <summary>
    /// The listing as vvfst's authors recorded a vault's (ListingFormStyle.Recorded): a plain listing has the
    /// folders first, then the files (each group by name); a recursive one has the files alone, by path.
    /// </summary>
    private static List<ItemEntry> InRecordedForm(List<ItemEntry> items, bool recursive) => recursive
        ? items.Where(i => !i.IsFolder).OrderBy(i => i.Path, StringComparer.Ordinal).ToList()
        : items.Where(i => i.IsFolder).Concat(items.Where(i => !i.IsFolder)).ToList();

    /// <summary>
    /// GET .../items/{path}?format_result=csv: a job that lists the path (as ListItems would, in the listing form
    /// of the moment, without paging) and keeps the listing as CSV for GET .../jobs/{id}/results. A missing path
    /// is refused at once, as a listing is. The CSV columns are not documented; vvfst's recorded export has
    /// "kind","path","name","size","modified_date", every value quoted, which is what this gives (empty size and
    /// date for a folder).
    /// </summary>
    internal async Task<long> StartListingExportAsync(Caller caller, string requested, string? recursiveText)
    {
        bool recursive = ParseFlag(recursiveText, "recursive");
        string absolute = ToAbsolute(caller, requested);
        if (Walk(absolute, recursive: false) is null) throw Missing(requested);
        VaultJob job;
        lock (_gate)
        {
            job = NewJobLocked("list", "GET", caller, absolute, (j, _) =>
            {
                var items = Walk(absolute, recursive);
                if (items is null) return Task.FromResult<string?>($"Item [{requested}] does not exist.");
                bool recorded = Options.ListingForm == ListingFormStyle.Recorded;
                if (recorded) items = InRecordedForm(items, recursive);
                var csv = new System.Text.StringBuilder("\"kind\",\"path\",\"name\",\"size\",\"modified_date\"\n");
                foreach (var item in items)
                {
                    string path = ReportedPath(item.Path, caller) + (item.IsFolder && recorded ? "/" : "");
                    csv.Append(string.Join(',', new[]
                    {
                        item.IsFolder ? "folder" : "file", path, item.Name,
                        item.IsFolder ? "" : item.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        item.IsFolder ? "" : VaultDate(item.Modified),
                    }.Select(v => "\"" + v.Replace("\"", "\"\"") + "\""))).Append('\n');
                }
                lock (_gate) j.ResultCsv = csv.ToString();
                return Task.FromResult<string?>(null);
            });
        }
        return await StartJobAsync(job, ItemJobDurationMs);
    }

    private ItemsPage PageLocked(ListingSnapshot snapshot, int offset)
    {
        int count = Math.Max(0, Math.Min(snapshot.Limit, snapshot.Items.Count - offset));
        var page = snapshot.Items.GetRange(Math.Min(offset, snapshot.Items.Count), count);
        string? next = null;
        if (offset + count < snapshot.Items.Count)
        {
            next = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)); // '+', '/', '=': clients must use next_page verbatim
            _cursors[next] = new ListingCursor(snapshot, offset + count, NowLocked + CursorLifetime);
            SweepCursorsLocked();
        }
        return new ItemsPage(page, next, snapshot.FolderSlash);
    }

    /// <summary>Drops expired cursors, and the cursors of the oldest snapshots past MaxLiveSnapshots (memory bound).</summary>
    private void SweepCursorsLocked()
    {
        var now = NowLocked;
        foreach (var (key, c) in _cursors.ToList())
            if (now >= c.Expires) _cursors.Remove(key);
        var live = _cursors.Values.Select(c => c.Snapshot.Seq).Distinct().OrderByDescending(s => s).ToList();
        if (live.Count <= MaxLiveSnapshots) return;
        long oldestKept = live[MaxLiveSnapshots - 1];
        foreach (var (key, c) in _cursors.ToList())
            if (c.Snapshot.Seq < oldestKept) _cursors.Remove(key);
    }

    /// <summary>The items at an absolute path (a folder's contents, or the one file), or null if nothing is there.</summary>
    private List<ItemEntry>? Walk(string absolute, bool recursive)
    {
        string disk = DiskPath(absolute);
        if (Directory.Exists(disk))
        {
            var items = new List<ItemEntry>();
            WalkFolder(absolute, disk, recursive, items);
            return items;
        }
        var file = new FileInfo(disk);
        return file.Exists ? [new ItemEntry(false, absolute, file.Name, file.Length, WholeSeconds(file.LastWriteTimeUtc))] : null;
    }

    private static void WalkFolder(string absolute, string disk, bool recursive, List<ItemEntry> into)
    {
        List<(bool IsFolder, string Name, long Size, DateTimeOffset Modified)> children;
        try
        {
            children = new FileSystemEnumerable<(bool, string, long, DateTimeOffset)>(disk,
                (ref FileSystemEntry e) => (e.IsDirectory, e.FileName.ToString(), e.IsDirectory ? 0 : e.Length, e.LastWriteTimeUtc),
                WalkOptions).ToList();
        }
        catch (DirectoryNotFoundException) { return; } // removed while being listed
        children.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var child in children)
        {
            string path = ItemPaths.Join(absolute, child.Name);
            into.Add(new ItemEntry(child.IsFolder, path, child.Name, child.Size, WholeSeconds(child.Modified)));
            if (child.IsFolder && recursive) WalkFolder(path, Path.Combine(disk, child.Name), recursive: true, into);
        }
    }

    private static bool ParseFlag(string? text, string parameter)
    {
        if (string.IsNullOrEmpty(text)) return false;
        return bool.TryParse(text, out bool value) ? value : throw new VaultFailure("INVALID_DATA", $"Invalid value [{text}] for parameter [{parameter}].");
    }
}
