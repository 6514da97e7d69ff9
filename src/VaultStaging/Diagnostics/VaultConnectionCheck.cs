using System;

namespace VaultStaging
{
    /// <summary>How one check of Test-VaultConnection ended.</summary>
    public enum VaultCheckResult
    {
        /// <summary>The vault did what the module expects.</summary>
        Passed,
        /// <summary>It worked, but something deserves a look (a certificate about to expire, a low burst budget, an unusual form).</summary>
        Warning,
        /// <summary>The vault refused or answered something the module cannot work with; Detail says what.</summary>
        Failed,
        /// <summary>Not run (-ReadOnly, a check it depends on failed, or nothing to learn from); Detail says why.</summary>
        Skipped,
    }

    /// <summary>
    /// One check of Test-VaultConnection: what was tried, how it ended, what the vault did (Observed: the form or
    /// figure learned, where the check learns one) and the particulars (Detail: times, ids, Vault's execution id).
    /// Flat scalar properties, so a run pastes into a support case as a table, or goes to Export-Csv as it is.
    /// </summary>
    public sealed class VaultConnectionCheck
    {
        /// <summary>The check's name: Reach, Login, ApiVersion, BurstLimit, ListStaging, ...</summary>
        public string Check { get; set; }

        public VaultCheckResult Result { get; set; }

        /// <summary>
        /// What the vault did, in a word or a figure where the check learns something (SessionPathForm: Absolute or
        /// Relative; ListingForm: Reference or Recorded; a benchmark row: MiB/s); empty otherwise.
        /// </summary>
        public string Observed { get; set; }

        /// <summary>The particulars, for a person: what was called, what came back, what to do about a failure.</summary>
        public string Detail { get; set; }

        /// <summary>How long the check took.</summary>
        public TimeSpan Duration { get; set; }

        /// <summary>The vault tested (DNS name, with the port when it is not the default).</summary>
        public string Vault { get; set; }

        public override string ToString() => $"{Check}: {Result}" + (string.IsNullOrEmpty(Observed) ? "" : " (" + Observed + ")");
    }
}
