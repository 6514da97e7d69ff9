using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace VaultStaging.Commands
{
    /// <summary>
    /// The default connection of each runspace. Never a plain static: a ForEach-Object -Parallel iteration
    /// or a job runs in another runspace and must not use (or replace) this one's session unasked.
    /// The table holds runspaces weakly, so a closed runspace takes its entry with it.
    /// </summary>
    internal static class RunspaceConnections
    {
        sealed class Holder
        {
            public VaultConnection Connection;
            public readonly List<string> Vaults = new List<string>();
        }

        static readonly ConditionalWeakTable<Runspace, Holder> Table = new ConditionalWeakTable<Runspace, Holder>();

        /// <summary>The default connection of the runspace the calling cmdlet runs in.</summary>
        public static VaultConnection Default
        {
            get
            {
                Runspace runspace = Runspace.DefaultRunspace;
                return runspace != null && Table.TryGetValue(runspace, out Holder holder) ? holder.Connection : null;
            }
            set
            {
                Runspace runspace = Runspace.DefaultRunspace;
                if (runspace == null) return;
                Holder holder = Table.GetValue(runspace, _ => new Holder());
                holder.Connection = value;
                if (value == null) return;
                // What the user would type again: the DNS name for https, the whole address otherwise.
                string typed = value.BaseUri.StartsWith("https://", System.StringComparison.OrdinalIgnoreCase) ? value.Vault : value.BaseUri.TrimEnd('/');
                lock (holder.Vaults)
                {
                    holder.Vaults.Remove(typed);
                    holder.Vaults.Insert(0, typed);
                }
            }
        }

        /// <summary>The vaults connected to in this runspace, the latest first (for -Vault completion).</summary>
        public static IReadOnlyList<string> ConnectedVaults
        {
            get
            {
                Runspace runspace = Runspace.DefaultRunspace;
                if (runspace == null || !Table.TryGetValue(runspace, out Holder holder)) return new string[0];
                lock (holder.Vaults) return holder.Vaults.ToArray();
            }
        }
    }
}
