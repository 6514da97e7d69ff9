using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation.Provider;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Host;
using VaultStaging.Vault;

namespace VaultStaging.Provider
{
    /// <summary>
    /// Runs the client's calls for one provider call on pool threads while the pipeline thread waits in short
    /// slices: it writes the client's verbose, debug and warning lines as they come (only the pipeline thread
    /// may write), and it notices Ctrl+C (the provider's Stopping, or StopProcessing) within 50 ms and cancels
    /// the call in flight, so even a page that Vault is slow to answer does not hold the prompt.
    /// </summary>
    internal sealed class CallPump
    {
        const int SliceMs = 50;

        readonly CmdletProvider _provider;
        readonly CancellationTokenSource _cancel;
        readonly ConcurrentQueue<(char Kind, string Text)> _messages = new ConcurrentQueue<(char, string)>();

        readonly RunspaceStore _state;

        public CallPump(CmdletProvider provider, CancellationToken stop, RunspaceStore state)
        {
            _provider = provider;
            _state = state;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Context = new VaultCallContext(_cancel.Token,
                text => _messages.Enqueue(('V', text)),
                text => _messages.Enqueue(('D', text)),
                text => _messages.Enqueue(('W', text)));
        }

        /// <summary>What the client calls get: this provider call's cancellation and message sinks.</summary>
        public VaultCallContext Context { get; }

        public bool IsCancelled => _cancel.IsCancellationRequested;

        bool Stopping
        {
            get
            {
                try { return _provider.Stopping; }
                catch (Exception) { return false; }
            }
        }

        /// <summary>Runs <paramref name="call"/> and waits for it here; its failure is thrown as it is.</summary>
        public T Run<T>(Func<VaultCallContext, Task<T>> call)
        {
            Task<T> task = Task.Run(() => call(Context));
            Wait(task);
            return task.GetAwaiter().GetResult();
        }

        public void Run(Func<VaultCallContext, Task> call)
        {
            Task task = Task.Run(() => call(Context));
            Wait(task);
            task.GetAwaiter().GetResult();
        }

        /// <summary>Waits for a task started earlier (a read-ahead), writing messages and watching for Ctrl+C.</summary>
        public T Wait<T>(Task<T> task)
        {
            Wait((Task)task);
            return task.GetAwaiter().GetResult();
        }

        void Wait(Task task)
        {
            _state.AddCall(_cancel);
            try
            {
                while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(SliceMs))
                {
                    Flush();
                    if (Stopping) _cancel.Cancel();
                }
            }
            finally
            {
                _state.RemoveCall(_cancel);
            }
            Flush();
        }

        /// <summary>
        /// A listing streamed to <paramref name="onItem"/> on this thread as Vault's pages arrive (at most a
        /// thousand items wait in between). <paramref name="list"/> also gets whether onItem has had the first
        /// item yet (so the listing may ask for its next page early). When <paramref name="onItem"/> throws (the
        /// pipeline stops, a downstream Select-Object -First is satisfied), the listing is cancelled before the
        /// exception goes on.
        /// </summary>
        public void Stream(Func<VaultCallContext, Func<StagingItem, bool>, Func<bool>, Task> list, Action<StagingItem> onItem)
        {
            int shown = 0;
            using (var local = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token))
            using (var queue = new BlockingCollection<StagingItem>(1000))
            {
                VaultCallContext ctx = Context.WithCancellation(local.Token);
                Task producer = Task.Run(async () =>
                {
                    try
                    {
                        await list(ctx, item =>
                        {
                            queue.Add(item, local.Token);
                            return true;
                        }, () => Volatile.Read(ref shown) == 1).ConfigureAwait(false);
                    }
                    finally
                    {
                        queue.CompleteAdding();
                    }
                });
                bool finished = false;
                _state.AddCall(_cancel);
                try
                {
                    while (true)
                    {
                        Flush();
                        if (Stopping) _cancel.Cancel();
                        if (queue.TryTake(out StagingItem item, SliceMs))
                        {
                            onItem(item);
                            Volatile.Write(ref shown, 1);
                            continue;
                        }
                        if (queue.IsCompleted) break;
                    }
                    finished = true;
                }
                finally
                {
                    _state.RemoveCall(_cancel);
                    if (!finished)
                    {
                        local.Cancel();
                        try { producer.Wait(); } catch (Exception) { }
                    }
                }
                Wait(producer);
                producer.GetAwaiter().GetResult();
            }
        }

        /// <summary>Writes the queued lines. Only on the pipeline thread.</summary>
        public void Flush()
        {
            while (_messages.TryDequeue(out var m))
            {
                try
                {
                    switch (m.Kind)
                    {
                        case 'D': _provider.WriteDebug(m.Text); break;
                        case 'W': _provider.WriteWarning(m.Text); break;
                        default: _provider.WriteVerbose(m.Text); break;
                    }
                }
                catch (InvalidOperationException)
                {
                    // The command can no longer write (it is being disposed): the line is dropped.
                }
            }
        }
    }
}
