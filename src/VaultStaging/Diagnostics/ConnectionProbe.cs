using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VaultStaging.Vault;

namespace VaultStaging.Diagnostics
{
    /// <summary>What Test-VaultConnection was asked to do.</summary>
    internal sealed class ProbeOptions
    {
        /// <summary>The staging folder under which the test makes its own folder; null: the user's root.</summary>
        public string Path;

        /// <summary>No call that writes: the writing checks are Skipped.</summary>
        public bool ReadOnly;

        public bool Benchmark;

        /// <summary>How long each benchmark level sends (and then fetches) files.</summary>
        public TimeSpan BenchmarkLevelTime = TimeSpan.FromSeconds(3);
    }

    /// <summary>
    /// Test-VaultConnection's checks, one after another, each handed to <c>emit</c> as it ends. Everything it
    /// writes is under one new folder of its own; <see cref="RunAsync"/> removes that folder and every upload
    /// session it made before it returns, whatever ended the run (a failure, or Ctrl+C: the clean-up then runs
    /// on its own token). Knows no PowerShell.
    /// </summary>
    internal sealed partial class ConnectionProbe
    {
        readonly VaultConnection _connection;
        readonly VaultClient _client;
        readonly ProbeOptions _options;
        readonly VaultCallContext _ctx;
        readonly Action<VaultConnectionCheck> _emit;

        bool _isAdmin;
        JArray _rootPage;             // the user's root as Vault listed it (ListStaging)
        IDictionary<string, string> _versionsHeaders;      // the headers of ApiVersion's answer (BurstLimit reads them)

        public ConnectionProbe(VaultConnection connection, ProbeOptions options, VaultCallContext ctx, Action<VaultConnectionCheck> emit)
        {
            _connection = connection;
            _client = connection.Client;
            _options = options;
            _ctx = ctx;
            _emit = emit;
        }

        /// <summary>The clean-up's outcome once the run has ended (null before): what a stopped command still reports.</summary>
        public VaultConnectionCheck CleanUpResult { get; private set; }

        public async Task RunAsync()
        {
            try
            {
                await RunCheckAsync("Reach", ReachAsync).ConfigureAwait(false);
                bool loggedIn = await RunCheckAsync("Login", LoginAsync).ConfigureAwait(false);
                if (!loggedIn)
                {
                    foreach (string name in LaterChecks) Skip(name, "Login failed: nothing else can be checked.");
                    return;
                }
                await RunCheckAsync("ApiVersion", ApiVersionAsync).ConfigureAwait(false);
                await RunCheckAsync("BurstLimit", BurstLimitAsync).ConfigureAwait(false);
                await RunCheckAsync("ListStaging", ListStagingAsync).ConfigureAwait(false);
                if (_options.ReadOnly) await RunReadOnlyChecksAsync().ConfigureAwait(false);
                else await RunWritingChecksAsync().ConfigureAwait(false);
            }
            finally
            {
                await CleanUpAsync().ConfigureAwait(false);
            }
        }

        static readonly string[] LaterChecks = { "ApiVersion", "BurstLimit", "ListStaging", "SmallUpload", "RangedDownload", "UploadSession", "SessionPathForm", "ListingForm", "ItemJobs" };

        /// <summary>Runs one check: its duration measured, a Vault failure (or any other) turned into a Failed check, Ctrl+C passed on.</summary>
        async Task<bool> RunCheckAsync(string name, Func<VaultConnectionCheck, Task> body)
        {
            VaultConnectionCheck check = NewCheck(name);
            _ctx.Verbose("Check " + name + "...");
            Stopwatch watch = Stopwatch.StartNew();
            try
            {
                await body(check).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_ctx.CancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                check.Result = VaultCheckResult.Failed;
                check.Detail = Describe(e);
            }
            check.Duration = watch.Elapsed;
            _emit(check);
            return check.Result == VaultCheckResult.Passed || check.Result == VaultCheckResult.Warning;
        }

        VaultConnectionCheck NewCheck(string name) => new VaultConnectionCheck { Check = name, Result = VaultCheckResult.Passed, Vault = _connection.Vault };

