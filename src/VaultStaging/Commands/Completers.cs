using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Tab completion of -Id: the active upload session ids of the connection (-Connection, else the
    /// default), each shown with its path. Never slows the prompt for long, never shows an error.
    /// </summary>
    public sealed class UploadSessionIdCompleter : IArgumentCompleter
    {
        static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            VaultConnection connection = (fakeBoundParameters?["Connection"] as PSObject)?.BaseObject as VaultConnection
                ?? fakeBoundParameters?["Connection"] as VaultConnection
                ?? RunspaceConnections.Default;
            if (connection == null || !connection.IsConnected) return Enumerable.Empty<CompletionResult>();

            string typed = (wordToComplete ?? "").Trim('\'', '"');
            var results = new List<CompletionResult>();
            try
            {
                using (var cts = new CancellationTokenSource(Budget))
                {
                    foreach (UploadSession s in connection.Client.ListUploadSessions(new VaultCallContext(cts.Token)))
                    {
                        if (s.Id == null) continue;
                        bool byId = s.Id.StartsWith(typed, StringComparison.OrdinalIgnoreCase);
                        bool byPath = typed.Length > 0 && (s.Path ?? "").IndexOf(typed, StringComparison.OrdinalIgnoreCase) >= 0;
                        if (!byId && !byPath) continue;
                        // Ids may start with '.' or contain characters the parser reads otherwise: always quote.
                        results.Add(new CompletionResult("'" + s.Id + "'", s.Path ?? s.Id, CompletionResultType.ParameterValue,
                            $"{s.Path} ({s.Size:N0} bytes, {s.PercentComplete:0.#} % uploaded, expires {s.ExpirationDate:g})"));
                    }
                }
            }
            catch (Exception e) when (e is VaultException || e is OperationCanceledException)
            {
                // Completion is a convenience: no vault, no suggestions.
            }
            return results;
        }
    }

    /// <summary>Tab completion of -Vault: the vaults connected to before in this runspace.</summary>
    public sealed class VaultNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = (wordToComplete ?? "").Trim('\'', '"');
            return RunspaceConnections.ConnectedVaults
                .Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, "Connected before in this session: " + v));
        }
    }
}
