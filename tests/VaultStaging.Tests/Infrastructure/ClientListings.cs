using VaultStaging.Vault;

namespace VaultStaging.Tests;

/// <summary>
/// The client's listings read whole, for assertions: the client itself is async only (its item listings hand each
/// item to a callback on a pool thread), and a test that only checks what was listed needs the list.
/// </summary>
internal static class ClientListings
{
    public static List<StagingItem> ListItems(this VaultClient client, string path, bool recursive, VaultCallContext ctx, int pageSize = VaultClient.MaxItemsPerPage)
    {
        var items = new List<StagingItem>();
        client.ListItemsAsync(path, recursive, item => { items.Add(item); return true; }, ctx, pageSize).GetAwaiter().GetResult();
        return items;
    }

    public static List<UploadSession> ListUploadSessions(this VaultClient client, VaultCallContext ctx) =>
        client.ListUploadSessionsAsync(ctx).GetAwaiter().GetResult();

    public static List<UploadSessionPart> ListUploadSessionParts(this VaultClient client, string id, VaultCallContext ctx) =>
        client.ListUploadSessionPartsAsync(id, ctx).GetAwaiter().GetResult();
}
