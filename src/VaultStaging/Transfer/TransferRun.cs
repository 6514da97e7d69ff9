using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Transfer
{
    /// <summary>What the engine asks of whoever runs it (a cmdlet answers on its pipeline thread).</summary>
    internal interface ITransferHost
    {
        /// <summary>
        /// Whether an action the command's own confirmation did not cover may go ahead (aborting an upload
        /// session found on the vault): ShouldProcess, so -WhatIf and -Confirm apply to it.
        /// </summary>
        Task<bool> ConfirmAsync(string target, string action, CancellationToken cancellationToken);
    }

    /// <summary>A host that allows everything (tests, scripts without a runspace).</summary>
    internal sealed class AllowAllHost : ITransferHost
    {
        public static readonly AllowAllHost Instance = new AllowAllHost();
        public Task<bool> ConfirmAsync(string target, string action, CancellationToken cancellationToken) => Task.FromResult(true);
    }

    /// <summary>How one piece of work ended.</summary>
    internal sealed class TransferOutcome<TItem, TResult>
    {
        internal TransferOutcome(TItem item, TResult result, Exception error)
        {
            Item = item;
            Result = result;
            Error = error;
        }

        public TItem Item { get; }
        public TResult Result { get; }
        /// <summary>Null when the work succeeded.</summary>
        public Exception Error { get; }
        public bool Succeeded => Error == null;
        public bool WasCancelled => Error is OperationCanceledException;
    }

    /// <summary>
    /// Runs many transfers (files up or down) with bounded concurrency on pool threads, and hands their
    /// outcomes to one consumer in the order they end. Its promise: once <see cref="Dispose"/> (or
    /// <see cref="CancelAndWait"/>) returns, nothing it started is still running, so no request leaves after
    /// the command that owns it has returned, whatever ended it (success, a failure with -ErrorAction Stop,
    /// Ctrl+C, an exception). Plain C#: tests drive it without a runspace.
    /// </summary>
    internal sealed class TransferRun<TItem, TResult> : IDisposable
    {
        readonly SemaphoreSlim _throttle;
        readonly CancellationTokenSource _cancel;
        readonly ConcurrentQueue<TransferOutcome<TItem, TResult>> _outcomes = new ConcurrentQueue<TransferOutcome<TItem, TResult>>();
        readonly SemaphoreSlim _signal = new SemaphoreSlim(0);
        readonly List<Task> _tasks = new List<Task>();
        int _pending;
        int _disposed;

        public TransferRun(int throttleLimit, CancellationToken stop)
        {
            if (throttleLimit < 1) throw new ArgumentOutOfRangeException(nameof(throttleLimit));
            ThrottleLimit = throttleLimit;
            _throttle = new SemaphoreSlim(throttleLimit, throttleLimit);
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        }

        public int ThrottleLimit { get; }

        /// <summary>Cancelled by <see cref="Cancel"/> or by the token the run was made with.</summary>
        public CancellationToken Token => _cancel.Token;

        /// <summary>True once every piece of work started has ended and its outcome was taken.</summary>
        public bool IsDone => Volatile.Read(ref _pending) == 0 && _outcomes.IsEmpty;

        /// <summary>Starts <paramref name="work"/> for each item; at most <see cref="ThrottleLimit"/> run at once, in the items' order.</summary>
        public void Start(IEnumerable<TItem> items, Func<TItem, CancellationToken, Task<TResult>> work) =>
            Start(items, (item, token, releaseSlot) => work(item, token));

        /// <summary>
        /// Starts <paramref name="work"/> for each item, at most <see cref="ThrottleLimit"/> at once. The work may
        /// call the action it is given to give its place back before it ends, when what is left is only waiting
        /// (a commit job): the next item starts then, while this one goes on. The work still counts until it
        /// ends for everything else (its outcome, <see cref="IsDone"/>, cancellation, <see cref="CancelAndWait"/>).
        /// </summary>
        public void Start(IEnumerable<TItem> items, Func<TItem, CancellationToken, Action, Task<TResult>> work)
        {
            foreach (TItem item in items)
            {
                Interlocked.Increment(ref _pending);
                _tasks.Add(Task.Run(() => RunOneAsync(item, work)));
            }
        }

        async Task RunOneAsync(TItem item, Func<TItem, CancellationToken, Action, Task<TResult>> work)
        {
            TransferOutcome<TItem, TResult> outcome;
            int held = 0; // 1 while this item holds one of the ThrottleLimit places
            void ReleaseSlot()
            {
                if (Interlocked.Exchange(ref held, 0) == 1) _throttle.Release();
            }
            try
            {
                await _throttle.WaitAsync(_cancel.Token).ConfigureAwait(false);
                Volatile.Write(ref held, 1);
                _cancel.Token.ThrowIfCancellationRequested();
                TResult result = await work(item, _cancel.Token, ReleaseSlot).ConfigureAwait(false);
                outcome = new TransferOutcome<TItem, TResult>(item, result, null);
            }
            catch (Exception e)
            {
                outcome = new TransferOutcome<TItem, TResult>(item, default(TResult), e);
            }
            finally
            {
                ReleaseSlot();
            }
            _outcomes.Enqueue(outcome);
            Interlocked.Decrement(ref _pending);
            _signal.Release();
        }

        /// <summary>The next outcome, waiting up to <paramref name="wait"/> for one; false when none came.</summary>
        public bool TryTake(TimeSpan wait, out TransferOutcome<TItem, TResult> outcome)
        {
            if (_outcomes.TryDequeue(out outcome)) return true;
            if (Volatile.Read(ref _pending) == 0) return _outcomes.TryDequeue(out outcome);
            _signal.Wait(wait);
            return _outcomes.TryDequeue(out outcome);
        }

        /// <summary>Stops launching work and cancels what is running; does not wait.</summary>
        public void Cancel()
        {
            try { _cancel.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        /// <summary>Cancels, then waits until every piece of work has ended. Returns the outcomes not taken yet.</summary>
        public IReadOnlyList<TransferOutcome<TItem, TResult>> CancelAndWait()
        {
            Cancel();
            try { Task.WaitAll(_tasks.ToArray()); }
            catch (AggregateException) { } // every failure is in its outcome
            var left = new List<TransferOutcome<TItem, TResult>>();
            while (_outcomes.TryDequeue(out TransferOutcome<TItem, TResult> o)) left.Add(o);
            return left;
        }

        /// <summary>Waits for every piece of work without cancelling (the normal end).</summary>
        public void WaitAll()
        {
            try { Task.WaitAll(_tasks.ToArray()); }
            catch (AggregateException) { }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            CancelAndWait();
            _cancel.Dispose();
            _throttle.Dispose();
            _signal.Dispose();
        }
    }
}
