using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>
/// The per-week rollup behind the analytics page: one row per bucket (the Monday 00:00 UTC week of
/// TriggeredAt, severity, service, group key) holding the additive parts of every figure (counts,
/// sums of seconds, the resolve times for medians, alert totals). Kept exact by PostgreSQL statement
/// triggers on incidents and alerts that recompute the touched buckets from the raw rows in the same
/// transaction (<see cref="IncidentWeeklyStatsSql"/>); written only by those triggers, read only by
/// <see cref="AnalyticsQueries"/>. See docs/decisions/012-analytics-weekly-rollup.md.
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
    public string GroupKey { get; private set; } = "";
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
    public DateTimeOffset LastTriggered { get; private set; }
    public string LastTitle { get; private set; } = "";
    public int Suppressed { get; private set; }
    public int Alerts { get; private set; }
    public long Notifications { get; private set; }
    public int Flapping { get; private set; }
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
        b.Property(s => s.GroupKey).HasColumnName("group_key").HasMaxLength(1000);
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
        b.Property(s => s.LastTriggered).HasColumnName("last_triggered");
        b.Property(s => s.LastTitle).HasColumnName("last_title").HasMaxLength(300);
        b.Property(s => s.Suppressed).HasColumnName("suppressed");
        b.Property(s => s.Alerts).HasColumnName("alerts");
        b.Property(s => s.Notifications).HasColumnName("notifications");
        b.Property(s => s.Flapping).HasColumnName("flapping");
        // One row per bucket (a null service is one bucket too), and the range scans of the queries.
        b.HasIndex(s => new { s.Week, s.Severity, s.Service, s.GroupKey }).IsUnique().AreNullsDistinct(false);
    }
}

