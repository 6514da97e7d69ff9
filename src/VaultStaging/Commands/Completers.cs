using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using VaultStaging.Host;
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
            VaultConnection connection = Completion.ConnectionOf(fakeBoundParameters);
            if (connection == null || !connection.IsConnected) return Enumerable.Empty<CompletionResult>();

            string typed = (wordToComplete ?? "").Trim('\'', '"');
            var results = new List<CompletionResult>();
            try
            {
                using (var cts = new CancellationTokenSource(Budget))
                {
                    foreach (UploadSession s in connection.Client.ListUploadSessionsAsync(new VaultCallContext(cts.Token)).GetAwaiter().GetResult())
                    {
                        if (s.Id == null) continue;
                        bool byId = s.Id.StartsWith(typed, StringComparison.OrdinalIgnoreCase);
                        bool byPath = typed.Length > 0 && (s.Path ?? "").IndexOf(typed, StringComparison.OrdinalIgnoreCase) >= 0;
                        if (!byId && !byPath) continue;
                        // Ids may start with '.' or contain characters the parser reads otherwise: always quote.
                        results.Add(new CompletionResult("'" + s.Id.Replace("'", "''") + "'", s.Path ?? s.Id, CompletionResultType.ParameterValue,
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

    /// <summary>
    /// Tab completion of staging paths (-Path, -Destination): the folder part of what was typed is listed
    /// (one call, kept 5 seconds so pressing Tab again does not call again), and its items that start with
    /// the rest are offered, folders with a trailing '/'. Typed '\' works as '/'. Never slow, never an error.
    /// The listing kept is the connection's own, and it ends, as the drive's cache does, as soon as a call that
    /// may change what is staged goes through that connection (<see cref="VaultClient.ChangeMark"/>): a file
    /// just sent is offered at the next Tab.
    /// </summary>
    public sealed class StagingPathCompleter : IArgumentCompleter
    {
        static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            VaultConnection connection = Completion.ConnectionOf(fakeBoundParameters);
            if (connection == null || !connection.IsConnected) return Enumerable.Empty<CompletionResult>();
            string typed = (wordToComplete ?? "").Trim('\'', '"').Replace('\\', '/');
            if (!typed.StartsWith("/", StringComparison.Ordinal)) typed = "/" + typed;
            int slash = typed.LastIndexOf('/');
            string folder = slash <= 0 ? StagingPath.Root : typed.Substring(0, slash);
            string prefix = typed.Substring(slash + 1);
            List<StagingItem> items = ItemsOf(connection, folder);
            return items
                .Where(i => i.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderBy(i => i.Name, StringComparer.OrdinalIgnoreCase)
                .Select(i =>
                {
                    string path = StagingPath.Combine(folder, i.Name) + (i.IsFolder ? "/" : "");
                    string tip = i.IsFolder ? "Folder " + path : $"{path} ({i.Size:N0} bytes, modified {i.ModifiedDate:g})";
                    return new CompletionResult(Completion.Quote(path), i.Name + (i.IsFolder ? "/" : ""),
                        i.IsFolder ? CompletionResultType.ProviderContainer : CompletionResultType.ProviderItem, tip);
                })
                .ToList();
        }

        static List<StagingItem> ItemsOf(VaultConnection connection, string folder)
        {
            VaultClient client = connection.Client;
            ItemMemory memory = RunspaceStore.Current.MemoryOf(client);
            List<StagingItem> kept = memory.FolderListing(folder);
            if (kept != null) return kept;
            long mark = client.ChangeMark; // read first: a change while listing leaves the listing unkept
            var items = new List<StagingItem>();
            try
            {
                using (var cts = new CancellationTokenSource(Budget))
                {
                    client.ListItemsAsync(folder, false, item =>
                    {
                        items.Add(item);
                        return items.Count < 1000;
                    }, new VaultCallContext(cts.Token)).GetAwaiter().GetResult();
                }
            }
            catch (Exception e) when (e is VaultException || e is OperationCanceledException)
            {
                // Completion is a convenience: no vault, no suggestions.
            }
            // Kept also when the vault did not answer: pressing Tab again within seconds does not wait again.
            memory.KeepFolderListing(folder, items, mark);
            return items;
        }
    }

    /// <summary>What the completers share.</summary>
    internal static class Completion
    {
        /// <summary>The -Connection already typed on the command line, else the runspace's default.</summary>
        public static VaultConnection ConnectionOf(IDictionary fakeBoundParameters) =>
            (fakeBoundParameters?["Connection"] as PSObject)?.BaseObject as VaultConnection
            ?? fakeBoundParameters?["Connection"] as VaultConnection
            ?? RunspaceStore.Current.DefaultConnection;

        /// <summary>Quoted when PowerShell would read the text otherwise: spaces, quotes, $, `, #, ;, (, ), {, }, @, &amp;, |, ,.</summary>
        public static string Quote(string text)
        {
            if (text.Length > 0 && text.IndexOfAny(Special) < 0 && text[0] != '-') return text;
            return "'" + text.Replace("'", "''") + "'";
        }

        static readonly char[] Special = { ' ', '\t', '\'', '"', '$', '`', '#', ';', '(', ')', '{', '}', '@', '&', '|', ',', '<', '>', '[', ']', '\u2018', '\u2019', '\u201C', '\u201D' };
    }

    /// <summary>Tab completion of -Vault: the vaults connected to before in this runspace.</summary>
    public sealed class VaultNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = (wordToComplete ?? "").Trim('\'', '"');
            return RunspaceStore.Current.ConnectedVaults
                .Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(v => new CompletionResult(Completion.Quote(v), v, CompletionResultType.ParameterValue, "Connected before in this session: " + v));
        }
    }
}
