using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VaultStaging.Vault;

namespace VaultStaging.Diagnostics
{
    /// <summary>
    /// The checks of -ReadOnly, which learn the forms from what is already there, and what the forms and ranges
    /// checks share with the writing ones.
    /// </summary>
    internal sealed partial class ConnectionProbe
    {
        async Task RunReadOnlyChecksAsync()
        {
            const string why = "-ReadOnly: this check writes to the staging server.";
            Skip("SmallUpload", why);
            JObject file = (_rootPage ?? new JArray()).OfType<JObject>().FirstOrDefault(i =>
                string.Equals(VaultJson.AsString(i["kind"]), "file", StringComparison.OrdinalIgnoreCase) && (VaultJson.AsInt64(i["size"]) ?? 0) > 0);
            if (file == null) Skip("RangedDownload", "-ReadOnly, and no file at the root to read a range of.");
            else await RunCheckAsync("RangedDownload", c => RangedDownloadOfExistingAsync(c, file)).ConfigureAwait(false);
            Skip("UploadSession", why);
            await RunCheckAsync("SessionPathForm", SessionPathFormFromListingAsync).ConfigureAwait(false);
            await RunCheckAsync("ListingForm", ListingFormOfRootAsync).ConfigureAwait(false);
            Skip("ItemJobs", why);
            if (_options.Benchmark) SkipBenchmark("-ReadOnly: the benchmark sends files.");
        }

        async Task RangedDownloadOfExistingAsync(VaultConnectionCheck check, JObject file)
        {
            string path = StagingPath.ForComparison(VaultJson.AsString(file["path"]), _client.UserId, _isAdmin);
            long size = VaultJson.AsInt64(file["size"]) ?? 0;
            long to = Math.Min(size, 65536) - 1;
            VaultClient.RangeAnswer answer = await _client.ProbeRangeAsync(path, 0, to, _ctx).ConfigureAwait(false);
            DescribeRange(check, answer, path, 0, to, size, null);
        }

        async Task SessionPathFormFromListingAsync(VaultConnectionCheck check)
        {
            if (AdminSaysSo(check)) return;
            List<UploadSession> sessions = await _client.ListUploadSessionsAsync(_ctx).ConfigureAwait(false);
            List<string> own = sessions.Where(s => s.Owner == null || s.Owner == _client.UserId).Select(s => s.Path).Where(p => p != null).ToList();
            string itemForm = _client.UserId.HasValue ? ObservedForms.PathForm(RootPaths, _client.UserId.Value) : null;
            string items = itemForm == null ? "" : $" Items at the root are listed {itemForm.ToLowerInvariant()}.";
            string form = _client.UserId.HasValue ? ObservedForms.PathForm(own, _client.UserId.Value) : null;
            if (form == null)
            {
                check.Result = VaultCheckResult.Skipped;
                check.Detail = "-ReadOnly, and this user has no upload session to look at." + items;
                return;
            }
            SetPathForm(check, form, $"{own.Count} upload session(s) of this user listed, e.g. {own[0]}.{items}", itemForm);
        }

        /// <summary>An admin's paths are from the staging root on every vault: the non-admin form cannot be seen from here.</summary>
        bool AdminSaysSo(VaultConnectionCheck check)
        {
            if (!_isAdmin) return false;
            check.Observed = "Admin";
            check.Detail = "This user is an admin: its session and item paths are from the staging root (/u{id}/...) on every vault. " +
                "How this vault lists a non-admin's sessions shows only when a non-admin user runs Test-VaultConnection.";
            return true;
        }

        static void SetPathForm(VaultConnectionCheck check, string form, string evidence, string itemForm)
        {
            check.Observed = form;
            check.Detail = evidence + " Veeva's documents leave the form open; the module accepts both.";
            if (form == ObservedForms.Mixed || (itemForm != null && itemForm != form))
            {
                check.Result = VaultCheckResult.Warning;
                check.Detail = "The vault used more than one path form. " + check.Detail;
            }
        }

        async Task ListingFormOfRootAsync(VaultConnectionCheck check)
        {
            VaultResponse recursive = await _client.ListItemsPageAsync(StagingPath.Root, true, 200, _ctx).ConfigureAwait(false);
            ObservedForms.ListingShape shape = ObservedForms.ShapeOf(_rootPage, recursive.Data as JArray, StagingPath.Root, _client.UserId, _isAdmin);
            SetListingForm(check, shape, "the root (first 200 items of a recursive listing)");
        }

        static void SetListingForm(VaultConnectionCheck check, ObservedForms.ListingShape shape, string where)
        {
            string form = shape.Form;
            check.Observed = form ?? "";
            check.Detail = $"Listing {where}: {shape.Describe()}. The module gives the same results with either form.";
            if (form == null) check.Result = VaultCheckResult.Skipped;
            else if (form == ObservedForms.Mixed) check.Result = VaultCheckResult.Warning;
        }

        static void DescribeRange(VaultConnectionCheck check, VaultClient.RangeAnswer answer, string path, long from, long to, long total, byte[] expected)
        {
            long want = to - from + 1;
            string range = answer.ContentRange ?? "no Content-Range";
            check.Observed = answer.Status == 206 ? "206" : answer.ContentRange != null ? "200 + Content-Range" : answer.Status.ToString(CultureInfo.InvariantCulture);
            check.Detail = $"Bytes {from:N0}-{to:N0} of {path}: HTTP {answer.Status}, {range}, {answer.Bytes.Length:N0} bytes.";
            string expectedRange = $"bytes {from}-{to}/{total}";
            bool bytesRight = answer.Bytes.Length == want && (expected == null || answer.Bytes.SequenceEqual(expected.Skip((int)from).Take((int)want)));
            if (answer.ContentRange != expectedRange || !bytesRight)
            {
                check.Result = VaultCheckResult.Failed;
                check.Detail += $" Expected {expectedRange} and {want:N0} bytes" + (expected != null ? " equal to those sent" : "") + ".";
            }
            else if (expected != null)
            {
                check.Detail += " The bytes are the ones sent.";
            }
        }
    }
}