        void Skip(string name, string why)
        {
            VaultConnectionCheck check = NewCheck(name);
            check.Result = VaultCheckResult.Skipped;
            check.Detail = why;
            _emit(check);
        }

        /// <summary>A failure in words a support case can use: what failed, what to do, Vault's execution id.</summary>
        static string Describe(Exception e)
        {
            if (e is VaultException v)
            {
                string text = v.ErrorType + ": " + v.Message;
                if (!string.IsNullOrEmpty(v.Hint)) text += " " + v.Hint;
                if (!string.IsNullOrEmpty(v.ExecutionId)) text += $" (Vault execution id {v.ExecutionId}.)";
                return text;
            }
            string message = e.Message;
            for (Exception inner = e.InnerException; inner != null; inner = inner.InnerException) message += " " + inner.Message;
            return e.GetType().Name + ": " + message;
        }

        async Task LoginAsync(VaultConnectionCheck check)
        {
            // An authenticated call (a password connection logs in again here if its session has ended).
            VaultResponse answer = await _client.ListApiVersionsAsync(_ctx).ConfigureAwait(false);
            _isAdmin = await _client.IsAdminAsync(_ctx).ConfigureAwait(false);
            answer.Headers.TryGetValue("X-VaultAPI-UserId", out string headerUser);
            string who = _connection.UserName ?? ("user " + (_connection.UserId?.ToString(CultureInfo.InvariantCulture) ?? headerUser ?? "?"));
            check.Observed = _connection.AuthenticationMethod.ToString();
            check.Detail = $"{who} (user id {_client.UserId?.ToString(CultureInfo.InvariantCulture) ?? headerUser ?? "not reported"}) on vault " +
                $"{_client.VaultId?.ToString(CultureInfo.InvariantCulture) ?? "?"}{(_client.VaultName != null ? " (" + _client.VaultName + ")" : "")}; " +
                (_isAdmin ? "an admin: sees the whole staging server, paths from its root." : $"not an admin: works inside its own folder /u{_client.UserId}, paths from there.");
        }

        async Task ApiVersionAsync(VaultConnectionCheck check)
        {
            VaultResponse answer = await _client.ListApiVersionsAsync(_ctx).ConfigureAwait(false);
            _versionsHeaders = answer.Headers;
            string used = _connection.ApiVersion ?? _client.Options.ApiVersion;
            check.Observed = used;
            List<string> offered = (answer.Body?["values"] as JObject)?.Properties().Select(p => p.Name).OrderBy(VersionKey).ToList() ?? new List<string>();
            if (offered.Count == 0)
            {
                check.Result = VaultCheckResult.Warning;
                check.Detail = "GET /api/ listed no versions; the connection uses " + used + ".";
                return;
            }
            string newest = offered.Last();
            if (!offered.Contains(used))
            {
                check.Result = VaultCheckResult.Failed;
                check.Detail = $"The vault does not offer {used}; it offers {string.Join(", ", offered)}. Connect with -ApiVersion {newest}.";
                return;
            }
            check.Detail = $"Offered: {string.Join(", ", offered)}." + (newest == used ? "" : $" The newest is {newest} (Connect-Vault -ApiVersion {newest} uses it; from v26.2 a file may have 9616 parts).");
        }

        static (int, int) VersionKey(string version)
        {
            string[] parts = version.TrimStart('v', 'V').Split('.');
            int.TryParse(parts[0], out int major);
            int minor = 0;
            if (parts.Length > 1) int.TryParse(parts[1], out minor);
            return (major, minor);
        }

        Task BurstLimitAsync(VaultConnectionCheck check)
        {
            string limitText = null, leftText = null;
            _versionsHeaders?.TryGetValue("X-VaultAPI-BurstLimit", out limitText);
            _versionsHeaders?.TryGetValue("X-VaultAPI-BurstLimitRemaining", out leftText);
            if (!long.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long limit))
            {
                check.Result = VaultCheckResult.Warning;
                check.Observed = "not sent";
                check.Detail = "The answer carried no X-VaultAPI-BurstLimit header: the module cannot see how close it is to Vault's burst limit.";
                return Task.CompletedTask;
            }
            bool hasLeft = long.TryParse(leftText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long left);
            check.Observed = limit.ToString("N0", CultureInfo.InvariantCulture) + " per 5 min";
            check.Detail = (hasLeft ? $"{left:N0} calls left in the current 5-minute window. " : "No X-VaultAPI-BurstLimitRemaining header. ") +
                "Past the limit Vault delays each answer (X-VaultAPI-ResponseDelay, shown by -Verbose); the module spaces its calls out below 5 % left.";
            if (hasLeft && left < limit / 10)
            {
                check.Result = VaultCheckResult.Warning;
                check.Detail = "Less than 10 % of the burst budget is left: calls will soon be delayed. " + check.Detail;
            }
            return Task.CompletedTask;
        }

