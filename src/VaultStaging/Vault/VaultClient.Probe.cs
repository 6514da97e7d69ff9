using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading.Tasks;

namespace VaultStaging.Vault
{
    /// <summary>
    /// Answers as Vault gave them, for Test-VaultConnection: the rest of the client turns paths and listings into
    /// the one form the module works in, which hides the very forms the test wants to observe.
    /// </summary>
    public sealed partial class VaultClient
    {
        /// <summary>GET /api/: the versions the vault offers (<c>values</c>), with the answer's headers.</summary>
        internal Task<VaultResponse> ListApiVersionsAsync(VaultCallContext ctx) =>
            SendAsync(new VaultRequest(HttpMethod.Get, "api/", "List the vault's API versions"), ctx);

        /// <summary>The first page of a listing, unchanged: paths in the form Vault wrote them (a trailing '/' included).</summary>
        internal Task<VaultResponse> ListItemsPageAsync(string path, bool recursive, int limit, VaultCallContext ctx) =>
            SendAsync(ListItemsRequest(path, recursive, limit), ctx);

        /// <summary>One ranged GET of bytes <paramref name="from"/>..<paramref name="to"/>, with the status and Content-Range Vault answered.</summary>
        internal Task<RangeAnswer> ProbeRangeAsync(string path, long from, long to, VaultCallContext ctx)
        {
            string normal = StagingPath.Normalize(path);
            var request = new VaultRequest(HttpMethod.Get, ItemsRoot + "/content/" + StagingPath.Escape(normal), $"Download bytes {from:N0}-{to:N0} of {normal}")
            {
                ExpectsBytes = true,
                AddHeaders = m => m.Headers.Range = new RangeHeaderValue(from, to),
            };
            return WithRetriesAsync(request, async session =>
            {
                using (OpenResponse open = await OpenAsync(request, ctx, session).ConfigureAwait(false))
                {
                    try
                    {
                        var bytes = new MemoryStream();
                        await open.Body.CopyToAsync(bytes, 81920, open.Timeout.Token).ConfigureAwait(false);
                        return new RangeAnswer
                        {
                            Status = (int)open.Response.StatusCode,
                            ContentRange = open.Response.Content.Headers.ContentRange?.ToString(),
                            Bytes = bytes.ToArray(),
                        };
                    }
                    catch (Exception e) when (IsCallFailure(e) && !(e is VaultException))
                    {
                        throw MapFailure(e, open, ctx);
                    }
                }
            }, new RetryState(), ctx);
        }

        /// <summary>What one ranged GET answered.</summary>
        internal sealed class RangeAnswer
        {
            public int Status;
            public string ContentRange;
            public byte[] Bytes;
        }
    }
}
