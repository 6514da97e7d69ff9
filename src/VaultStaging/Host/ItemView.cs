using System.Collections.Generic;
using System.Management.Automation;
using VaultStaging.Vault;

namespace VaultStaging.Host
{
    internal static class ItemView
    {
        /// <summary>An item as PowerShell shows it, cmdlet or drive: the fields Vault added after this version as note properties.</summary>
        public static PSObject Shown(StagingItem item)
        {
            PSObject wrapped = PSObject.AsPSObject(item);
            if (item.AdditionalFields == null) return wrapped;
            foreach (KeyValuePair<string, object> field in item.AdditionalFields)
            {
                if (wrapped.Properties[field.Key] == null) wrapped.Properties.Add(new PSNoteProperty(field.Key, field.Value));
            }
            return wrapped;
        }
    }
}
