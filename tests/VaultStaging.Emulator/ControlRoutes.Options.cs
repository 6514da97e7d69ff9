using System.Text.RegularExpressions;

namespace VaultStaging.Emulator;

// GET/POST /_emulator/options: the behavioural options that may change at run time (EmulatorOptions).
internal static partial class ControlRoutes
{
    /// <summary>The run-time adjustable options; on POST, absent (null) fields are left alone.</summary>
    private sealed class OptionsView
    {
        /// <summary>0 = no paging.</summary>
        public int? ListPageSize { get; set; }
        public int? JobDurationMs { get; set; }
        public double? JobStatusMinIntervalSeconds { get; set; }
        /// <summary>"" = accept any client id.</summary>
        public string? RequiredClientIdPattern { get; set; }
        public double? SessionInactivitySeconds { get; set; }
        public double? SessionMaxLifetimeSeconds { get; set; }
        public int? BurstLimit { get; set; }
        public int? BurstDelayMs { get; set; }
        public int? MaxActiveUploadSessions { get; set; }
        public NonAdminPathStyle? NonAdminPaths { get; set; }
        public List<string>? ApiVersions { get; set; }
        public SessionFieldsStyle? SessionFields { get; set; }
        public ListingFormStyle? ListingForm { get; set; }
        /// <summary>-1 = the same as jobDurationMs.</summary>
        public int? ItemJobDurationMs { get; set; }
        /// <summary>206 or 200.</summary>
        public int? RangeStatus { get; set; }
        public RangePastEndStyle? RangePastEnd { get; set; }
        public NonEmptyDeleteStyle? NonEmptyDelete { get; set; }
        public long? ItemMaxBytes { get; set; }
        public int? LatencyMs { get; set; }
        public double? BandwidthMbps { get; set; }
        /// <summary>Situation -> error type; on POST only the situations given change.</summary>
        public Dictionary<string, string>? ErrorTypes { get; set; }

        public static OptionsView From(EmulatorOptions o) => new()
        {
            ListPageSize = o.ListPageSize ?? 0,
            JobDurationMs = o.JobDurationMs,
            JobStatusMinIntervalSeconds = o.JobStatusMinIntervalSeconds,
            RequiredClientIdPattern = o.RequiredClientIdPattern ?? "",
            SessionInactivitySeconds = o.SessionInactivityTimeout.TotalSeconds,
            SessionMaxLifetimeSeconds = o.SessionMaxLifetime.TotalSeconds,
            BurstLimit = o.BurstLimit,
            BurstDelayMs = o.BurstDelayMs,
            MaxActiveUploadSessions = o.MaxActiveUploadSessions,
            NonAdminPaths = o.NonAdminPaths,
            ApiVersions = [.. o.ApiVersions],
            SessionFields = o.SessionFields,
            ListingForm = o.ListingForm,
            ItemJobDurationMs = o.ItemJobDurationMs ?? -1,
            RangeStatus = o.RangeStatus,
            RangePastEnd = o.RangePastEnd,
            NonEmptyDelete = o.NonEmptyDelete,
            ItemMaxBytes = o.ItemMaxBytes,
            LatencyMs = o.LatencyMs,
            BandwidthMbps = o.BandwidthMbps,
            ErrorTypes = new Dictionary<string, string>(o.ErrorTypes),
        };

        public void ApplyTo(EmulatorOptions o)
        {
            // Everything is checked before anything changes.
            if (RequiredClientIdPattern is { Length: > 0 } pattern) _ = new Regex(pattern); // throws ArgumentException if invalid
            if (RangeStatus is { } rangeStatus && rangeStatus is not (200 or 206)) throw new ArgumentException("rangeStatus must be 206 or 200");
            if (ItemMaxBytes is <= 0) throw new ArgumentException("itemMaxBytes must be positive");
            foreach (var (situation, type) in ErrorTypes ?? [])
            {
                if (!o.ErrorTypes.ContainsKey(situation))
                    throw new ArgumentException($"Unknown error situation '{situation}'. Situations: {string.Join(", ", o.ErrorTypes.Keys)}");
                if (string.IsNullOrWhiteSpace(type)) throw new ArgumentException($"errorTypes.{situation} must be an error type");
            }
            if (ListPageSize is { } pageSize) o.ListPageSize = pageSize > 0 ? pageSize : null;
            if (JobDurationMs is { } duration) o.JobDurationMs = Math.Max(0, duration);
            if (JobStatusMinIntervalSeconds is { } interval) o.JobStatusMinIntervalSeconds = Math.Max(0, interval);
            if (RequiredClientIdPattern is not null) o.RequiredClientIdPattern = RequiredClientIdPattern.Length > 0 ? RequiredClientIdPattern : null;
            if (SessionInactivitySeconds is { } inactivity) o.SessionInactivityTimeout = TimeSpan.FromSeconds(inactivity);
            if (SessionMaxLifetimeSeconds is { } lifetime) o.SessionMaxLifetime = TimeSpan.FromSeconds(lifetime);
            if (BurstLimit is { } limit) o.BurstLimit = limit;
            if (BurstDelayMs is { } burstDelay) o.BurstDelayMs = Math.Max(0, burstDelay);
            if (MaxActiveUploadSessions is { } max) o.MaxActiveUploadSessions = max;
            if (NonAdminPaths is { } style) o.NonAdminPaths = style;
            if (ApiVersions is { Count: > 0 } versions) o.ApiVersions = versions;
            if (SessionFields is { } fields) o.SessionFields = fields;
            if (ListingForm is { } form) o.ListingForm = form;
            if (ItemJobDurationMs is { } itemDuration) o.ItemJobDurationMs = itemDuration < 0 ? null : itemDuration;
            if (RangeStatus is { } status) o.RangeStatus = status;
            if (RangePastEnd is { } pastEnd) o.RangePastEnd = pastEnd;
            if (NonEmptyDelete is { } nonEmpty) o.NonEmptyDelete = nonEmpty;
            if (ItemMaxBytes is { } maxBytes) o.ItemMaxBytes = maxBytes;
            if (LatencyMs is { } latency) o.LatencyMs = Math.Max(0, latency);
            if (BandwidthMbps is { } bandwidth) o.BandwidthMbps = Math.Max(0, bandwidth);
            foreach (var (situation, type) in ErrorTypes ?? []) o.ErrorTypes[situation] = type;
        }
    }
}
