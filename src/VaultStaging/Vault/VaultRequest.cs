using System;
using System.Collections.Generic;
using System.Net.Http;

namespace VaultStaging.Vault
{
    /// <summary>One call to Vault, described so that it can be sent again on a retry.</summary>
    internal sealed class VaultRequest
    {
        public VaultRequest(HttpMethod method, string apiPath, string description)
        {
            Method = method;
            ApiPath = apiPath;
            Description = description;
        }

        public HttpMethod Method { get; }

        /// <summary>The path below the vault's root, already escaped (e.g. "api/v26.1/services/file_staging/upload").</summary>
        public string ApiPath { get; }

        /// <summary>An absolute address on the same vault (a next_page link), used instead of ApiPath.</summary>
        public Uri AbsoluteUri { get; set; }

        /// <summary>What the call does, in words, for messages: "List upload sessions".</summary>
        public string Description { get; }

        public IList<KeyValuePair<string, string>> Form { get; set; }

        /// <summary>Makes the body anew for every attempt (a part's bytes are re-read on a retry).</summary>
        public Func<HttpContent> Content { get; set; }

        public Action<HttpRequestMessage> AddHeaders { get; set; }

        /// <summary>
        /// Whether the call may change what is staged, or say that a change is done (a job's status): all but
        /// the GETs of file_staging/items (listings, downloads).
        /// </summary>
        public bool MayChangeItems => Method != HttpMethod.Get || !IsItemCall;

        /// <summary>A call on staging items (file_staging/items), not on upload sessions or jobs: some errors mean other things there.</summary>
        public bool IsItemCall => (AbsoluteUri?.AbsolutePath ?? ApiPath).IndexOf("file_staging/items", StringComparison.Ordinal) >= 0;

        /// <summary>Whether sending it twice does no harm. Non-idempotent calls are retried only when they surely did not arrive.</summary>
        public bool Idempotent { get; set; } = true;

        public bool Authenticated { get; set; } = true;

        /// <summary>Whether INVALID_SESSION_ID may trigger a new login (not for logging out).</summary>
        public bool ReloginOnExpiry { get; set; } = true;

        /// <summary>A download: the answer is the file's bytes (200 or 206), or Vault's JSON envelope when it failed.</summary>
        public bool ExpectsBytes { get; set; }

        /// <summary>
        /// Connecting (Connect-Vault): a vault that cannot be reached at all (refused, unknown name, failed TLS
        /// handshake) is an error at once, with a hint, instead of retries. Later calls keep retrying those, since
        /// during a long transfer they are mostly passing.
        /// </summary>
        public bool FailFastWhenUnreachable { get; set; }

        /// <summary>Per-call timeout when it differs from the connection's (a slow part upload).</summary>
        public TimeSpan? Timeout { get; set; }
    }
}
