using VaultStaging.Vault;

namespace VaultStaging.Tests;

/// <summary>The client's upload-session listings read whole, for assertions (the client has them async only).</summary>
internal static class ClientListings
{
    public static List<UploadSession> ListUploadSessions(this VaultClient client, VaultCallContext ctx) =>
        client.ListUploadSessionsAsync(ctx).GetAwaiter().GetResult();

    public static List<UploadSessionPart> ListUploadSessionParts(this VaultClient client, string id, VaultCallContext ctx) =>
        client.ListUploadSessionPartsAsync(id, ctx).GetAwaiter().GetResult();
}
