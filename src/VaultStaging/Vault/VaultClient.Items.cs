using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>The files and folders of the staging server (/api/{v}/services/file_staging/items): list, create, move, delete.</summary>
    public sealed partial class VaultClient
    {
        /// <summary>The largest file one POST .../items takes, and the largest range one GET answers: "50 MB", read as decimal (the smaller reading).</summary>
        public const long MaxDirectFileSize = 50000000;

        /// <summary>Vault's largest page of items.</summary>
        public const int MaxItemsPerPage = 1000;

        string ItemsRoot => ApiRoot + "services/file_staging/items";

        bool? _isAdmin;

        /// <summary>
        /// What is at <paramref name="path"/>: a folder's contents (with <paramref name="recursive"/>, everything
        /// below it, each folder before its contents, also when the vault lists the files alone:
        /// <see cref="DerivedFolders"/>), or the file itself. Streamed as read, page after page.
        /// Paths come in the form this user types them (<see cref="InRequestForm"/>), so an item can be handed
        /// straight to the next call.
        /// <para>
        /// <paramref name="onItem"/> gets each item as it is read, on a pool thread, and returns false to stop.
        /// When onItem only queues the items for another thread, <paramref name="shown"/> counts those the user
        /// has (a page is asked for only once the user has an item of the one before).
        /// </para>
        /// </summary>
        public async Task ListItemsAsync(string path, bool recursive, Func<StagingItem, bool> onItem, VaultCallContext ctx, int pageSize = MaxItemsPerPage, ItemsShown shown = null)
        {
            // Whether the user is an admin (one call, the first time on a connection) is asked with the first page, not
            // a round trip before it; the first item waits for the answer, awaited (Hand's .Result is then done).
            Task<bool> admin = IsAdminAsync(ctx);
            DerivedFolders folders = null;
            bool Hand(StagingItem read)
            {
                StagingItem item = InRequestForm(read, admin.Result);
                if (!recursive) return onItem(item);
                foreach (StagingItem completed in (folders = folders ?? FoldersBelow(path, admin.Result)).Complete(item))
                    if (!onItem(completed)) return false;
                return true;
            }
            try
            {
                await ReadPagesAsync(ListItemsRequest(path, recursive, pageSize), StagingItem.ReadFrom, i => i.Path,
                    Hand, ctx, shown, beforeFirstItem: admin).ConfigureAwait(false);
            }
            finally
            {
                // Never left running (or its failure unobserved) when the listing ends early or fails.
                if (!admin.IsCompleted)
                {
                    try { await admin.ConfigureAwait(false); }
                    catch (Exception) { }
                }
            }
        }

        /// <summary>
        /// Whether Vault lists a non-admin's items as /Folder/File or /u{userId}/Folder/File is UNCONFIRMED;
        /// either way the item's path becomes the form the user writes (relative to their own folder), the
        /// one every call takes.
        /// </summary>
        StagingItem InRequestForm(StagingItem item, bool isAdmin)
        {
            if (item.Path != null) item.Path = StagingPath.ForComparison(item.Path, UserId, isAdmin);
            return item;
        }

        /// <summary>The folders of a recursive listing of <paramref name="path"/>, in the form its items are handed out in.</summary>
        DerivedFolders FoldersBelow(string path, bool isAdmin) => new DerivedFolders(StagingPath.ForComparison(path, UserId, isAdmin));

        VaultRequest ListItemsRequest(string path, bool recursive, int pageSize)
        {
            if (pageSize < 1 || pageSize > MaxItemsPerPage) throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "Vault pages hold 1 to 1000 items.");
            string query = "?recursive=" + (recursive ? "true" : "false") + "&limit=" + pageSize.ToString(CultureInfo.InvariantCulture);
            string normal = StagingPath.Normalize(path);
            return new VaultRequest(HttpMethod.Get, ItemsRoot + "/" + StagingPath.Escape(normal) + query,
                (recursive ? "List everything below " : "List ") + normal);
        }

        /// <summary>
        /// The item at <paramref name="path"/>, or null when nothing is there. One call: listing a file's path
        /// answers the file itself, listing a folder's path answers its contents (so the path is a folder).
        /// Which error Vault gives for a path that does not exist is not documented: any refusal that is not
        /// about the session, access or the rate limit counts as "nothing there".
        /// </summary>
        public async Task<StagingItem> GetItemAsync(string path, VaultCallContext ctx)
        {
            if (StagingPath.Normalize(path) == StagingPath.Root) return StagingItem.Folder(StagingPath.Root);
            return (await LookUpAsync(path, ctx).ConfigureAwait(false)).Item;
        }

        /// <summary>
        /// What <see cref="GetItemAsync"/> answers, and for a folder whether anything is in it, from the same
        /// one call (the folder's first item is its first child): what a delete without -Recurse must know.
        /// </summary>
        internal async Task<(StagingItem Item, bool HasChildren)> LookUpAsync(string path, VaultCallContext ctx)
        {
            string normal = StagingPath.Normalize(path);
            StagingItem first = null;
            try
            {
                await ListItemsAsync(normal, false, i => { first = i; return false; }, ctx, pageSize: 1).ConfigureAwait(false);
            }
            catch (VaultException e) when (IsNotFound(e))
            {
                return (null, false);
            }
            // The listed path is in the form this user types (InRequestForm); the one asked for may be written from the root.
            if (first != null && first.Kind == StagingItemKind.File && StagingPath.AreSame(first.Path, normal, UserId, _isAdmin ?? true)) return (first, false);
            return (StagingItem.Folder(normal), first != null);
        }

        /// <summary>A refusal that means the path is not there (see <see cref="GetItemAsync"/>).</summary>
        internal static bool IsNotFound(VaultException e) =>
            e.Kind == VaultFailureKind.Vault && !e.IsTransient
            && e.ErrorType != "INVALID_SESSION_ID" && e.ErrorType != "INSUFFICIENT_ACCESS" && e.ErrorType != "API_LIMIT_EXCEEDED";

        /// <summary>
        /// Whether the user sees the whole staging server (Vault Owner, System Admin), learned once per
        /// connection: an admin's own folder /u{userId} is a folder at the root, while for a non-admin that path
        /// is taken inside their own folder, where it does not exist (one call). A vault that answers a
        /// non-admin's paths from the root may also take that form back, so when /u{userId} is there, the root
        /// tells (a second call): an admin's holds the users' folders, a non-admin's holds only what is inside
        /// /u{userId}. Decides how paths are compared (<see cref="StagingPath.ForComparison"/>). Without a user
        /// id nothing is stripped.
        /// </summary>
        public async Task<bool> IsAdminAsync(VaultCallContext ctx)
        {
            if (_isAdmin.HasValue) return _isAdmin.Value;
            if (UserId == null) return true;
            bool admin;
            string own = "/u" + UserId.Value.ToString(CultureInfo.InvariantCulture);
            try
            {
                await ReadPagesAsync(ListItemsRequest(own, false, 1), StagingItem.ReadFrom, i => i.Path, i => false, ctx).ConfigureAwait(false);
                StagingItem first = null;
                await ReadPagesAsync(ListItemsRequest(StagingPath.Root, false, 1), StagingItem.ReadFrom, i => i.Path, i => { first = i; return false; }, ctx).ConfigureAwait(false);
                admin = first != null && !first.Path.StartsWith(own + "/", StringComparison.Ordinal);
            }
            catch (VaultException e) when (IsNotFound(e))
            {
                admin = false;
            }
            _isAdmin = admin;
            ctx.Verbose(admin
                ? "This user sees the whole staging server (an admin): paths are from the staging root."
                : $"This user is not an admin: paths are inside the user's own folder /u{UserId}.");
            return admin;
        }

        /// <summary>
        /// Creates one folder; its parent must exist (Vault does not create parents). An existing folder is
        /// Vault's ITEM_NAME_EXISTS. After a lost answer the folder's existence settles whether it was made.
        /// </summary>
        public async Task<StagingItem> CreateFolderAsync(string path, VaultCallContext ctx)
        {
            string normal = StagingPath.Normalize(path);
            var request = new VaultRequest(HttpMethod.Post, ItemsRoot, "Create the folder " + normal)
            {
                Idempotent = false,
                Content = () => new MultipartFormDataContent
                {
                    { new StringContent("folder"), "kind" },
                    { new StringContent(normal), "path" },
                },
            };
            VaultResponse answer = await SendAsync(request, ctx, async lost =>
            {
                ctx.Verbose($"The answer to creating the folder {normal} was lost ({lost.ErrorType}); checking whether it is there.");
                StagingItem there = await GetItemAsync(normal, ctx).ConfigureAwait(false);
                return (there != null && there.IsFolder, (VaultResponse)null);
            }).ConfigureAwait(false);
            if (!(answer?.Data is JObject data)) return StagingItem.Folder(normal);
            // The folder is the one asked for: its path in the form this user types it, whichever form Vault
            // answered (a non-admin's /u{id}/... included), as a listing gives it.
            StagingItem created = StagingItem.FromJson(data);
            created.Path = normal;
            return created;
        }

        /// <summary>
        /// Uploads a file of at most <see cref="MaxDirectFileSize"/> bytes in one call (no upload session, no
        /// job). <paramref name="openContent"/> gives the bytes anew for every attempt. The answer carries
        /// Vault's MD5 of what it stored (<see cref="StagingItem.Md5"/>) for the caller to compare. With
        /// <paramref name="overwrite"/> a retry is harmless; without it, a lost answer is settled by looking:
        /// nothing there means it did not arrive (sent again); a file there cannot be told from another one here,
        /// so that is UPLOAD_UNCONFIRMED rather than a guess (the uploader, which has the local file, settles it by MD5).
        /// </summary>
        public async Task<StagingItem> UploadFileAsync(string path, long length, Func<Stream> openContent, bool overwrite, VaultCallContext ctx)
        {
            string normal = StagingPath.Normalize(path);
            if (length > MaxDirectFileSize)
                throw new ArgumentOutOfRangeException(nameof(length), length, "Files over 50,000,000 bytes go through upload sessions.");
            string name = StagingPath.NameOf(normal);
            var request = new VaultRequest(HttpMethod.Post, ItemsRoot, "Upload " + normal)
            {
                Idempotent = overwrite,
                Content = () =>
                {
                    var file = new OpenedStreamContent(openContent, length);
                    file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    return new MultipartFormDataContent
                    {
                        { new StringContent("file"), "kind" },
                        { new StringContent(normal), "path" },
                        { new StringContent(overwrite ? "true" : "false"), "overwrite" },
                        // The name Vault uses is the path's; the part's file name only has to be plain ASCII.
                        { file, "file", IsPlainAscii(name) ? name : "file" },
                    };
                },
            };
            VaultResponse answer = await SendAsync(request, ctx, overwrite ? null : (Func<VaultException, Task<(bool, VaultResponse)>>)(async lost =>
            {
                ctx.Verbose($"The answer to uploading {normal} was lost ({lost.ErrorType}); checking whether the file is there.");
                StagingItem there = await GetItemAsync(normal, ctx).ConfigureAwait(false);
                if (there == null) return (false, null);
                throw new VaultException(VaultFailureKind.Client, "UPLOAD_UNCONFIRMED",
                    $"Upload {normal}: the answer was lost, and a file of {there.Size:N0} bytes is now at that path, but whether it is this file (and complete) could not be checked.",
                    "Run the upload again with -Overwrite to be sure the staged file is this one.")
                { Operation = lost.Operation };
            })).ConfigureAwait(false);
            if (!(answer.Data is JObject data))
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"Upload {normal} failed: Vault's answer had no item.");
            StagingItem item = StagingItem.FromJson(data);
            item.Path = normal; // the form the caller uses, whichever form Vault answered
            return item;
        }

        static bool IsPlainAscii(string text)
        {
            foreach (char c in text) if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
            return text.Length > 0;
        }

        /// <summary>
        /// Moves and/or renames an item: a job on Vault (the item stays where it was until the job ends).
        /// Not sent twice: after a lost answer the job id is unknown, and the error says to check.
        /// </summary>
        public async Task<VaultJob> MoveItemAsync(string path, string newParent, string newName, VaultCallContext ctx)
        {
            string normal = StagingPath.Normalize(path);
            if (newParent == null && newName == null) throw new ArgumentException("A move needs a new parent folder, a new name, or both.");
            var form = new List<KeyValuePair<string, string>>();
            if (newParent != null) form.Add(new KeyValuePair<string, string>("parent", StagingPath.Normalize(newParent)));
            if (newName != null) form.Add(new KeyValuePair<string, string>("name", newName));
            string what = newParent == null ? $"Rename {normal} to {newName}"
                : $"Move {normal} to {StagingPath.Combine(newParent, newName ?? StagingPath.NameOf(normal))}";
            var request = new VaultRequest(HttpMethod.Put, ItemsRoot + "/" + StagingPath.Escape(normal), what) { Idempotent = false, Form = form };
            return JobOf(await SendAsync(request, ctx).ConfigureAwait(false), what, normal);
        }

        /// <summary>Deletes a file or a folder (with <paramref name="recursive"/>, a folder and everything in it): a job on Vault.</summary>
        public async Task<VaultJob> DeleteItemAsync(string path, bool recursive, VaultCallContext ctx)
        {
            string normal = StagingPath.Normalize(path);
            string what = "Delete " + normal;
            var request = new VaultRequest(HttpMethod.Delete, ItemsRoot + "/" + StagingPath.Escape(normal) + (recursive ? "?recursive=true" : ""), what) { Idempotent = false };
            return JobOf(await SendAsync(request, ctx).ConfigureAwait(false), what, normal);
        }

        VaultJob JobOf(VaultResponse answer, string what, string path)
        {
            long? jobId = VaultJson.AsInt64(answer.Data?["job_id"]);
            if (jobId == null)
                throw new VaultException(VaultFailureKind.Http, "HTTP_ERROR", $"{what} failed: Vault's answer had no job_id.");
            return Started(new VaultJob { JobId = jobId.Value, Path = path, Operation = what });
        }
    }

    /// <summary>A request body read from a stream opened anew for each attempt, with a known length (so Vault gets Content-Length).</summary>
    internal sealed class OpenedStreamContent : HttpContent
    {
        readonly Func<Stream> _open;
        readonly long _length;

        public OpenedStreamContent(Func<Stream> open, long length)
        {
            _open = open;
            _length = length;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext context)
        {
            using (Stream source = _open())
            {
                var buffer = new byte[81920];
                long left = _length;
                int n;
                while (left > 0 && (n = await source.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, left)).ConfigureAwait(false)) > 0)
                {
                    await stream.WriteAsync(buffer, 0, n).ConfigureAwait(false);
                    left -= n;
                }
                if (left > 0) throw new IOException($"The file ended {left:N0} bytes before its expected length of {_length:N0} bytes: it changed while it was sent.");
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
