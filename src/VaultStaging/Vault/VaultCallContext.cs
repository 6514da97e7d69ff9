using System;
using System.Threading;

namespace VaultStaging.Vault
{
    /// <summary>
    /// What one cmdlet invocation lends the client for a call: its cancellation (Ctrl+C) and where
    /// verbose and debug lines go. The sinks may be called from any thread; the cmdlet writes them
    /// to PowerShell's streams from its pipeline thread.
    /// </summary>
    public sealed class VaultCallContext
    {
        readonly Action<string> _verbose;
        readonly Action<string> _debug;
        readonly Action<string> _warning;

        public VaultCallContext(CancellationToken cancellationToken, Action<string> verbose = null, Action<string> debug = null, Action<string> warning = null)
        {
            CancellationToken = cancellationToken;
            _verbose = verbose;
            _debug = debug;
            _warning = warning;
        }

        /// <summary>The same sinks with another cancellation (a transfer that stops its own work on a failure).</summary>
        public VaultCallContext WithCancellation(CancellationToken cancellationToken) =>
            new VaultCallContext(cancellationToken, _verbose, _debug, _warning) { Limiter = Limiter };

        /// <summary>The same context with the command's bandwidth cap (-MaximumBytesPerSecond), shared by all its calls.</summary>
        public VaultCallContext WithLimiter(BandwidthLimiter limiter) =>
            new VaultCallContext(CancellationToken, _verbose, _debug, _warning) { Limiter = limiter };

        /// <summary>The cap every byte of this command's calls is booked with, both directions; null: none.</summary>
        public BandwidthLimiter Limiter { get; private set; }

        public static VaultCallContext None { get; } = new VaultCallContext(CancellationToken.None);

        public CancellationToken CancellationToken { get; }

        /// <summary>Whether debug lines are wanted: they describe every HTTP call, so they are built only then.</summary>
        public bool IsDebugEnabled => _debug != null;

        public void Verbose(string message) => _verbose?.Invoke(message);

        public void Debug(string message) => _debug?.Invoke(message);

        /// <summary>Something the user should know although the call succeeded (Vault's WARNING, an abandoned upload session aborted).</summary>
        public void Warning(string message) => _warning?.Invoke(message);
    }
}
