using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Transfer;

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
        readonly ConcurrentQueue<Confirmation> _confirmations = new ConcurrentQueue<Confirmation>();

        sealed class Confirmation
        {
            public string Target;
            public string Action;
            public TaskCompletionSource<bool> Answer;
        }

        /// <summary>Asked from a pool thread; answered by <see cref="AnswerConfirmations"/> on the pipeline thread.</summary>
        public Task<bool> ConfirmAsync(string target, string action, CancellationToken cancellationToken)
        {
            var c = new Confirmation { Target = target, Action = action, Answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously) };
            cancellationToken.Register(() => c.Answer.TrySetCanceled());
            _confirmations.Enqueue(c);
            return c.Answer.Task;
        }

        void AnswerConfirmations()
        {
            while (_confirmations.TryDequeue(out Confirmation c))
            {
                if (c.Answer.Task.IsCompleted) continue;
                try
                {
                    c.Answer.TrySetResult(ShouldProcess(c.Target, c.Action));
                }
                catch (Exception e)
                {
                    c.Answer.TrySetException(e);
                    throw;
                }
            }
        }

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
                while (!run.IsDone)
                {
                    bool got = run.TryTake(TimeSpan.FromMilliseconds(100), out TransferOutcome<TItem, TResult> outcome);
                    FlushMessages();
                    AnswerConfirmations();
                    if (got) write(outcome);
                    display?.Show();
                }
                FlushMessages();
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
