using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    // One page of a listing (see VaultClient.Paging.cs).
    public sealed partial class VaultClient
    {
        /// <summary>
        /// Reads one page's envelope token by token: properties before <c>data</c> are kept, each item of
        /// <c>data[]</c> is handed out as soon as it is read, properties after it (responseDetails) are kept,
        /// and a FAILURE envelope is raised. Every read is asynchronous. Failures go through the client's one
        /// retry loop, with one retry budget for the whole page.
        /// </summary>
        sealed class PageReader<T>
        {
            readonly VaultClient _client;
            readonly VaultRequest _request;
            readonly Func<JsonReader, T> _readItem;
            readonly VaultCallContext _ctx;
            readonly RetryState _retry = new RetryState();
            readonly CancellationTokenSource _stop;

            OpenResponse _open;
            StreamReader _text;
            JsonTextReader _json;
            JObject _envelope;
            bool _inData;
            int _items;
            Task _opening;

            public PageReader(VaultClient client, VaultRequest request, Func<JsonReader, T> readItem, VaultCallContext ctx)
            {
                _client = client;
                _request = request;
                _readItem = readItem;
                // Its own cancellation as well as the caller's: a page asked for early and never read is stopped on CloseAsync.
                _stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
                _ctx = ctx.WithCancellation(_stop.Token);
            }

            public VaultRequest Request => _request;
            public T Current { get; private set; }
            public string NextPageLink { get; private set; }

            /// <summary>next_page as soon as it was read: Vault sends responseDetails before data.</summary>
            public string NextPageLinkSoFar => NextPageLink ?? VaultJson.AsString((_envelope?["responseDetails"] as JObject)?["next_page"]);

            /// <summary>Sends the request now, on a pool thread; the answer is read by the first <see cref="MoveNextAsync"/>.</summary>
            public void StartOpening()
            {
                if (_opening != null || _open != null) return;
                _opening = Task.Run(() => _client.WithRetriesAsync(_request, session => AttemptAsync(session, () => Task.FromResult(true)), _retry, _ctx));
            }

            public async Task<bool> MoveNextAsync()
            {
                if (_opening != null)
                {
                    Task opening = _opening;
                    _opening = null;
                    await opening.ConfigureAwait(false); // its failure (after its retries) is this page's failure
                }
                return await _client.WithRetriesAsync(_request, session => AttemptAsync(session, ReadOnAsync), _retry, _ctx).ConfigureAwait(false);
            }

            /// <summary>
            /// One attempt of the retry loop: opens the page if it is not open yet, then <paramref name="then"/>. A
            /// failure closes the page (the next attempt reads it again) and becomes a VaultException.
            /// </summary>
            async Task<bool> AttemptAsync(string session, Func<Task<bool>> then)
            {
                try
                {
                    if (_open == null) await OpenAsync(session).ConfigureAwait(false);
                    return await then().ConfigureAwait(false);
                }
                catch (Exception e) when (IsCallFailure(e) && !(e is VaultException) && _open != null)
                {
                    Exception mapped = _client.MapFailure(e, _open, _ctx);
                    Close();
                    throw mapped;
                }
                catch (VaultException)
                {
                    Close();
                    throw;
                }
            }

            /// <summary>
            /// An answer this small (a list of upload sessions, a short page) is read whole with one wait, then
            /// parsed from memory without more: no task per token, no JToken per item. Larger ones (a page of
            /// 1,000 items) stream, each item handed out as it arrives.
            /// </summary>
            const long WholeBodyLimit = 64 * 1024;

            static readonly Task<bool> True = Task.FromResult(true);
            static readonly Task<bool> False = Task.FromResult(false);

            bool _inMemory;

            async Task OpenAsync(string session)
            {
                _open = await _client.OpenAsync(_request, _ctx, session).ConfigureAwait(false);
                Stream body = _open.Body;
                long? length = _open.Response.Content?.Headers.ContentLength;
                _inMemory = length.HasValue && length.Value <= WholeBodyLimit;
                if (_inMemory)
                {
                    var whole = new MemoryStream((int)length.Value);
                    await body.CopyToAsync(whole, 16 * 1024, Token).ConfigureAwait(false);
                    whole.Position = 0;
                    body = whole;
                }
                _text = new StreamReader(body, Encoding.UTF8, false, 16 * 1024);
                _json = VaultJson.CreateReader(_text);
                _envelope = new JObject();
                _inData = false;
                _items = 0;
                if (!await ReadTokenAsync().ConfigureAwait(false) || _json.TokenType != JsonToken.StartObject)
                    throw new JsonReaderException("The answer is not a JSON object.");
            }

            CancellationToken Token => _open.Timeout.Token;

            Task<bool> ReadTokenAsync() => _inMemory ? (_json.Read() ? True : False) : _json.ReadAsync(Token);

            Task<JToken> ReadValueAsync() => _inMemory ? Task.FromResult(JToken.ReadFrom(_json)) : JToken.ReadFromAsync(_json, Token);

            async Task<bool> ReadOnAsync()
            {
                while (true)
                {
                    if (!await ReadTokenAsync().ConfigureAwait(false)) throw new JsonReaderException("The answer ended before its JSON object was complete.");
                    if (_inData)
                    {
                        if (_json.TokenType == JsonToken.EndArray) { _inData = false; continue; }
                        if (_inMemory)
                        {
                            // Everything is in memory: the item is parsed straight from the answer's reader.
                            int depth = _json.Depth;
                            bool isObject = _json.TokenType == JsonToken.StartObject;
                            Current = _readItem(_json);
                            if (isObject && (_json.TokenType != JsonToken.EndObject || _json.Depth != depth))
                                throw new JsonReaderException("An item of the answer was not read to its end.");
                        }
                        else
                        {
                            // The item is read whole without blocking, then parsed from memory.
                            JToken raw = await JToken.ReadFromAsync(_json, Token).ConfigureAwait(false);
                            using (JsonReader item = raw.CreateReader())
                            {
                                item.Read();
                                Current = _readItem(item);
                            }
                        }
                        _items++;
                        return true;
                    }
                    if (_json.TokenType == JsonToken.EndObject)
                    {
                        await FinishAsync().ConfigureAwait(false);
                        return false;
                    }
                    string name = (string)_json.Value;
                    await ReadTokenAsync().ConfigureAwait(false);
                    if (name == "data" && _json.TokenType == JsonToken.StartArray && VaultJson.AsString(_envelope["responseStatus"]) != "FAILURE")
                    {
                        _inData = true;
                        continue;
                    }
                    _envelope[name] = await ReadValueAsync().ConfigureAwait(false);
                }
            }

            async Task FinishAsync()
            {
                if (await ReadTokenAsync().ConfigureAwait(false)) throw new JsonReaderException("Unexpected content after the JSON object.");
                _client.ThrowIfFailure(_envelope, _open);
                ReportWarnings(_envelope, _request.Description, _ctx);
                NextPageLink = VaultJson.AsString((_envelope["responseDetails"] as JObject)?["next_page"]);
                _ctx.Verbose($"{_open.Operation} -> {(int)_open.Response.StatusCode} {VaultJson.AsString(_envelope["responseStatus"])}, {_items} item(s) in {_open.Watch.ElapsedMilliseconds} ms{_client.BurstNote(_open.Response)}");
                Close();
            }

            void Close()
            {
                ((IDisposable)_json)?.Dispose();
                _text?.Dispose();
                _open?.Dispose();
                _json = null;
                _text = null;
                _open = null;
            }

            /// <summary>Ends the page: one asked for early and not read is stopped and awaited, so no request outlives the listing.</summary>
            public async Task CloseAsync()
            {
                Task opening = _opening;
                _opening = null;
                if (opening != null)
                {
                    _stop.Cancel();
                    try { await opening.ConfigureAwait(false); }
                    catch (Exception) { }
                }
                Close();
                _stop.Dispose();
            }
        }
    }
}
