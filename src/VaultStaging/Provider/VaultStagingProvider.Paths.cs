using System;
using VaultStaging.Host;

namespace VaultStaging.Provider
{
    // Path arithmetic (no call to Vault): PowerShell builds, splits and shortens paths through these. Both '/'
    // and '\' are accepted; what comes out uses the platform's separator (ProviderPath).
    public sealed partial class VaultStagingProvider
    {
        protected override bool IsValidPath(string path) => ProviderPath.IsValid(path);

        protected override string MakePath(string parent, string child)
        {
            RefuseCopyFromAnotherProvider(parent, child);
            return ProviderPath.Join(parent, child);
        }

        protected override string GetParentPath(string path, string root) => ProviderPath.Parent(path, root);

        protected override string GetChildName(string path) => ProviderPath.Leaf(path);

        protected override string NormalizeRelativePath(string path, string basePath) => ProviderPath.Relative(path, basePath);

        /// <summary>
        /// Copy-Item from the file system (or a remote session) to a Vault drive never reaches this provider's
        /// CopyItem: PowerShell refuses it with "Source and destination path did not resolve to the same
        /// provider". What does reach it is the destination's path being built while the command holds the
        /// file system's Copy-Item parameters; that is where the user is told to use Send-VaultFile instead.
        /// </summary>
        void RefuseCopyFromAnotherProvider(string parent, string child)
        {
            object parameters;
            try
            {
                parameters = DynamicParameters;
            }
            catch (Exception)
            {
                return;
            }
            // Copy-Item's own dynamic parameters (PowerShell's type, known here by its name only): the copy is Copy-Item's.
            if (parameters == null || parameters.GetType().Name != "CopyItemDynamicParameters") return;
            // Only the last step names the whole destination: the drive's root joined with the rest.
            if (ProviderPath.DriveOf(parent) == null) return;
            string destination = ProviderPath.Join(parent, child);
            ThrowTerminatingError(Errors.CopyNotSupported(null, destination, Errors.Crossing.Upload));
        }
    }
}
