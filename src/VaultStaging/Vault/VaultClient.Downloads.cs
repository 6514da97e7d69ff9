using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace VaultStaging.Vault
{
    // Downloads: ranged GETs of staged files.
    public sealed partial class VaultClient
    {
        /// <summary>
        /// Downloads <paramref name="length"/> bytes of the file at <paramref name="path"/> from
        /// <paramref name="offset"/> (one ranged GET of at most <see cref="MaxDirectFileSize"/> bytes), handing
        /// them to <paramref name="write"/> in order. A connection lost mid-way is resumed from the last byte
        /// received, through the client's one retry loop. Every answer's Content-Range must name exactly the
        /// range asked for (else it is refused and asked again), and its total must be
        /// <paramref name="expectedTotal"/>: a file that changed on Vault fails with REMOTE_FILE_CHANGED.
        /// </summary>
        public async Task DownloadRangeAsync(string path, long offset, long length, long expectedTotal,
            Func<byte[], int, int, CancellationToken, Task> write, VaultCallContext ctx)
        {
            if (length <= 0) return;
            if (length > MaxDirectFileSize) throw new ArgumentOutOfRangeException(nameof(length), length, "A range is at most 50,000,000 bytes.");
            string normal = StagingPath.Normalize(path);
            long received = 0;
            var request = new VaultRequest(HttpMethod.Get, ItemsRoot + "/content/" + StagingPath.Escape(normal),
                $"Download bytes {offset:N0}-{offset + length - 1:N0} of {normal}")
            {
                ExpectsBytes = true,
                AddHeaders = m => m.Headers.Range = new RangeHeaderValue(offset + received, offset + length - 1),
            };
            var state = new RetryState();
            try
            {
                await DownloadWithRetriesAsync();
            }
            catch (WriteFailedException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }

            Task DownloadWithRetriesAsync() => WithRetriesAsync(request, async session =>
            {
                OpenResponse open = await OpenAsync(request, ctx, session).ConfigureAwait(false);
                try
                {
                    long from = offset + received;
                    long want = length - received;
                    CheckRange(open, normal, from, want, expectedTotal);
                    var buffer = new byte[81920];
                    while (want > 0)
                    {
                        int n = await open.Body.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, want), open.Timeout.Token).ConfigureAwait(false);
                        if (n == 0) throw new IOException($"The connection ended after {received:N0} of {length:N0} bytes.");
                        try
                        {
                            // The caller may hold these bytes back (its memory for ranges ahead of their turn is
                            // full): a wait on our side is not the network's silence, so the time limit stops.
                            open.Timeout.CancelAfter(Timeout.InfiniteTimeSpan);
                            await write(buffer, 0, n, ctx.CancellationToken).ConfigureAwait(false);
                            open.Touch();
                        }
                        catch (Exception e) when (!(e is OperationCanceledException))
                        {
                            // The caller's side (a full disk): not a transport failure, never retried.
                            throw new WriteFailedException(e);
                        }
                        received += n;
                        want -= n;
                        // Bytes arrived: a later drop starts a fresh retry budget from here.
                        state.Retries = 0;
                    }
                    ctx.Verbose($"{open.Operation} -> {(int)open.Response.StatusCode}, {length:N0} bytes in {open.Watch.ElapsedMilliseconds} ms{BurstNote(open.Response)}");
                    return true;
                }
                catch (Exception e) when (IsCallFailure(e) && !(e is VaultException))
                {
                    throw MapFailure(e, open, ctx);
                }
                finally
                {
                    open.Dispose();
                }
            }, state, ctx);
        }

        /// <summary>A failure of the caller's <c>write</c> during a download, carried past the retry loop untouched.</summary>
        sealed class WriteFailedException : Exception
        {
            public WriteFailedException(Exception inner) : base(inner.Message, inner) { }
        }

        /// <summary>The answer must be the range asked for, of a file of the expected size (Content-Range; a 200 without it is the whole file).</summary>
        void CheckRange(OpenResponse open, string path, long from, long want, long expectedTotal)
        {
            HttpResponseMessage response = open.Response;
            ContentRangeHeaderValue range = response.Content.Headers.ContentRange;
            long? total;
            if (range == null)
            {
                if (response.StatusCode == (HttpStatusCode)206 || from != 0)
                    throw WrongRange(open, path, $"no Content-Range for bytes {from:N0}-{from + want - 1:N0}");
                total = response.Content.Headers.ContentLength;
            }
            else
            {
                if (range.From != from || range.To != from + want - 1)
                    throw WrongRange(open, path, $"Content-Range {range} where bytes {from:N0}-{from + want - 1:N0} were asked for");
                total = range.Length;
            }
            if (total.HasValue && total.Value != expectedTotal)
                throw new VaultException(VaultFailureKind.Client, "REMOTE_FILE_CHANGED",
                    $"{path} changed on Vault during the download: it was {expectedTotal:N0} bytes when listed and is now {total.Value:N0} bytes.",
                    "Run the command again to download the new version from the start.")
                { Operation = open.Operation, ExecutionId = ExecutionIdOf(response) };
        }

        VaultException WrongRange(OpenResponse open, string path, string what) =>
            new VaultException(VaultFailureKind.Http, "WRONG_CONTENT_RANGE",
                $"{open.Request.Description} failed: Vault answered {what}; the bytes were refused.")
            { IsTransient = true, MayHaveBeenApplied = false, Operation = open.Operation, ExecutionId = ExecutionIdOf(open.Response), HttpStatus = (int)open.Response.StatusCode };
    }
}
