using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Host;
using VaultStaging.Transfer;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// What the transfer cmdlets (Send, Receive, Sync) share: they hand the work to a
    /// <see cref="TransferRun{TItem,TResult}"/> on pool threads and, on the pipeline thread, write its
    /// messages, progress, results and errors, and answer its confirmations (ShouldProcess). Whatever ends
    /// the command (the end, an error with -ErrorAction Stop, Ctrl+C, an exception), the run is cancelled
    /// and waited for before the command returns, so no request leaves after it.
    /// </summary>
    public abstract class TransferCmdlet : VaultConnectedCmdlet, ITransferHost
    {
        NameFilter _filter;

        /// <summary>Only files whose name matches one of these wildcard patterns (case ignored); folders are still walked.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Include { get; set; }

        /// <summary>Leave out files and folders (with everything in them) whose name matches one of these wildcard patterns (case ignored).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Exclude { get; set; }

        /// <summary>A cap on the bytes per second of all this command's transfers together, both directions; 0 (default): none.</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long MaximumBytesPerSecond { get; set; }

        protected override BandwidthLimiter MakeLimiter() => MaximumBytesPerSecond > 0 ? new BandwidthLimiter(MaximumBytesPerSecond) : null;

        /// <summary>-Include and -Exclude as PowerShell matches names: WildcardPattern, ignoring case.</summary>
        internal NameFilter Filter => _filter ?? (_filter = new NameFilter(Matchers(Include), Matchers(Exclude), DescribeFilter()));

        static IEnumerable<Func<string, bool>> Matchers(string[] patterns) =>
            (patterns ?? new string[0]).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).Select(w => (Func<string, bool>)w.IsMatch).ToList();

        string DescribeFilter()
        {
            string Quoted(string[] p) => string.Join(", ", p.Select(x => "'" + x + "'"));
            var parts = new List<string>();
            if (Include != null && Include.Length > 0) parts.Add("-Include " + Quoted(Include));
            if (Exclude != null && Exclude.Length > 0) parts.Add("-Exclude " + Quoted(Exclude));
            return string.Join(" ", parts);
        }

        /// <summary>
        /// With -WhatIf, what the filters left out is said as the plan is (the host line ShouldProcess writes),
        /// so the plan shows the filters applied; otherwise a verbose line.
        /// </summary>
        protected void TellLeftOut(IReadOnlyCollection<string> leftOut)
        {
            if (leftOut.Count == 0 || Filter.IsEmpty) return;
            string text = $"{leftOut.Count} item(s) left out by {Filter.Description}: {string.Join(", ", leftOut.Take(10))}{(leftOut.Count > 10 ? ", ..." : "")}";
            bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object w) ? w is SwitchParameter s && s.IsPresent
                : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            if (whatIf) Host.UI.WriteLine("What if: " + text);
            else WriteVerbose(text);
        }

        /// <summary>What a walk of a local tree met: a link not followed (verbose), a loop (warning), a folder it could not list (an error for that folder).</summary>
        internal void WriteTreeNotes(LocalTree tree)
        {
            foreach (LocalTreeNote note in tree.Notes)
            {
                if (note.Kind == LocalTreeNoteKind.LinkNotFollowed) WriteVerbose(note.Message);
                else if (note.Kind == LocalTreeNoteKind.LinkLoop) WriteWarning(note.Message);
                else WriteFailure(new VaultException(VaultFailureKind.Client, "FOLDER_UNREADABLE", note.Message, ""), note.FullPath);
            }
        }

        /// <summary>Asked from a pool thread; answered on the pipeline thread by the runner.</summary>
        public Task<bool> ConfirmAsync(string target, string action, CancellationToken cancellationToken) =>
            Runner.ConfirmAsync(target, action, cancellationToken);

        /// <summary>
        /// Writes a run's outcomes as they come (<paramref name="write"/>), with progress and messages between
        /// them, until every piece of work has ended. If anything ends this early (an error with -ErrorAction
        /// Stop, an exception), the run is cancelled and waited for. Either way <paramref name="atEnd"/> runs
        /// last, with the outcomes that came too late to be written (none after a normal end), so the command
        /// can say what was left unfinished and how to resume it, even while the pipeline stops.
        /// </summary>
        internal void Pump<TItem, TResult>(TransferRun<TItem, TResult> run, TransferProgressDisplay display,
            Action<TransferOutcome<TItem, TResult>> write, Action<IReadOnlyList<TransferOutcome<TItem, TResult>>> atEnd)
        {
            bool completed = false;
            try
            {
                Runner.Serve((int ms, out TransferOutcome<TItem, TResult> outcome) => run.TryTake(TimeSpan.FromMilliseconds(ms), out outcome),
                    () => run.IsDone, write, () => display?.Show());
                completed = true;
            }
            finally
            {
                IReadOnlyList<TransferOutcome<TItem, TResult>> left = completed ? Array.Empty<TransferOutcome<TItem, TResult>>() : run.CancelAndWait();
                display?.Complete();
                atEnd?.Invoke(left);
            }
        }

        /// <summary>
        /// A local path as a file system path, relative to the current file system location. A path of another
        /// provider (the current location on a Vault: drive, say) is refused: local files are never looked for
        /// on the staging server, nor written there by mistake.
        /// </summary>
        protected string LocalPathOf(string given, string parameterName)
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(given, out ProviderInfo provider, out PSDriveInfo _);
            if (provider.Name == "FileSystem") return resolved;
            // The current location matters only to a path that is relative to it.
            string where = SessionState.Path.IsPSAbsolute(given, out string _) ? "" : $" (it is taken from the current location, {SessionState.Path.CurrentLocation})";
            throw new Vault.VaultInputException(parameterName,
                $"'{given}' is a {provider.Name} path{where}; give a local folder or file, a file system path such as {SessionState.Path.CurrentFileSystemLocation}.");
        }

        /// <summary>
        /// A warning that must reach the user even while the pipeline stops (after Ctrl+C its streams are
        /// closed, but the host can still print).
        /// </summary>
        protected void WriteLastingWarning(string text)
        {
            if (!StopToken.IsCancellationRequested)
            {
                try
                {
                    WriteWarning(text);
                    return;
                }
                catch (PipelineStoppedException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
            try { Host.UI.WriteWarningLine(text); }
            catch (Exception) { }
        }
    }
}
