using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// A file of at most <see cref="VaultClient.MaxDirectFileSize"/> bytes in one POST .../items (no session, no
    /// job): the bytes are hashed as they are sent, and Vault's size and MD5 of what it stored must equal them,
    /// else the file is sent again (with overwrite, since the bad copy is ours), at most
    /// <see cref="FileUploader.MaxSendsPerPart"/> times. Send-VaultFile and the drive's New-Item/Set-Content
    /// both send small files this way.
    /// </summary>
    internal static class DirectUpload
    {
        /// <summary>Sends the bytes <paramref name="open"/> gives (opened anew for each send); returns what Vault stored and how many sends it took.</summary>
        public static async Task<(StagingItem Item, int Sends)> SendAsync(VaultClient client, string destination, long size, Func<Stream> open,
            bool overwrite, TransferProgress progress, VaultCallContext ctx)
        {
            for (int send = 1; ; send++)
            {
                HashingReadStream sent = null;
                long counted = 0;
                // Opened here first: a file that cannot be read (held by another program, no access) fails
                // as itself, not as a transport failure inside the call; later attempts open it anew.
                Stream first = open();
                StagingItem item;
                try
                {
                    item = await client.UploadFileAsync(destination, size, () =>
                    {
                        progress?.TakeBack(counted);
                        counted = 0;
                        Stream file = first ?? open();
                        first = null;
                        sent = new HashingReadStream(file, n => { counted += n; progress?.Moved(n); });
                        return sent;
                    }, overwrite, ctx).ConfigureAwait(false);
                }
                catch (VaultException unconfirmed) when (unconfirmed.ErrorType == "UPLOAD_UNCONFIRMED")
                {
                    return (await SettleAsync(client, destination, size, open, unconfirmed, ctx).ConfigureAwait(false), send);
                }
                finally
                {
                    first?.Dispose();
                }
                string local = sent?.Md5Hex;
                if (item.Size == size && Md5Hex.AreEqual(item.Md5, local)) return (item, send);
                string what = item.Size != size
                    ? $"Vault stored {item.Size:N0} bytes of the {size:N0} sent"
                    : $"Vault's MD5 {item.Md5 ?? "(none)"} differs from the local {local}";
                if (send >= FileUploader.MaxSendsPerPart)
                    throw new VaultException(VaultFailureKind.Client, "FILE_MD5_MISMATCH",
                        $"{destination} arrived damaged {send} times ({what}).",
                        "Something between here and Vault alters the data (a proxy or a failing network card). The damaged copy stays on the staging server: fix that and send the file again with -Overwrite, or remove it with Remove-VaultStagingItem.");
                ctx.Verbose($"{destination} arrived damaged ({what}); sending it again.");
                progress?.TakeBack(size);
                overwrite = true; // the damaged copy is ours
            }
        }

        /// <summary>
        /// The answer to a send without overwrite was lost and a file is now at the path (the client's
        /// UPLOAD_UNCONFIRMED): it is read back (one range, at most 50 MB) and compared by MD5 with the local file.
        /// The same bytes: staged, whoever wrote them, since the staged file is this file. Other bytes: this file did
        /// not arrive, and the one there is kept. So a re-run after such a loss finishes instead of asking for -Overwrite.
        /// </summary>
        static async Task<StagingItem> SettleAsync(VaultClient client, string destination, long size, Func<Stream> open,
            VaultException unconfirmed, VaultCallContext ctx)
        {
            StagingItem there = await client.GetItemAsync(destination, ctx).ConfigureAwait(false);
            if (there == null || there.IsFolder) throw unconfirmed;
            string local;
            using (var file = new HashingReadStream(open(), null))
            {
                await file.CopyToAsync(Stream.Null, 81920, ctx.CancellationToken).ConfigureAwait(false);
                local = file.Md5Hex;
            }
            string remote = null;
            if (there.Size == size)
            {
                ctx.Verbose($"{destination}: reading the file now there back, to compare it with the local file by MD5.");
                using (HashAlgorithm md5 = Md5Hex.CreateHasher())
                {
                    await client.DownloadRangeAsync(destination, 0, size, size, (buffer, offset, count, token) =>
                    {
                        md5.TransformBlock(buffer, offset, count, null, 0);
                        return Task.CompletedTask;
                    }, ctx).ConfigureAwait(false);
                    md5.TransformFinalBlock(new byte[0], 0, 0);
                    remote = Md5Hex.ToHex(md5.Hash);
                }
                if (remote == local)
                {
                    ctx.Verbose($"{destination} holds this file's {size:N0} bytes (MD5 {local}): the upload arrived.");
                    there.Md5 = remote;
                    return there;
                }
            }
            string other = remote != null ? $"its MD5 is {remote}, the local file's {local}" : $"it has {there.Size:N0} bytes, the local file {size:N0}";
            throw new VaultException(VaultFailureKind.Vault, "ITEM_NAME_EXISTS",
                $"Upload {destination}: the answer was lost, and the file now at that path is another one ({other}); this file was not staged, and that one was kept.",
                "Send the file again with -Overwrite to replace it, or choose another destination.")
            { Operation = unconfirmed.Operation };
        }
    }
}
