using Newtonsoft.Json.Linq;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>Listings in either form a vault may give them (vault-api.md, "The shape of a listing").</summary>
public sealed class DerivedFoldersTests
{
    private static StagingItem File(string path) => new() { Kind = StagingItemKind.File, Path = path, Size = 1 };

    private static List<string> Completed(string root, params StagingItem[] listed)
    {
        var folders = new DerivedFolders(root);
        return listed.SelectMany(folders.Complete).Select(i => (i.IsFolder ? "d " : "f ") + i.Path).ToList();
    }

    [Fact]
    public void Files_alone_get_their_folders_once_each_before_the_first_item_inside()
    {
        Assert.Equal(
            ["f /t/a.txt", "d /t/b", "d /t/b/c", "f /t/b/c/x", "f /t/b/c/y", "f /t/b/z", "d /t/d", "f /t/d/w"],
            Completed("/t", File("/t/a.txt"), File("/t/b/c/x"), File("/t/b/c/y"), File("/t/b/z"), File("/t/d/w")));
    }

    [Fact]
    public void A_listing_that_holds_its_folders_is_left_as_it_is_and_a_folder_after_its_contents_comes_once()
    {
        Assert.Equal(["d /b", "f /b/x"], Completed("/", StagingItem.Folder("/b"), File("/b/x")));
        Assert.Equal(["d /b", "f /b/x"], Completed("/", File("/b/x"), StagingItem.Folder("/b")));
    }

    [Fact]
    public void Nothing_is_derived_above_the_folder_listed_or_for_a_file_listed_by_its_own_path()
    {
        Assert.Equal(["f /t/x"], Completed("/t", File("/t/x")));
        Assert.Equal(["f /t/x"], Completed("/t/x", File("/t/x")));
    }

    [Theory]
    [InlineData("{\"kind\":\"folder\",\"path\":\"/Inbox/\",\"name\":\"Inbox\"}", "/Inbox", "Inbox")]
    [InlineData("{\"kind\":\"folder\",\"path\":\"/a/Inbox/\"}", "/a/Inbox", "Inbox")]
    [InlineData("{\"kind\":\"folder\",\"path\":\"/a/Inbox/\",\"name\":\"\"}", "/a/Inbox", "Inbox")]
    [InlineData("{\"kind\":\"folder\",\"path\":\"/a/Inbox/\",\"name\":\"Inbox/\"}", "/a/Inbox", "Inbox")]
    [InlineData("{\"path\":\"/a/Inbox/\"}", "/a/Inbox", "Inbox")]
    public void A_folder_path_ending_in_a_slash_never_makes_an_empty_name(string json, string path, string name)
    {
        var item = StagingItem.FromJson(JObject.Parse(json));
        Assert.Equal(StagingItemKind.Folder, item.Kind);
        Assert.Equal(path, item.Path);
        Assert.Equal(name, item.Name);
    }
}
