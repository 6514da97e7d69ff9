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
                Table.GetValue(runspace, _ => new Holder()).Connection = value;
            }
        }
    }
}
