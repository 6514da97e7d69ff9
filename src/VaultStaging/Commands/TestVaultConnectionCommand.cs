using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading.Tasks;
using VaultStaging.Diagnostics;
using VaultStaging.Vault;

namespace VaultStaging.Commands
{
    /// <summary>
    /// Checks what a vault does, one object per check, for a first day on a real vault or a support case. The
    /// checks live in <see cref="ConnectionProbe"/>; this writes each as it ends and, whatever ends the command
    /// (Ctrl+C included), returns only once the probe has removed what it made.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "VaultConnection")]
    [OutputType(typeof(VaultConnectionCheck))]
    public sealed class TestVaultConnectionCommand : VaultConnectedCmdlet
    {
        /// <summary>A staging folder that exists; the test makes its own folder inside it (default: the user's root).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>Makes no call that writes: the writing checks are Skipped.</summary>
        [Parameter]
        public SwitchParameter ReadOnly { get; set; }

        /// <summary>Adds upload and download throughput with 1, 2, 4, 8 and 10 files at once, and a RecommendedThrottleLimit.</summary>
        [Parameter]
        public SwitchParameter Benchmark { get; set; }

        protected override System.Collections.Generic.IEnumerable<string> StagingPathsGiven => new[] { Path };

        protected override void ProcessRecord()
        {
            string folder = null;
            if (Path != null)
            {
                try
                {
                    folder = StagingPath.ValidateAny(StagingPathOf(Path, nameof(Path)), nameof(Path));
                }
                catch (VaultException e)
                {
                    ThrowFailure(e, Path);
                }
            }
            var options = new ProbeOptions { Path = folder, ReadOnly = ReadOnly.IsPresent, Benchmark = Benchmark.IsPresent };
            var checks = new ConcurrentQueue<VaultConnectionCheck>();
            var probe = new ConnectionProbe(ActiveConnection, options, CallContext, checks.Enqueue);
            Task run = Task.Run(probe.RunAsync);
            try
            {
                // Each check is written as it ends, through the one runner (messages, Ctrl+C).
                Runner.Serve((int ms, out VaultConnectionCheck check) =>
                        checks.TryDequeue(out check) || (((IAsyncResult)run).AsyncWaitHandle.WaitOne(ms) && checks.TryDequeue(out check)),
                    () => run.IsCompleted && checks.IsEmpty, WriteObject);
                run.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            finally
            {
                // Stopped (Ctrl+C) or failed while writing: the probe is still cleaning up. Wait for it, and say
                // what it could not remove, since the output is closed by now.
                if (!run.IsCompleted)
                {
                    try { run.Wait(); }
                    catch (AggregateException) { }
                }
                if (StopToken.IsCancellationRequested && probe.CleanUpResult?.Result == VaultCheckResult.Failed)
                {
                    try { Host.UI.WriteWarningLine(probe.CleanUpResult.Detail); }
                    catch (Exception) { }
                }
            }
        }
    }
}