        /// <summary>The user's root: a non-admin's own folder, an admin's /u{id} (where the test folder goes by default).</summary>
        string UserRoot => _isAdmin && _client.UserId.HasValue ? "/u" + _client.UserId.Value.ToString(CultureInfo.InvariantCulture) : StagingPath.Root;

        async Task ListStagingAsync(VaultConnectionCheck check)
        {
            VaultResponse page = await _client.ListItemsPageAsync(StagingPath.Root, false, VaultClient.MaxItemsPerPage, _ctx).ConfigureAwait(false);
            _rootPage = page.Data as JArray ?? new JArray();
            bool more = VaultJson.AsString(page.Body?["responseDetails"]?["next_page"]) != null;
            int folders = _rootPage.OfType<JObject>().Count(i => string.Equals(VaultJson.AsString(i["kind"]), "folder", StringComparison.OrdinalIgnoreCase));
            check.Observed = _rootPage.Count.ToString("N0", CultureInfo.InvariantCulture) + (more ? "+ items" : " items");
            check.Detail = $"/ ({(_isAdmin ? "the staging root" : "the user's own folder")}): {_rootPage.Count - folders:N0} files and {folders:N0} folders on the first page" +
                (more ? ", and a next_page link for more." : ", no more pages.");
            await ReportLeftoversAsync(check).ConfigureAwait(false);
        }

        /// <summary>The prefix of the test's folder names: what an earlier run that was killed (no clean-up) left behind.</summary>
        internal const string FolderPrefix = "VaultStaging-Test-";

        /// <summary>Folders of earlier runs where this run would make its own: a killed run cannot clean up, so the next one says so.</summary>
        async Task ReportLeftoversAsync(VaultConnectionCheck check)
        {
            string parent = _options.Path != null ? StagingPath.Normalize(_options.Path) : UserRoot;
            JArray items = _rootPage;
            if (parent != StagingPath.Root)
            {
                try
                {
                    items = (await _client.ListItemsPageAsync(parent, false, VaultClient.MaxItemsPerPage, _ctx).ConfigureAwait(false)).Data as JArray;
                }
                catch (VaultException e) when (VaultClient.IsNotFound(e))
                {
                    return; // CreateFolder says what is wrong with -Path
                }
            }
            List<string> left = (items ?? new JArray()).OfType<JObject>()
                .Select(i => StagingPath.ForComparison(VaultJson.AsString(i["path"]) ?? "", _client.UserId, _isAdmin))
                .Where(p => StagingPath.NameOf(p).StartsWith(FolderPrefix, StringComparison.Ordinal))
                .ToList();
            if (left.Count == 0) return;
            check.Result = VaultCheckResult.Warning;
            check.Detail += $" {left.Count} folder(s) of earlier runs of Test-VaultConnection are still there ({string.Join(", ", left.Take(3))}{(left.Count > 3 ? ", ..." : "")}): " +
                $"a run that was killed cannot clean up. Remove them with Get-VaultStagingItem -Path {parent} -Filter '{FolderPrefix}*' | Remove-VaultStagingItem -Recurse, " +
                $"and their upload sessions with Get-VaultUploadSession | Where-Object Path -like '*/{FolderPrefix}*' | Remove-VaultUploadSession.";
        }

        /// <summary>Paths of the items Vault listed at the root, in the form it answered.</summary>
        IEnumerable<string> RootPaths => (_rootPage ?? new JArray()).OfType<JObject>().Select(i => VaultJson.AsString(i["path"])).Where(p => p != null);
    }
}
