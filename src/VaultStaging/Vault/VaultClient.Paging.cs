using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    public sealed partial class VaultClient
    {
        /// <summary>
        /// Streams the items of <c>data[]</c> of a listing as they arrive, page after page along
        /// <c>responseDetails.next_page</c>. A page that fails mid-way (a dropped connection, a cut-off body)
        /// is read again and the items already returned are skipped by <paramref name="keyOf"/>, so a retry
        /// never duplicates an object on the pipeline.
        /// </summary>
        internal IEnumerable<T> ReadPages<T>(VaultRequest firstPage, Func<JsonReader, T> readItem, Func<T, string> keyOf, VaultCallContext ctx)
        {
            ThrowIfDisposed();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            VaultRequest request = firstPage;
            int pages = 0;
            while (request != null)
            {
                pages++;
                using (var page = new PageReader<T>(this, request, readItem, ctx))
                {
                    while (page.MoveNext())
                    {
                        string key = keyOf(page.Current);
                        if (key != null && !seen.Add(key)) continue;
                        yield return page.Current;
                    }
                    request = NextPage(page.NextPageLink, firstPage, pages);
                }
            }
        }

        /// <summary>Follows next_page only on this vault: a link to another host would receive our session.</summary>
        VaultRequest NextPage(string link, VaultRequest firstPage, int pagesSoFar)
        {
            if (string.IsNullOrEmpty(link)) return null;
            if (!Uri.TryCreate(BaseUri, link, out Uri next)
                || !string.Equals(next.Scheme, BaseUri.Scheme, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(next.Host, BaseUri.Host, StringComparison.OrdinalIgnoreCase)
                || next.Port != BaseUri.Port)
            {
                throw new VaultException(VaultFailureKind.Client, "HTTP_ERROR",
                    $"{firstPage.Description} stopped after page {pagesSoFar}: Vault's next_page link points away from {VaultAddress.DisplayName(BaseUri)}, and it is not followed with this connection's session.");
            }
            return new VaultRequest(HttpMethod.Get, firstPage.ApiPath, firstPage.Description + ", page " + (pagesSoFar + 1)) { AbsoluteUri = next };
        }

        /// <summary>
        /// Reads one page's envelope token by token: properties before <c>data</c> are kept, each item of
        /// <c>data[]</c> is handed out as soon as it is read, properties after it (responseDetails) are kept,
        /// and a FAILURE envelope is raised. A class rather than an iterator because C# cannot yield inside
        /// the try/catch that the retry needs.
        /// </summary>
        sealed class PageReader<T> : IDisposable
        {
            readonly VaultClient _client;
            readonly VaultRequest _request;
            readonly Func<JsonReader, T> _readItem;
            readonly VaultCallContext _ctx;
            readonly RetryState _retry = new RetryState();

            OpenResponse _open;
            StreamReader _text;
            JsonTextReader _json;
            JObject _envelope;
            bool _inData;
            string _sessionUsed;
            int _items;

            public PageReader(VaultClient client, VaultRequest request, Func<JsonReader, T> readItem, VaultCallContext ctx)
            {
                _client = client;
                _request = request;
                _readItem = readItem;
                _ctx = ctx;
            }

            public T Current { get; private set; }
            public string NextPageLink { get; private set; }

            public bool MoveNext()
            {
                while (true)
                {
                    VaultException failure;
                    try
                    {
                        if (_open == null) Open();
                        return ReadOn();
                    }
                    catch (Exception e) when (IsCallFailure(e) && _open != null)
                    {
                        Exception mapped = _client.MapFailure(e, _open, _ctx);
                        Close();
                        if (!(mapped is VaultException vault)) throw mapped;
                        failure = vault;
                    }
                    catch (VaultException e)
                    {
                        Close();
                        failure = e;
                    }
                    // Returns when a retry is due (after its wait or a new login); throws otherwise.
                    _client.HandleFailureAsync(_request, failure, _sessionUsed, _retry, _ctx).GetAwaiter().GetResult();
                }
            }

            void Open()
            {
                _client.RenewIfOldAsync(_request, _ctx).GetAwaiter().GetResult();
                _client.PaceAsync(_ctx).GetAwaiter().GetResult();
                _sessionUsed = _client._sessionId;
                _open = _client.OpenAsync(_request, _ctx, _sessionUsed).GetAwaiter().GetResult();
                _text = new StreamReader(_open.Body, Encoding.UTF8, false, 16 * 1024);
                _json = VaultJson.CreateReader(_text);
                _envelope = new JObject();
                _inData = false;
                _items = 0;
                if (!_json.Read() || _json.TokenType != JsonToken.StartObject)
                    throw new JsonReaderException("The answer is not a JSON object.");
            }

            bool ReadOn()
            {
                while (true)
                {
                    if (!_json.Read()) throw new JsonReaderException("The answer ended before its JSON object was complete.");
                    if (_inData)
                    {
                        if (_json.TokenType == JsonToken.EndArray) { _inData = false; continue; }
                        T item = _readItem(_json);
                        _items++;
                        Current = item;
                        return true;
                    }
                    if (_json.TokenType == JsonToken.EndObject)
                    {
                        Finish();
                        return false;
                    }
                    string name = (string)_json.Value;
                    _json.Read();
                    if (name == "data" && _json.TokenType == JsonToken.StartArray && (string)_envelope["responseStatus"] != "FAILURE")
                    {
                        _inData = true;
                        continue;
                    }
                    _envelope[name] = JToken.ReadFrom(_json);
                }
            }

            void Finish()
            {
                if (_json.Read()) throw new JsonReaderException("Unexpected content after the JSON object.");
                _client.ThrowIfFailure(_envelope, _open);
                NextPageLink = (string)(_envelope["responseDetails"] as JObject)?["next_page"];
                _ctx.Verbose($"{_open.Operation} -> {(int)_open.Response.StatusCode} {(string)_envelope["responseStatus"]}, {_items} item(s) in {_open.Watch.ElapsedMilliseconds} ms{_client.BurstNote(_open.Response)}");
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

            public void Dispose() => Close();
        }
    }
}
