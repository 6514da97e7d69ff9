using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Text;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    // Get-Content (streamed through ranged downloads) and Set-Content (a small file, one upload). Add-Content and
    // Clear-Content are refused: Vault can neither append to a file nor empty one in place.
    public sealed partial class VaultStagingProvider
    {
        public IContentReader GetContentReader(string path) => Guard(path, () =>
        {
            Target t = Resolve(path);
            StagingItem item = Lookup(t);
            if (item == null)
            {
                WriteError(Errors.NotFound(path));
                return null;
            }
            if (item.IsFolder)
                throw Errors.Refused("InvalidArgument", $"{path} is a folder; Get-Content reads files.", "Get-ChildItem lists a folder.");
            if (item.Size == null)
                throw Errors.Refused("HTTP_ERROR", $"Vault listed {path} without its size, so it cannot be read in ranges.", "Download it with Receive-VaultFile.");
            var options = DynamicParameters as VaultContentReaderParameters;
            return (IContentReader)new StagingContentReader(Runner, t.Client, t.Staging, item.Size.Value,
                options?.Encoding ?? new UTF8Encoding(false), options != null && options.Raw.IsPresent);
        });

        public object GetContentReaderDynamicParameters(string path) => new VaultContentReaderParameters();

        public IContentWriter GetContentWriter(string path) => Guard(path, () =>
        {
            Target t = Resolve(path);
            string staging = StagingPath.ValidateFile(t.Staging, "Path");
            StagingItem there = Lookup(t);
            if (there != null && there.IsFolder)
                throw Errors.Refused("InvalidArgument", $"{path} is a folder; Set-Content writes files.", "Give the path of a file in it.");
            RequireParent(t, StagingPath.ParentOf(staging), "Make the folder first: New-Item -ItemType Directory -Force.");
            var options = DynamicParameters as VaultContentWriterParameters;
            return (IContentWriter)new StagingContentWriter(this, t, staging, options?.Encoding ?? new UTF8Encoding(false),
                options != null && options.NoNewline.IsPresent);
        });

        public object GetContentWriterDynamicParameters(string path) => new VaultContentWriterParameters();

        /// <summary>
        /// Clear-Content: refused. Set-Content calls it before writing and goes on when it is not supported, so
        /// Set-Content still replaces a file in one upload, never leaving it empty in between.
        /// </summary>
        public void ClearContent(string path) =>
            throw new PSNotSupportedException($"Clear-Content is not supported on a Vault drive ({path}): Vault cannot empty a file in place. Set-Content {path} -Value '' replaces the file with an empty line, and Remove-Item removes it.");

        public object ClearContentDynamicParameters(string path) => null;

        /// <summary>
        /// Called by the content writer when it closes. Set-Content closes its writers while it is being disposed,
        /// when PowerShell no longer reports what Close throws, so the failure is written here instead.
        /// </summary>
        internal void UploadContent(Target t, string staging, byte[] bytes, int length)
        {
            Guard(t.PathOf(staging), () => Upload(t, staging, bytes, length, overwrite: true));
        }

        internal bool IsStopping
        {
            get
            {
                try { return Stopping || _stop.IsCancellationRequested; }
                catch (System.Exception) { return true; }
            }
        }
    }
}
