using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using VaultStaging.Emulator;
using static VaultStaging.Tests.Emulator.EmulatorHttp;

namespace VaultStaging.Tests.Emulator;

/// <summary>
/// --non-admin-paths absolute answers a non-admin's paths from the root (/u{id}/...); a client that sends back the
/// path it was given (vvfst does, for downloads) must reach the same item, not /u{id}/u{id}/... Both forms are
/// accepted in requests in that mode; in the relative mode a path is always inside the user's own folder.
/// </summary>
public sealed class EmulatorAbsolutePathTests : IClassFixture<EmulatorHttp>
{
    private readonly EmulatorHttp _emu;

    public EmulatorAbsolutePathTests(EmulatorHttp emu)
    {
        _emu = emu;
        _emu.Reset();
        _emu.State.Options.NonAdminPaths = NonAdminPathStyle.Absolute;
        _emu.State.CreateItemDirect("/u10001400/Folder/x.bin", content: Encoding.UTF8.GetBytes("twelve bytes"));
    }

    [Fact]
    public async Task Every_item_call_takes_back_the_absolute_path_it_answered()
    {
        var listed = await _emu.ListAsync(Jane, "/Folder");
        string path = Paths(listed).Single();
        Assert.Equal("/u10001400/Folder/x.bin", path);

        Assert.Equal([path], Paths(await _emu.ListAsync(Jane, path)));
        Assert.Equal(["/u10001400/Folder", path], Paths(await _emu.ListAsync(Jane, "/u10001400", "recursive=true")));
        using (var download = await _emu.Http.SendAsync(_emu.Request(HttpMethod.Get, Jane, ItemsUrl(path, content: true))))
            Assert.Equal("twelve bytes", await download.Content.ReadAsStringAsync());

        var created = await _emu.CreateFileAsync(Jane, "/u10001400/Folder/y.bin", [1, 2, 3]);
        AssertSuccess(created);
        Assert.Equal("/u10001400/Folder/y.bin", (string?)created["data"]!["path"]);
        Assert.True(_emu.State.GetItem("/u10001400/Folder/y.bin").Exists);
        AssertSuccess(await _emu.CreateFolderAsync(Jane, "/u10001400/Other"));
        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.MoveAsync(Jane, "/u10001400/Folder/y.bin", parent: "/u10001400/Other")));
        Assert.True(_emu.State.GetItem("/u10001400/Other/y.bin").Exists);
        Assert.Equal("SUCCESS", await _emu.JobOutcomeAsync(Jane, _emu.DeleteAsync(Jane, "/u10001400/Other", recursive: true)));
        Assert.False(_emu.State.GetItem("/u10001400/Other").Exists);

        // The relative form still works in this mode, and nothing was ever made under /u10001400/u10001400.
        Assert.Equal([path], Paths(await _emu.ListAsync(Jane, "/Folder/x.bin")));
        Assert.False(_emu.State.GetItem("/u10001400/u10001400").Exists);
    }

    [Fact]
    public async Task An_upload_session_made_with_the_absolute_path_commits_the_file_there()
    {
        var create = _emu.Request(HttpMethod.Post, Jane, $"api/{V}/services/file_staging/upload");
        create.Content = new FormUrlEncodedContent([new("path", "/u10001400/Folder/big.bin"), new("size", "5")]);
        var session = (await _emu.SendAsync(create))["data"]!.AsObject();
        Assert.Equal("/u10001400/Folder/big.bin", (string?)session["path"]);
        string id = (string)session["id"]!;

        var part = _emu.Request(HttpMethod.Put, Jane, $"api/{V}/services/file_staging/upload/{id}");
        part.Headers.Add("X-VaultAPI-FilePartNumber", "1");
        part.Content = new ByteArrayContent([1, 2, 3, 4, 5]);
        part.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        AssertSuccess(await _emu.SendAsync(part));
        var commit = await _emu.SendAsync(_emu.Request(HttpMethod.Post, Jane, $"api/{V}/services/file_staging/upload/{id}"));
        Assert.Equal("SUCCESS", (string?)(await _emu.WaitJobAsync(Jane, (long)commit["data"]!["job_id"]!))["status"]);

        Assert.Equal(5, _emu.State.GetItem("/u10001400/Folder/big.bin").Size);
    }

    [Fact]
    public async Task In_the_relative_mode_a_path_is_always_inside_the_users_own_folder()
    {
        _emu.State.Options.NonAdminPaths = NonAdminPathStyle.Relative;

        AssertFailure(await _emu.ListAsync(Jane, "/u10001400/Folder"), "INVALID_DATA");
        Assert.Equal(["/Folder/x.bin"], Paths(await _emu.ListAsync(Jane, "/Folder")));
        AssertSuccess(await _emu.CreateFolderAsync(Jane, "/u10001400"));
        Assert.True(_emu.State.GetItem("/u10001400/u10001400").Exists);
    }
}
