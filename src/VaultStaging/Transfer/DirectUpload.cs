using System;
using System.IO;
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
    }
}