/// <summary>
/// The SQL of the rollup: the bucket aggregates (also used by <see cref="AnalyticsQueries"/> for the
/// partial weeks at the edges of a range, so both paths compute the same thing) and the trigger
/// functions installed by the migration.
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

    public const string WeekOf = """(date_trunc('week', i."TriggeredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')""";

    /// <summary>Rollup column -> its aggregate over the incidents <c>i</c> (joined with <see cref="AlertFacts"/> <c>d</c>) of one bucket.</summary>
    public static readonly IReadOnlyList<(string Column, string Aggregate)> Columns =
    [
        ("week", WeekOf),
        ("severity", "i.\"Severity\""),
        ("service", "i.\"Service\""),
        ("group_key", "i.\"GroupKey\""),
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
        ("last_triggered", "max(i.\"TriggeredAt\")"),
        ("last_title", "(array_agg(i.\"Title\" ORDER BY i.\"TriggeredAt\" DESC, i.\"Id\"))[1]"),
        ("suppressed", "count(i.\"SuppressedAt\")::int"),
        ("alerts", "sum(d.alerts)::int"),
        ("notifications", "sum(d.notifications)::bigint"),
        ("flapping", "sum(d.flapping)::int"),
    ];

    /// <summary>The bucket rows of the incidents matching <paramref name="where"/> (over <c>incidents i</c>), computed from the raw rows.</summary>
    public static string BucketsFromIncidents(string where, bool alerts = true) => $"""
        SELECT {string.Join(", ", Columns.Select(c => $"{c.Aggregate} AS {c.Column}"))}
        FROM incidents i
        {(alerts ? AlertFacts : NoAlertFacts)}
        WHERE {where}
        GROUP BY 1, 2, 3, 4
        """;

    private static string ColumnList => string.Join(", ", Columns.Select(c => c.Column));

    /// <summary>The incident columns a bucket's figures depend on: an UPDATE changing none of them leaves the rollup alone.</summary>
    private const string IncidentColumns = """
        "TriggeredAt", "Severity", "Service", "GroupKey", "Title", "TriagedAt", "AcknowledgedAt", "InvestigatingAt", "AwaitingApprovalAt",
        "MitigatingAt", "MonitoringAt", "ResolvedAt", "EscalatedAt", "SuppressedAt"
        """;

    private static string Key(string alias) =>
        $"""(date_trunc('week', {alias}."TriggeredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS week, {alias}."Severity" AS severity, {alias}."Service" AS service, {alias}."GroupKey" AS group_key""";

    /// <summary>
    /// Recomputes the buckets listed by <c>keys</c> (a SELECT of week, severity, service, group_key). Before
    /// reading the raw rows it serialises with any other transaction refreshing the same buckets (advisory
    /// locks per bucket; one table lock for bulk writes), so the recomputation, done with a fresh snapshot
    /// after the lock is granted, includes every committed change: the rollup stays exact under concurrency.
    /// </summary>
    private static string RefreshKeys(string keys) => $"""
        SELECT count(*), array_agg(k.week ORDER BY k.week, k.severity, k.service, k.group_key), array_agg(k.severity ORDER BY k.week, k.severity, k.service, k.group_key),
               array_agg(k.service ORDER BY k.week, k.severity, k.service, k.group_key), array_agg(k.group_key ORDER BY k.week, k.severity, k.service, k.group_key)
        INTO n, weeks, severities, services, group_keys
        FROM (SELECT DISTINCT * FROM ({keys}) x) k;
        IF n = 0 THEN
            RETURN NULL;
        ELSIF n <= 32 THEN
            PERFORM pg_advisory_xact_lock(1466200, hashtext(extract(epoch FROM k.week)::bigint::text || '|' || k.severity || '|' || coalesce(k.service, '') || '|' || k.group_key))
            FROM unnest(weeks, severities, services, group_keys) WITH ORDINALITY AS k(week, severity, service, group_key, ord) ORDER BY k.ord;
        ELSE
            LOCK TABLE incident_weekly_stats IN SHARE ROW EXCLUSIVE MODE;
        END IF;
        DELETE FROM incident_weekly_stats s USING unnest(weeks, severities, services, group_keys) AS k(week, severity, service, group_key)
        WHERE s.week = k.week AND s.severity = k.severity AND s.service IS NOT DISTINCT FROM k.service AND s.group_key = k.group_key;
        INSERT INTO incident_weekly_stats ({ColumnList})
        {BucketsFromIncidents("""
            EXISTS (SELECT 1 FROM unnest(weeks, severities, services, group_keys) AS k(week, severity, service, group_key)
                    WHERE i."GroupKey" = k.group_key AND i."TriggeredAt" >= k.week AND i."TriggeredAt" < k.week + interval '168 hours'
                    AND i."Severity" = k.severity AND i."Service" IS NOT DISTINCT FROM k.service)
            """)};
        RETURN NULL;
        """;

    private static string Function(string name, string body) => $"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE n int; weeks timestamptz[]; severities text[]; services text[]; group_keys text[];
        BEGIN
        {body}
        END
        $fn$;
        """;

    private static string Changed(string columns) =>
        string.Join(" OR ", columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => $"o.{c} IS DISTINCT FROM n.{c}"));

    private const string AlertColumns = "\"IncidentId\", \"StartsAt\", \"Count\", \"Flapping\"";

    private static string IncidentKeysOfAlerts(string alertIds) => $"SELECT {Key("i")} FROM incidents i WHERE i.\"Id\" IN ({alertIds})";

    /// <summary>Installs the trigger functions and triggers and fills the rollup from the existing rows (idempotent).</summary>
    public static string Install => string.Join("\n", [
        Function("iws_incidents_inserted", RefreshKeys($"SELECT {Key("n")} FROM new_rows n")),
        Function("iws_incidents_deleted", RefreshKeys($"SELECT {Key("o")} FROM old_rows o")),
        Function("iws_incidents_updated", RefreshKeys($"""
            SELECT {Key("o")} FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(IncidentColumns)}
            UNION ALL
            SELECT {Key("n")} FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(IncidentColumns)}
            """)),
        Function("iws_alerts_inserted", RefreshKeys(IncidentKeysOfAlerts("SELECT n.\"IncidentId\" FROM new_rows n"))),
        Function("iws_alerts_deleted", RefreshKeys(IncidentKeysOfAlerts("SELECT o.\"IncidentId\" FROM old_rows o"))),
        Function("iws_alerts_updated", RefreshKeys(IncidentKeysOfAlerts($"""
            SELECT o."IncidentId" FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(AlertColumns)}
            UNION ALL
            SELECT n."IncidentId" FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(AlertColumns)}
            """))),
        Function("iws_rebuild", $"""
            LOCK TABLE incident_weekly_stats IN SHARE ROW EXCLUSIVE MODE;
            DELETE FROM incident_weekly_stats;
            INSERT INTO incident_weekly_stats ({ColumnList}) {BucketsFromIncidents("true")};
            RETURN NULL;
            """),
        .. new[] { "incidents", "alerts" }.SelectMany(table => new[]
        {
            $"DROP TRIGGER IF EXISTS iws_inserted ON {table}; CREATE TRIGGER iws_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION iws_{table}_inserted();",
            $"DROP TRIGGER IF EXISTS iws_updated ON {table}; CREATE TRIGGER iws_updated AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION iws_{table}_updated();",
            $"DROP TRIGGER IF EXISTS iws_deleted ON {table}; CREATE TRIGGER iws_deleted AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION iws_{table}_deleted();",
            $"DROP TRIGGER IF EXISTS iws_truncated ON {table}; CREATE TRIGGER iws_truncated AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION iws_rebuild();",
        }),
        $"DELETE FROM incident_weekly_stats; INSERT INTO incident_weekly_stats ({ColumnList}) {BucketsFromIncidents("true")};",
    ]);

    public const string Uninstall = """
        DROP TRIGGER IF EXISTS iws_inserted ON incidents; DROP TRIGGER IF EXISTS iws_updated ON incidents; DROP TRIGGER IF EXISTS iws_deleted ON incidents; DROP TRIGGER IF EXISTS iws_truncated ON incidents;
        DROP TRIGGER IF EXISTS iws_inserted ON alerts; DROP TRIGGER IF EXISTS iws_updated ON alerts; DROP TRIGGER IF EXISTS iws_deleted ON alerts; DROP TRIGGER IF EXISTS iws_truncated ON alerts;
        DROP FUNCTION IF EXISTS iws_incidents_inserted(); DROP FUNCTION IF EXISTS iws_incidents_deleted(); DROP FUNCTION IF EXISTS iws_incidents_updated();
        DROP FUNCTION IF EXISTS iws_alerts_inserted(); DROP FUNCTION IF EXISTS iws_alerts_deleted(); DROP FUNCTION IF EXISTS iws_alerts_updated(); DROP FUNCTION IF EXISTS iws_rebuild();
        """;
}
