using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>
/// The per-week rollup behind the analytics page: one row per bucket (the Monday 00:00 UTC week of
/// TriggeredAt, severity, service) holding the additive parts of every figure (counts, sums of
/// seconds, the resolve times for medians, alert totals). Written only by <see cref="AnalyticsRollupJob"/>
/// for closed weeks, read only by <see cref="AnalyticsQueries"/> for the weeks <see cref="RolledWeek"/>
/// says are current. See docs/decisions/014-analytics-closed-week-rollup.md.
/// </summary>
public sealed class IncidentWeeklyStats
{
    private IncidentWeeklyStats()
    {
    }

    public long Id { get; private set; }
    public DateTimeOffset Week { get; private set; }
    public string Severity { get; private set; } = "";
    public string? Service { get; private set; }

    /// <summary>The incidents' origin (Live, Demo, Imported): the queries leave Demo buckets out unless asked.</summary>
    public string Origin { get; private set; } = "";
    public int Incidents { get; private set; }
    public int Acknowledged { get; private set; }
    public decimal TtaSeconds { get; private set; }
    public int Resolved { get; private set; }
    public decimal TtrSeconds { get; private set; }
    public double[] TtrValues { get; private set; } = [];
    public int[] PhaseCounts { get; private set; } = [];
    public decimal[] PhaseSeconds { get; private set; } = [];
    public int Proposed { get; private set; }
    public int Accepted { get; private set; }
    public int Suppressed { get; private set; }
    public int Alerts { get; private set; }
    public long Notifications { get; private set; }
    public int Flapping { get; private set; }
}

/// <summary>The recurring-incidents rollup: per week and group key, the incidents, the latest one (time, title) and the highest service name.</summary>
public sealed class IncidentWeeklyGroup
{
    private IncidentWeeklyGroup()
    {
    }

    public long Id { get; private set; }
    public DateTimeOffset Week { get; private set; }
    public string GroupKey { get; private set; } = "";
    public string Origin { get; private set; } = "";
    public int Incidents { get; private set; }
    public string? Service { get; private set; }
    public DateTimeOffset LastTriggered { get; private set; }
    public string LastTitle { get; private set; } = "";
}

public sealed class IncidentWeeklyStatsConfiguration : IEntityTypeConfiguration<IncidentWeeklyStats>
{
    public void Configure(EntityTypeBuilder<IncidentWeeklyStats> b)
    {
        b.ToTable("incident_weekly_stats");
        b.HasKey(s => s.Id);
        b.Property(s => s.Id).UseIdentityAlwaysColumn();
        b.Property(s => s.Week).HasColumnName("week");
        b.Property(s => s.Severity).HasColumnName("severity").HasMaxLength(32);
        b.Property(s => s.Service).HasColumnName("service").HasMaxLength(200);
        b.Property(s => s.Origin).HasColumnName("origin").HasMaxLength(16).HasDefaultValue("Live");
        b.Property(s => s.Incidents).HasColumnName("incidents");
        b.Property(s => s.Acknowledged).HasColumnName("acknowledged");
        b.Property(s => s.TtaSeconds).HasColumnName("tta_seconds").HasColumnType("numeric");
        b.Property(s => s.Resolved).HasColumnName("resolved");
        b.Property(s => s.TtrSeconds).HasColumnName("ttr_seconds").HasColumnType("numeric");
        b.Property(s => s.TtrValues).HasColumnName("ttr_values");
        b.Property(s => s.PhaseCounts).HasColumnName("phase_counts");
        b.Property(s => s.PhaseSeconds).HasColumnName("phase_seconds").HasColumnType("numeric[]");
        b.Property(s => s.Proposed).HasColumnName("proposed");
        b.Property(s => s.Accepted).HasColumnName("accepted");
        b.Property(s => s.Suppressed).HasColumnName("suppressed");
        b.Property(s => s.Alerts).HasColumnName("alerts");
        b.Property(s => s.Notifications).HasColumnName("notifications");
        b.Property(s => s.Flapping).HasColumnName("flapping");
        // One row per bucket (a null service is one bucket too), and the range scans of the queries.
        b.HasIndex(s => new { s.Week, s.Severity, s.Service, s.Origin }).IsUnique().AreNullsDistinct(false);
    }
}

public sealed class IncidentWeeklyGroupConfiguration : IEntityTypeConfiguration<IncidentWeeklyGroup>
{
    public void Configure(EntityTypeBuilder<IncidentWeeklyGroup> b)
    {
        b.ToTable("incident_weekly_groups");
        b.HasKey(s => s.Id);
        b.Property(s => s.Id).UseIdentityAlwaysColumn();
        b.Property(s => s.Week).HasColumnName("week");
        b.Property(s => s.GroupKey).HasColumnName("group_key").HasMaxLength(1000);
        b.Property(s => s.Origin).HasColumnName("origin").HasMaxLength(16).HasDefaultValue("Live");
        b.Property(s => s.Incidents).HasColumnName("incidents");
        b.Property(s => s.Service).HasColumnName("service").HasMaxLength(200);
        b.Property(s => s.LastTriggered).HasColumnName("last_triggered");
        b.Property(s => s.LastTitle).HasColumnName("last_title").HasMaxLength(300);
        b.HasIndex(s => new { s.Week, s.GroupKey, s.Origin }).IsUnique();
    }
}

