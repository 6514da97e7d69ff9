using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>The resumable upload session calls (/api/{v}/services/file_staging/upload).</summary>
    public sealed partial class VaultClient
    {
        string UploadRoot => ApiRoot + "services/file_staging/upload";

        /// <summary>The active upload sessions (admins: the whole vault; others: their own), streamed as read.</summary>
        public IEnumerable<UploadSession> ListUploadSessions(VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Get, UploadRoot, "List upload sessions");
            return ReadPages(request, UploadSession.ReadFrom, s => s.Id, ctx);
        }

        /// <summary>One upload session's details.</summary>
        public async Task<UploadSession> GetUploadSessionAsync(string id, VaultCallContext ctx)
        {
            var request = new VaultRequest(HttpMethod.Get, UploadRoot + "/" + EscapeId(id), "Get upload session " + id);
            VaultResponse answer = await SendAsync(request, ctx).ConfigureAwait(false);
            if (!(answer.Data is JObject data))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"Get upload session {id} failed: Vault's answer had no session object.");
            return UploadSession.FromJson(data);
        }

        /// <summary>
        /// An upload session id as one URL path segment. Ids are opaque and may contain '.', so "." and ".."
        /// (which a URL would collapse into another path) and empty ids are refused before any call.
        /// </summary>
        internal static string EscapeId(string id)
        {
            if (string.IsNullOrWhiteSpace(id))
                throw new VaultInputException("Id", "The upload session id is empty. Get the ids with Get-VaultUploadSession.");
            string trimmed = id.Trim();
            if (trimmed == "." || trimmed == "..")
                throw new VaultInputException("Id", $"'{id}' is not an upload session id. Get the ids with Get-VaultUploadSession.");
            return Uri.EscapeDataString(trimmed);
        }
    }
}
