using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;

namespace VaultStaging.Vault
{
    /// <summary>Listings: the items of <c>data[]</c> streamed as they arrive, page after page along <c>responseDetails.next_page</c>.</summary>
    public sealed partial class VaultClient
    {
        /// <summary>
        /// A listing for pool threads, which never wait on the network: <paramref name="onItem"/> returns
        /// false to stop. Items go to onItem, which may only queue them for another thread (the runner):
        /// taking one is not yet handing it out to the user, so <paramref name="shown"/> counts what the user has:
        /// a page is asked for only once the user has an item of the page before it (see <see cref="ItemsShown"/>).
        /// Without it, page 2 is asked for once page 1 is read, later pages early.
        /// The first item waits for <paramref name="beforeFirstItem"/> (a call made at the same time as the first
        /// page, whose answer onItem needs), so neither call waits for the other.
        /// </summary>
        internal async Task ReadPagesAsync<T>(VaultRequest firstPage, Func<JsonReader, T> readItem, Func<T, string> keyOf, Func<T, bool> onItem, VaultCallContext ctx,
            ItemsShown shown = null, Task beforeFirstItem = null)
        {
            ThrowIfDisposed();
            var listing = new Listing<T>(this, firstPage, readItem, keyOf, ctx) { Shown = shown };
            try
            {
                while (await listing.MoveNextAsync().ConfigureAwait(false))
                {
                    if (beforeFirstItem != null)
                    {
                        await beforeFirstItem.ConfigureAwait(false);
                        beforeFirstItem = null;
                    }
                    if (!onItem(listing.Current)) return;
                }
            }
            finally
            {
                await listing.CloseAsync().ConfigureAwait(false);
            }
        }

        /// <summary>
        /// One listing across its pages. A page that fails mid-way (a dropped connection, a cut-off body) is
        /// read again and the items of that page already handed out are skipped by key, so a retry never
        /// duplicates an object. next_page is followed only on this vault, and never twice (a loop). A cursor
        /// that Vault refuses later (they expire after 30 minutes: a slow consumer) restarts the listing from
        /// its first page, skipping the items already handed out, when the restarted listing still has them
        /// in the same order; memory stays one page whatever the listing's length.
        /// <para>
        /// The next page is asked for early: Vault puts responseDetails (next_page) before data, so once the
        /// consumer has taken an item of this page and asks for more, the next page's request goes out while
        /// this page is still being read and handed out. Its round trip then overlaps this page's transfer
        /// and the consumer's work instead of following them. The first item of a page always comes out
        /// before the next page is asked for (so <c>Select-Object -First 1</c> asks for one page), and at most
        /// two pages are open at once: the one being read and the next, whose answer waits unread. As the consumer
        /// only queues the items (<see cref="ReadPagesAsync{T}"/>), the next page is asked for early only once the
        /// user has an item of this one, and page 2 not before the user has the first item (without that count,
        /// page 2 once page 1 has been read, later pages early).
        /// </para>
        /// </summary>
        sealed class Listing<T>
        {
            const int MaxRestarts = 3;

            readonly VaultClient _client;
            readonly VaultRequest _firstPage;
            readonly Func<JsonReader, T> _readItem;
            readonly Func<T, string> _keyOf;
            readonly VaultCallContext _ctx;
            readonly HashSet<string> _links = new HashSet<string>(StringComparer.Ordinal);
            readonly HashSet<string> _pageKeys = new HashSet<string>(StringComparer.Ordinal);

            PageReader<T> _page;
            VaultRequest _request;
            int _pages;
            long _handedOut;
            int _handedOutOfPage;
            string _lastKey;
            long _toSkip;
            int _restarts;

            // The next page, asked for early (see the class remarks), and the link it was asked with.
            PageReader<T> _next;
            string _nextLink;

            public Listing(VaultClient client, VaultRequest firstPage, Func<JsonReader, T> readItem, Func<T, string> keyOf, VaultCallContext ctx)
            {
                _client = client;
                _firstPage = firstPage;
                _request = firstPage;
                _readItem = readItem;
                _keyOf = keyOf;
                _ctx = ctx;
            }

            public T Current { get; private set; }

            /// <summary>What the user has been handed so far (taking an item only queues it); null when not known.</summary>
            public ItemsShown Shown { get; set; }

