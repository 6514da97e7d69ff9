using System.Management.Automation;

namespace VaultStaging.Commands
{
    /// <summary>
    /// A cmdlet that acts on upload sessions by id (commit, abort): -Id from the pipeline, and the hidden
    /// -Path that a piped session brings along, so confirmations and messages name the file, not only the id.
    /// </summary>
    public abstract class UploadSessionActionCmdlet : VaultConnectedCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("UploadSessionId")]
        [ArgumentCompleter(typeof(UploadSessionIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; }

        /// <summary>Only for messages: the staging path of the session when it comes down the pipeline.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public string Path { get; set; }

        /// <summary>The piped session's path belongs to its one id; with several ids given, only ids are known.</summary>
        protected string PathOf(string id) => !string.IsNullOrEmpty(Path) && Id.Length == 1 ? Path : null;

        protected string Describe(string id) => PathOf(id) is string path ? $"{path} (upload session {id})" : "upload session " + id;
    }
}
