using System.Collections.Generic;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// What is on the staging server at a path: a folder's contents (with -Recurse everything below it), or
    /// the file itself. Each item is written as soon as it is read, page after page, so a listing of any
    /// length streams in bounded memory and Select-Object -First stops further calls.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VaultStagingItem")]
    [OutputType(typeof(StagingItem))]
    public sealed class GetVaultStagingItemCommand : StagingCmdlet
    {
        /// <summary>Staging paths of folders or files; "/" (the staging root) by default.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(StagingPathCompleter))]
        [AllowEmptyString]
        public string[] Path { get; set; } = { StagingPath.Root };

        protected override IEnumerable<string> StagingPathsGiven => Path;

        /// <summary>Everything below the folder, not only its direct contents.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Only items whose name matches this wildcard pattern (case-insensitive).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Filter { get; set; }

        WildcardPattern _filter;

        protected override void BeginProcessing()
        {
            if (Filter != null)
            {
                // A pattern that cannot be read ("[a") is refused before any call.
                try
                {
                    _filter = new WildcardPattern(Filter, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
                    _filter.IsMatch("");
                }
                catch (WildcardPatternException e)
                {
                    ThrowFailure(new VaultInputException("Filter", $"'{Filter}' is not a valid wildcard pattern: {e.Message}"), Filter);
                }
            }
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            foreach (string given in Path ?? new string[] { null })
                RunFor(given, () => List(given));
        }

        void List(string given)
        {
            // An empty text is refused like a missing one, rather than taken for the root.
            string path = StagingPath.ValidateAny(string.IsNullOrWhiteSpace(given) ? null : StagingPathOf(given, "Path"), "Path");
            bool read = false;
            try
            {
                Runner.Stream<StagingItem>((ctx, onItem, shown) => Client.ListItemsAsync(path, Recurse, onItem, ctx, shown: shown), item =>
                {
                    read = true;
                    if (_filter == null || _filter.IsMatch(item.Name ?? "")) WriteItem(item);
                });
            }
            catch (VaultException e) when (!read && VaultClient.IsNotFound(e))
            {
                FlushMessages();
                WriteVerbose($"Listing {path}: Vault answered {e.ErrorType}: {e.Message}");
                throw NotFound(path, "Path");
            }
        }
    }
}
