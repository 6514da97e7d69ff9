using System;
using System.Globalization;
using System.Net.Http.Headers;

namespace VaultStaging.Vault
{
    /// <summary>
    /// Bounded retries with exponential back-off and jitter for transient failures. Bounded twice:
    /// by the number of retries and by the total time spent waiting, so a runbook never hangs.
    /// </summary>
    public sealed class RetryPolicy
    {
        [ThreadStatic] static Random t_random;

        public int MaximumRetryCount { get; set; } = 5;
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaximumDelay { get; set; } = TimeSpan.FromSeconds(60);
        public TimeSpan MaximumTotalDelay { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The wait before retry number <paramref name="retry"/> (1-based), or null when no retry is left.</summary>
        public TimeSpan? NextDelay(int retry, TimeSpan waitedSoFar, TimeSpan? retryAfter)
        {
            if (retry > MaximumRetryCount) return null;
            TimeSpan delay;
            if (retryAfter.HasValue)
            {
                // The server said how long: honour it (capped), no jitter below it.
                delay = retryAfter.Value < TimeSpan.Zero ? TimeSpan.Zero : retryAfter.Value;
                if (delay > MaximumDelay) delay = MaximumDelay;
            }
            else
            {
                double exp = BaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1);
                double capped = Math.Min(exp, MaximumDelay.TotalMilliseconds);
                // "Equal jitter": half fixed, half random, so parallel clients spread out but still back off.
                Random rng = t_random ?? (t_random = new Random(Guid.NewGuid().GetHashCode()));
                delay = TimeSpan.FromMilliseconds(capped / 2 + rng.NextDouble() * capped / 2);
            }
            if (waitedSoFar + delay > MaximumTotalDelay) return null;
            return delay;
        }

        /// <summary>Retry-After in either of its forms: delta seconds or an HTTP date.</summary>
        public static TimeSpan? ParseRetryAfter(RetryConditionHeaderValue header, DateTimeOffset now)
        {
            if (header == null) return null;
            if (header.Delta.HasValue) return header.Delta.Value;
            if (header.Date.HasValue)
            {
                TimeSpan span = header.Date.Value - now;
                return span < TimeSpan.Zero ? TimeSpan.Zero : span;
            }
            return null;
        }

        /// <summary>Retry-After from a raw header value, for answers whose typed header did not parse.</summary>
        public static TimeSpan? ParseRetryAfter(string value, DateTimeOffset now)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
                return TimeSpan.FromSeconds(seconds);
            if (DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date))
            {
                TimeSpan span = date - now;
                return span < TimeSpan.Zero ? TimeSpan.Zero : span;
            }
            return null;
        }
    }
}