/// <summary>One rollup table: its bucket key and value columns, each with its aggregate over the incidents <c>i</c> of a bucket.</summary>
/// <param name="Keys">Key column and its expression over <c>i</c>; the first is always the week.</param>
public sealed record Rollup(string Table, IReadOnlyList<(string Column, string Expression)> Keys,
    IReadOnlyList<(string Column, string Aggregate)> Values, bool ReadsAlerts)
{
    public IEnumerable<string> ColumnNames => Keys.Select(k => k.Column).Concat(Values.Select(v => v.Column));

    public string ColumnList => string.Join(", ", ColumnNames);
}

/// <summary>
/// The SQL of the rollups: the bucket aggregates, used by <see cref="AnalyticsRollupJob"/> to roll a week
/// and by <see cref="AnalyticsQueries"/> for every week it cannot read from the rollup, so both paths
/// compute the same thing.
/// </summary>
public static class IncidentWeeklyStatsSql
{
    /// <summary>Per-incident alert facts: first alert start (detect phase), alerts, notifications, flapping alerts.</summary>
    public const string AlertFacts = """
        LEFT JOIN LATERAL (
            SELECT min(a."StartsAt") AS first_alert, count(*) AS alerts, coalesce(sum(a."Count"), 0) AS notifications,
                   count(*) FILTER (WHERE a."Flapping") AS flapping
            FROM alerts a WHERE a."IncidentId" = i."Id") d ON true
        """;

    /// <summary>For figures that do not read alerts: the same columns, without the per-incident lookups.</summary>
    private const string NoAlertFacts = "CROSS JOIN (SELECT NULL::timestamptz AS first_alert, 0::bigint AS alerts, 0::numeric AS notifications, 0::bigint AS flapping) d";

    /// <summary>The week of an incident: Monday 00:00 UTC on or before its TriggeredAt (as <see cref="AnalyticsWeeks.Monday"/>).</summary>
    private static (string, string) WeekKey(string alias) =>
        ("week", $"""(date_trunc('week', {alias}."TriggeredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')""");

    /// <summary>Every figure except recurring incidents: per week, severity, service, origin.</summary>
    public static readonly Rollup Stats = new("incident_weekly_stats",
        [
            WeekKey("i"),
            ("severity", "i.\"Severity\""),
            ("service", "i.\"Service\""),
            ("origin", "i.\"Origin\""),
        ],
        [
            ("incidents", "count(*)::int"),
            ("acknowledged", "count(i.\"AcknowledgedAt\")::int"),
            ("tta_seconds", "coalesce(sum(extract(epoch FROM i.\"AcknowledgedAt\" - i.\"TriggeredAt\")), 0)"),
            ("resolved", "count(i.\"ResolvedAt\")::int"),
            ("ttr_seconds", "coalesce(sum(extract(epoch FROM i.\"ResolvedAt\" - i.\"TriggeredAt\")), 0)"),
            ("ttr_values", "coalesce(array_agg(extract(epoch FROM i.\"ResolvedAt\" - i.\"TriggeredAt\")::float8 ORDER BY i.\"ResolvedAt\" - i.\"TriggeredAt\") FILTER (WHERE i.\"ResolvedAt\" IS NOT NULL), '{}')"),
            ("phase_counts", "ARRAY[" + string.Join(", ", AnalyticsQueries.PhaseDefinitions.Select(p => $"count(*) FILTER (WHERE ({p.End}) >= ({p.Start}))::int")) + "]"),
            ("phase_seconds", "ARRAY[" + string.Join(", ", AnalyticsQueries.PhaseDefinitions.Select(p => $"coalesce(sum(extract(epoch FROM ({p.End}) - ({p.Start}))) FILTER (WHERE ({p.End}) >= ({p.Start})), 0)")) + "]::numeric[]"),
            ("proposed", "count(i.\"AwaitingApprovalAt\")::int"),
            ("accepted", "count(*) FILTER (WHERE i.\"MitigatingAt\" >= i.\"AwaitingApprovalAt\")::int"),
            ("suppressed", "count(i.\"SuppressedAt\")::int"),
            ("alerts", "sum(d.alerts)::int"),
            ("notifications", "sum(d.notifications)::bigint"),
            ("flapping", "sum(d.flapping)::int"),
        ],
        ReadsAlerts: true);

    /// <summary>Recurring incidents: per week, group key and origin.</summary>
    public static readonly Rollup Groups = new("incident_weekly_groups",
        [
            WeekKey("i"),
            ("group_key", "i.\"GroupKey\""),
            ("origin", "i.\"Origin\""),
        ],
        [
            ("incidents", "count(*)::int"),
            ("service", "max(i.\"Service\")"),
            ("last_triggered", "max(i.\"TriggeredAt\")"),
            ("last_title", "(array_agg(i.\"Title\" ORDER BY i.\"TriggeredAt\" DESC, i.\"Id\"))[1]"),
        ],
        ReadsAlerts: false);

    public static readonly IReadOnlyList<Rollup> All = [Stats, Groups];

    /// <summary>The bucket rows of <paramref name="rollup"/> for the incidents matching <paramref name="where"/> (over <c>incidents i</c>), from the raw rows.</summary>
    public static string BucketsFromIncidents(Rollup rollup, string where, bool alerts = true) => $"""
        SELECT {string.Join(", ", rollup.Keys.Select(k => $"{k.Expression} AS {k.Column}").Concat(rollup.Values.Select(c => $"{c.Aggregate} AS {c.Column}")))}
        FROM incidents i
        {(alerts && rollup.ReadsAlerts ? AlertFacts : NoAlertFacts)}
        WHERE {where}
        GROUP BY {string.Join(", ", rollup.Keys.Select((_, n) => n + 1))}
        """;
}
