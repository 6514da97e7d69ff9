using VaultStaging.Transfer;

namespace VaultStaging.Tests.Transfer;

/// <summary>
/// The one walk of a local tree (Send-VaultFile -Recurse, Sync-VaultStagingFolder): folder links as
/// Get-ChildItem -Recurse treats them (real symbolic links on this disk), loops, -Exclude on folders, and
/// (through the file-system seam, where Linux cannot make the condition for root) folders that deny
/// listing and hidden or system files.
/// </summary>
public sealed class LocalTreeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "local-tree-" + Guid.NewGuid().ToString("N"));

    public LocalTreeTests() => Directory.CreateDirectory(_root);

    // .NET deletes a link, never what it points to.
    public void Dispose() => Directory.Delete(_root, true);

    private string Make(string relative, string text = "x")
    {
        string full = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    private static List<string> Files(IEnumerable<LocalEntry> entries) => entries.Where(e => !e.IsFolder).Select(e => e.RelativePath).OrderBy(p => p, StringComparer.Ordinal).ToList();

    [Fact]
    public void A_folder_link_is_listed_but_not_entered_unless_asked()
    {
        Make("real/a.txt");
        Make("elsewhere/b.txt");
        Directory.CreateSymbolicLink(Path.Combine(_root, "real", "link"), Path.Combine(_root, "elsewhere"));

        var tree = new LocalTree();
        List<LocalEntry> entries = tree.Walk(Path.Combine(_root, "real"));
        Assert.Equal(["a.txt"], Files(entries));
        Assert.Contains(entries, e => e.RelativePath == "link" && e.IsFolder);
        LocalTreeNote note = Assert.Single(tree.Notes);
        Assert.Equal(LocalTreeNoteKind.LinkNotFollowed, note.Kind);
        Assert.Contains("-FollowSymlink", note.Message);
        Assert.Equal(["link"], tree.FoldersNotWalked); // a sync leaves what is behind it alone

        var following = new LocalTree { FollowLinks = true };
        Assert.Equal(["a.txt", "link/b.txt"], Files(following.Walk(Path.Combine(_root, "real"))));
        Assert.Empty(following.Notes);
    }

    [Fact]
    public void A_link_back_to_an_ancestor_is_a_loop_walked_once_with_a_warning()
    {
        Make("top/file.txt");
        Make("top/sub/deep.txt");
        Directory.CreateSymbolicLink(Path.Combine(_root, "top", "sub", "back"), Path.Combine(_root, "top"));

        var tree = new LocalTree { FollowLinks = true };
        List<LocalEntry> entries = tree.Walk(Path.Combine(_root, "top"));
        // Today's walk planned 40 nested copies of the same files; each file is taken once.
        Assert.Equal(["file.txt", "sub/deep.txt"], Files(entries));
        LocalTreeNote loop = Assert.Single(tree.Notes);
        Assert.Equal(LocalTreeNoteKind.LinkLoop, loop.Kind);
        Assert.Equal("sub/back", loop.RelativePath);
        Assert.Contains("loop", loop.Message);
    }

    [Fact]
    public void Two_links_to_the_same_folder_take_it_once()
    {
        Make("tree/plain.txt");
        Make("shared/s.txt");
        Directory.CreateSymbolicLink(Path.Combine(_root, "tree", "one"), Path.Combine(_root, "shared"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "tree", "two"), Path.Combine(_root, "shared"));
        var tree = new LocalTree { FollowLinks = true };
        Assert.Equal(["one/s.txt", "plain.txt"], Files(tree.Walk(Path.Combine(_root, "tree"))));
        Assert.Equal("two", Assert.Single(tree.Notes).RelativePath);
    }

    [Fact]
    public void A_root_given_as_a_link_is_entered_as_Get_ChildItem_enters_it()
    {
        Make("target/t.txt");
        Directory.CreateSymbolicLink(Path.Combine(_root, "via"), Path.Combine(_root, "target"));
        Assert.Equal(["t.txt"], Files(new LocalTree().Walk(Path.Combine(_root, "via"))));
    }

    [Fact]
    public void An_excluded_folder_is_listed_but_never_entered()
    {
        Make("t/keep/a.txt");
        Make("t/cache/b.txt");
        var fs = new SeamFileSystem(deny: Path.Combine(_root, "t", "cache"));
        var tree = new LocalTree(fs) { SkipFolder = name => name == "cache" };
        List<LocalEntry> entries = tree.Walk(Path.Combine(_root, "t"));
        Assert.Equal(["keep/a.txt"], Files(entries));
        Assert.Contains(entries, e => e.RelativePath == "cache");
        Assert.Empty(tree.Notes); // never listed, so its denial never came up (robocopy /XD)
    }

    [Fact]
    public void A_folder_that_denies_listing_is_a_note_and_its_siblings_are_walked()
    {
        Make("t/a/one.txt");
        Make("t/locked/secret.txt");
        Make("t/z/two.txt");
        // Root reads any chmod 000 folder, so the denial comes through the seam.
        var tree = new LocalTree(new SeamFileSystem(deny: Path.Combine(_root, "t", "locked")));
        List<LocalEntry> entries = tree.Walk(Path.Combine(_root, "t"));
        Assert.Equal(["a/one.txt", "z/two.txt"], Files(entries));
        LocalTreeNote note = Assert.Single(tree.Notes);
        Assert.Equal(LocalTreeNoteKind.FolderUnreadable, note.Kind);
        Assert.Contains("could not be listed", note.Message);
        Assert.Equal(["locked"], tree.FoldersNotWalked);
    }

    [Fact]
    public void Hidden_and_system_files_are_taken_as_Get_ChildItem_Force_and_robocopy_take_them()
    {
        Make("t/desktop.ini");
        Make("t/Thumbs.db");
        Make("t/~$report.docx");
        Make("t/report.docx");
        var fs = new SeamFileSystem(hiddenSystem: ["desktop.ini", "Thumbs.db", "~$report.docx"]);
        List<LocalEntry> entries = new LocalTree(fs).Walk(Path.Combine(_root, "t"));
        Assert.Equal(["Thumbs.db", "desktop.ini", "report.docx", "~$report.docx"], Files(entries));
        Assert.Equal(FileAttributes.Hidden | FileAttributes.System, entries.Single(e => e.RelativePath == "Thumbs.db").Attributes & (FileAttributes.Hidden | FileAttributes.System));
    }

    [Fact]
    public void Partial_downloads_are_left_out()
    {
        Make("t/one.txt");
        Make("t/.one.txt.1-0.vaultpart");
        Assert.Equal(["one.txt"], Files(new LocalTree().Walk(Path.Combine(_root, "t"))));
    }

    /// <summary>The real disk, except that one folder denies listing and some names carry Hidden and System.</summary>
    private sealed class SeamFileSystem(string? deny = null, string[]? hiddenSystem = null) : LocalFileSystem
    {
        public override IEnumerable<LocalEntry> List(string folder)
        {
            if (deny != null && folder == deny) throw new UnauthorizedAccessException($"Access to the path '{folder}' is denied.");
            foreach (LocalEntry e in base.List(folder))
            {
                if (hiddenSystem?.Contains(Path.GetFileName(e.FullPath)) == true) e.Attributes |= FileAttributes.Hidden | FileAttributes.System;
                yield return e;
            }
        }
    }
}
