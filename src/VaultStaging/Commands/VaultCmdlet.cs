using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// What every cmdlet of the module shares: Ctrl+C cancels the call in flight, verbose and debug lines
    /// from the client (which may come from pool threads) are written from the pipeline thread, and
    /// failures become ErrorRecords whose id is Vault's error type.
    /// </summary>
    public abstract class VaultCmdlet : PSCmdlet, IDisposable, IPipeline
    {
        readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        CallRunner _runner;
        VaultCallContext _callContext;

        /// <summary>
        /// This invocation's one runner (<see cref="CallRunner"/>). A stream nobody will see gets no sink, so the
        /// client does not build its lines (debug lines are built for every HTTP call).
        /// </summary>
        internal CallRunner Runner => _runner ?? (_runner = new CallRunner(this, _stopping.Token, RunspaceStore.Current,
            Wants("Verbose", "VerbosePreference"), Wants("Debug", "DebugPreference")));

        /// <summary>The token and message sinks handed to the client for this invocation.</summary>
        protected VaultCallContext CallContext => _callContext ?? (_callContext = Runner.Context.WithLimiter(MakeLimiter()));

        /// <summary>The command's bandwidth cap, made once with the call context (the transfer cmdlets' -MaximumBytesPerSecond).</summary>
        protected virtual BandwidthLimiter MakeLimiter() => null;

        /// <summary>Whether -Verbose/-Debug or the caller's preference variable would show the stream.</summary>
        bool Wants(string switchName, string preferenceVariable)
        {
            if (MyInvocation.BoundParameters.TryGetValue(switchName, out object bound) && bound is SwitchParameter given)
                return given.IsPresent;
            object preference = GetVariableValue(preferenceVariable);
            if (preference is ActionPreference p) return p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
            // An odd value (a string, say): rather show the lines than lose them.
            return !(preference is string text && Enum.TryParse(text, true, out ActionPreference parsed)
                     && (parsed == ActionPreference.SilentlyContinue || parsed == ActionPreference.Ignore));
        }

        protected CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Writes the queued verbose and debug lines. Only on the pipeline thread.</summary>
        protected void FlushMessages() => _runner?.Flush();

        /// <summary>Waits for a client call on the pipeline thread, writing its messages while it runs.</summary>
        protected T Await<T>(Task<T> task) => Runner.Wait(task);

        protected void Await(Task task) => Runner.Wait(task);

        /// <summary>A failure for one input: the command goes on with the next.</summary>
        protected void WriteFailure(Exception e, object target)
        {
            FlushMessages();
            WriteError(Failures.ToErrorRecord(e, target));
        }

        /// <summary>A failure that ends the command.</summary>
        protected void ThrowFailure(Exception e, object target)
        {
            FlushMessages();
            ThrowTerminatingError(Failures.ToErrorRecord(e, target));
        }

        /// <summary>
        /// Runs one piece of work for <paramref name="target"/> in the one guard (<see cref="Failures.Guard"/>): a
        /// Vault failure becomes an error about that target (terminating when the whole command cannot go on),
        /// Ctrl+C stops the pipeline quietly.
        /// </summary>
        protected void RunFor(object target, Action work, bool terminating = false) =>
            Failures.Guard(() => { work(); FlushMessages(); return true; }, () => StopToken.IsCancellationRequested, e =>
            {
                if (terminating) ThrowFailure(e, target);
                WriteFailure(e, target);
            });

        public void Dispose()
        {
            _runner?.Dispose();
            _stopping.Dispose();
        }
    }
}
