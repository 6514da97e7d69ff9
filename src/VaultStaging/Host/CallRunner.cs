using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Vault;

namespace VaultStaging.Host
{
    /// <summary>
    /// What the runner needs of the command it serves: the pipeline thread's writes, ShouldProcess, and
    /// whether PowerShell is stopping it. A cmdlet and the provider each are one (their own methods fit).
    /// </summary>
    internal interface IPipeline
    {
        void WriteVerbose(string text);
        void WriteDebug(string text);
        void WriteWarning(string text);
        bool ShouldProcess(string target, string action);
        bool Stopping { get; }
    }

    /// <summary>
    /// The one way the module waits (as PowerShell's WebCmdlet StreamHelper and AWS Tools' ProgressRunner do):
    /// the work runs on pool threads; the pipeline thread, the only one that may write, waits in short slices and
    /// in each writes the client's verbose, debug and warning lines, answers confirmations asked from the pool
    /// (ShouldProcess), shows progress, and notices Ctrl+C within a slice and cancels the work. Single calls,
    /// listings streamed item by item, batches of transfers and waits for jobs all go through
    /// <see cref="Serve{T}"/>. While it waits, its cancellation is one of the runspace's calls in flight, so a
    /// stop that reaches another instance of the provider in the runspace cancels it too.
    /// </summary>
    internal sealed class CallRunner : IDisposable
    {
        const int SliceMs = 50;

        /// <summary>Takes the next finished piece of work within <paramref name="milliseconds"/>, if one came.</summary>
        public delegate bool TryTake<T>(int milliseconds, out T item);

        readonly IPipeline _pipeline;
        readonly RunspaceStore _store;
        readonly CancellationTokenSource _cancel;
        readonly ConcurrentQueue<(char Kind, string Text)> _messages = new ConcurrentQueue<(char, string)>();
        readonly ConcurrentQueue<(string Target, string Action, TaskCompletionSource<bool> Answer)> _questions =
            new ConcurrentQueue<(string, string, TaskCompletionSource<bool>)>();

        // verbose, debug: whether anybody will see those lines; when not, the client does not build them.
        public CallRunner(IPipeline pipeline, CancellationToken stop, RunspaceStore store, bool verbose = true, bool debug = true)
        {
            _pipeline = pipeline;
            _store = store;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Context = new VaultCallContext(_cancel.Token,
                verbose ? text => _messages.Enqueue(('V', text)) : (Action<string>)null,
                debug ? text => _messages.Enqueue(('D', text)) : (Action<string>)null,
                text => _messages.Enqueue(('W', text)));
        }

        /// <summary>What the client calls get: this command's cancellation and message sinks.</summary>
        public VaultCallContext Context { get; }

        public bool IsCancelled => _cancel.IsCancellationRequested;

        /// <summary>Cancels the work in flight (Ctrl+C reached the command).</summary>
        public void Cancel()
        {
            try { _cancel.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        /// <summary>
        /// Serves the pipeline thread until <paramref name="done"/>: each slice writes what is queued, answers
        /// questions, watches for Ctrl+C, hands a finished piece of work to <paramref name="onItem"/> (on this
        /// thread) and calls <paramref name="tick"/> (progress).
        /// </summary>
        public void Serve<T>(TryTake<T> take, Func<bool> done, Action<T> onItem, Action tick = null)
        {
            _store.AddCall(_cancel);
            try
            {
                while (!done())
                {
                    bool got = take(SliceMs, out T item);
                    Flush();
                    AnswerQuestions();
                    if (Stopping) Cancel();
                    if (got) onItem(item);
                    tick?.Invoke();
                }
            }
            finally
            {
                _store.RemoveCall(_cancel);
            }
            Flush();
        }

        /// <summary>Waits here for a task (a call, or a read-ahead started earlier); its failure is thrown as it is.</summary>
        public T Wait<T>(Task<T> task)
        {
            Wait((Task)task);
            return task.GetAwaiter().GetResult();
        }

        public void Wait(Task task)
        {
            Serve<object>((int ms, out object none) =>
            {
                none = null;
                ((IAsyncResult)task).AsyncWaitHandle.WaitOne(ms);
                return false;
            }, () => task.IsCompleted, null);
            task.GetAwaiter().GetResult();
        }

        /// <summary>Runs <paramref name="call"/> on the pool and waits for it here.</summary>
        public T Run<T>(Func<VaultCallContext, Task<T>> call) => Wait(Task.Run(() => call(Context)));

        public void Run(Func<VaultCallContext, Task> call) => Wait(Task.Run(() => call(Context)));

        /// <summary>
        /// Work whose pieces <paramref name="produce"/> hands over as they come (a listing's items, jobs as they
        /// end), each given to <paramref name="onItem"/> on this thread; at most a thousand wait in between.
        /// <paramref name="produce"/> also gets the count of pieces onItem has had (a listing asks for its next
        /// page only once the user has an item of this one). When <paramref name="onItem"/> throws (the pipeline
        /// stops, a downstream Select-Object -First is satisfied), the work is cancelled and waited for before the
        /// exception goes on.
        /// </summary>
        public void Stream<T>(Func<VaultCallContext, Func<T, bool>, ItemsShown, Task> produce, Action<T> onItem)
        {
            var shown = new ItemsShown();
            using (var local = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token))
            using (var queue = new BlockingCollection<T>(1000))
            using (local.Token.Register(shown.Stop))
            {
                VaultCallContext ctx = Context.WithCancellation(local.Token);
                Task producer = Task.Run(async () =>
                {
                    try
                    {
                        await produce(ctx, item =>
                        {
                            queue.Add(item, local.Token);
                            return true;
                        }, shown).ConfigureAwait(false);
                    }
                    finally
                    {
                        queue.CompleteAdding();
                    }
                });
                bool finished = false;
                try
                {
                    Serve((int ms, out T item) => queue.TryTake(out item, ms), () => queue.IsCompleted, item =>
                    {
                        onItem(item);
                        shown.Add();
                    });
                    finished = true;
                }
                finally
                {
                    if (!finished)
                    {
                        local.Cancel();
                        try { producer.Wait(); } catch (Exception) { }
                    }
                }
                Wait(producer);
            }
        }

        /// <summary>ShouldProcess asked from a pool thread; answered on the pipeline thread in the next slice.</summary>
        public Task<bool> ConfirmAsync(string target, string action, CancellationToken cancellationToken)
        {
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            cancellationToken.Register(() => answer.TrySetCanceled());
            _questions.Enqueue((target, action, answer));
            return answer.Task;
        }

        void AnswerQuestions()
        {
            while (_questions.TryDequeue(out var q))
            {
                if (q.Answer.Task.IsCompleted) continue;
                try
                {
                    q.Answer.TrySetResult(_pipeline.ShouldProcess(q.Target, q.Action));
                }
                catch (Exception e)
                {
                    q.Answer.TrySetException(e);
                    throw;
                }
            }
        }

        bool Stopping
        {
            get
            {
                try { return _pipeline.Stopping; }
                catch (Exception) { return false; }
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
                        case 'D': _pipeline.WriteDebug(m.Text); break;
                        case 'W': _pipeline.WriteWarning(m.Text); break;
                        default: _pipeline.WriteVerbose(m.Text); break;
                    }
                }
                catch (InvalidOperationException)
                {
                    // The command can no longer write (it is being disposed): the line is dropped.
                }
            }
        }

        public void Dispose() => _cancel.Dispose();
    }
}