            public async Task<bool> MoveNextAsync()
            {
                AskNextPageEarly();
                while (true)
                {
                    if (_page == null)
                    {
                        if (_request == null) return false;
                        _pages++;
                        _pageKeys.Clear();
                        _handedOutOfPage = 0;
                        _page = new PageReader<T>(_client, _request, _readItem, _ctx);
                    }
                    bool more;
                    try
                    {
                        more = await _page.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (VaultException e) when (CursorRefused(e))
                    {
                        await RestartAsync(e).ConfigureAwait(false);
                        continue;
                    }
                    if (!more)
                    {
                        string link = _page.NextPageLink;
                        await _page.CloseAsync().ConfigureAwait(false);
                        _page = null;
                        if (_next != null && link != null && link == _nextLink)
                        {
                            // Asked for already: carry on with that answer.
                            _pages++;
                            _pageKeys.Clear();
                            _handedOutOfPage = 0;
                            _request = _next.Request;
                            _page = _next;
                            _next = null;
                            _nextLink = null;
                            continue;
                        }
                        await DropNextAsync().ConfigureAwait(false); // this page was read again meanwhile and named another cursor
                        // Page 1 read ahead of the user: page 2 waits until the first item is theirs (or they stop).
                        if (_pages < 2 && link != null && _handedOut > 0 && Shown != null) await Shown.First.ConfigureAwait(false);
                        _request = _client.NextPage(link, _firstPage, _pages, _links);
                        continue;
                    }
                    T item = _page.Current;
                    string key = _keyOf(item);
                    if (key != null && !_pageKeys.Add(key)) continue; // the page was read again after a failure
                    if (_toSkip > 0)
                    {
                        _toSkip--;
                        if (_toSkip == 0 && key != _lastKey)
                            throw new VaultException(VaultFailureKind.Client, "LISTING_CHANGED",
                                $"{_firstPage.Description} was read more slowly than Vault keeps its page cursors (30 minutes), and the listing changed in the meantime, so it cannot be continued where it stopped.",
                                "Run the command again; to avoid it, collect the listing first (for example into a variable) before working on each item.");
                        continue;
                    }
                    _handedOut++;
                    _handedOutOfPage++;
                    _lastKey = key;
                    Current = item;
                    return true;
                }
            }

            /// <summary>
            /// The consumer took an item of this page and asks for more: if the page already named the next one,
            /// ask for it now (once), so its round trip overlaps the rest of this page.
            /// </summary>
            void AskNextPageEarly()
            {
                if (_page == null || _next != null || _handedOutOfPage == 0 || _toSkip > 0) return;
                if (Shown == null ? _pages < 2 : Shown.Count <= _handedOut - _handedOutOfPage) return; // the user has none of this page yet
                string link = _page.NextPageLinkSoFar;
                if (string.IsNullOrEmpty(link)) return;
                VaultRequest request;
                try
                {
                    request = _client.NextPage(link, _firstPage, _pages, _links);
                }
                catch (VaultException)
                {
                    return; // a link not to follow: refused as before, once this page has been read
                }
                if (request == null) return;
                _nextLink = link;
                _next = new PageReader<T>(_client, request, _readItem, _ctx);
                _next.StartOpening();
            }

            async Task DropNextAsync()
            {
                PageReader<T> next = _next;
                _next = null;
                _nextLink = null;
                if (next != null) await next.CloseAsync().ConfigureAwait(false);
            }

            /// <summary>A later page refused by Vault (not a passing failure, not a lost session): most likely its cursor expired.</summary>
            bool CursorRefused(VaultException e) =>
                _request != _firstPage && e.Kind == VaultFailureKind.Vault && !e.IsTransient && e.ErrorType != "INVALID_SESSION_ID"
                && e.ErrorType != "INSUFFICIENT_ACCESS" && _restarts < MaxRestarts && _handedOut > 0;

            async Task RestartAsync(VaultException refused)
            {
                _restarts++;
                _ctx.Verbose($"{_firstPage.Description}: Vault refused the cursor of page {_pages} ({refused.ErrorType}); its cursors last 30 minutes. " +
                             $"Listing again from the first page and skipping the {_handedOut} item(s) already written.");
                await CloseAsync().ConfigureAwait(false);
                _links.Clear();
                _pages = 0;
                _request = _firstPage;
                _toSkip = _handedOut;
            }

            /// <summary>Ends the listing, its page and the next one asked for early, and waits for both to let go.</summary>
            public async Task CloseAsync()
            {
                if (_page != null) await _page.CloseAsync().ConfigureAwait(false);
                _page = null;
                await DropNextAsync().ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The request for the page after <paramref name="pagesSoFar"/>: only on this vault (a link to another
        /// host would receive our session) and never a link followed before (a loop would never end).
        /// </summary>
        VaultRequest NextPage(string link, VaultRequest firstPage, int pagesSoFar, HashSet<string> followed)
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
            if (!followed.Add(next.AbsoluteUri))
            {
                throw new VaultException(VaultFailureKind.Client, "HTTP_ERROR",
                    $"{firstPage.Description} stopped after page {pagesSoFar}: Vault's next_page link leads back to a page already read, so the listing would never end.",
                    "Run the command again; if it happens again, report it to Veeva with the execution id from -Verbose.");
            }
            return new VaultRequest(HttpMethod.Get, firstPage.ApiPath, firstPage.Description + ", page " + (pagesSoFar + 1)) { AbsoluteUri = next };
        }
    }

    /// <summary>
    /// How many of a listing's items the user has, when they go to a queue first (the runner's stream): a page is
    /// asked for only once the user has an item of the one before, so <c>Select-Object -First n</c> costs the pages
    /// it needs and one more at most (-First 1: one). A recursive listing's derived folders count too.
    /// </summary>
    public sealed class ItemsShown
    {
        readonly TaskCompletionSource<bool> _first = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        long _count;

        public long Count => Interlocked.Read(ref _count);

        /// <summary>Completes with the first item shown; cancelled when the consumer stops first.</summary>
        public Task First => _first.Task;

        public void Add() { if (Interlocked.Increment(ref _count) == 1) _first.TrySetResult(true); }

        public void Stop() => _first.TrySetCanceled();
    }
}
