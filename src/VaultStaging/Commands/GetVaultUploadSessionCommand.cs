using System.Collections.Generic;
using System.Management.Automation;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Lists the vault's active upload sessions (admins see all, other users their own), or gets the
    /// details of the sessions whose ids are given. Each session is written as soon as it is read.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VaultUploadSession", DefaultParameterSetName = ListSet)]
    [OutputType(typeof(UploadSession))]
    public sealed class GetVaultUploadSessionCommand : VaultConnectedCmdlet
    {
        const string ListSet = "List";
        const string IdSet = "Id";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("UploadSessionId")]
        [ArgumentCompleter(typeof(UploadSessionIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ListSet) List();
            else foreach (string id in Id) GetOne(id);
        }

        /// <summary>A listing that fails cannot go on: a terminating error.</summary>
        void List() => RunFor(null, () =>
        {
            foreach (UploadSession session in Await(Client.ListUploadSessionsAsync(CallContext))) WriteSession(session);
        }, terminating: true);

        /// <summary>One id that fails does not stop the others.</summary>
        void GetOne(string id) => RunFor(id, () => WriteSession(Await(Client.GetUploadSessionAsync(id, CallContext))));

        /// <summary>Fields Vault added after this version become note properties, so nothing Vault sent is hidden.</summary>
        void WriteSession(UploadSession session)
        {
            if (session.AdditionalFields == null || session.AdditionalFields.Count == 0)
            {
                WriteObject(session);
                return;
            }
            PSObject wrapped = PSObject.AsPSObject(session);
            foreach (KeyValuePair<string, object> field in session.AdditionalFields)
            {
                if (wrapped.Properties[field.Key] == null) wrapped.Properties.Add(new PSNoteProperty(field.Key, field.Value));
            }
            WriteObject(wrapped);
        }
    }
}
