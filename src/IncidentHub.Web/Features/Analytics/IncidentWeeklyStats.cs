using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>
/// The per-week rollup behind the analytics page: one row per bucket (the Monday 00:00 UTC week of
/// TriggeredAt, severity, service) holding the additive parts of every figure (counts, sums of
/// seconds, the resolve times for medians, alert totals). Kept exact by PostgreSQL statement
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
        b.HasIndex(s => new { s.Week, s.Severity, s.Service }).IsUnique().AreNullsDistinct(false);
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
        b.Property(s => s.Incidents).HasColumnName("incidents");
        b.Property(s => s.Service).HasColumnName("service").HasMaxLength(200);
        b.Property(s => s.LastTriggered).HasColumnName("last_triggered");
        b.Property(s => s.LastTitle).HasColumnName("last_title").HasMaxLength(300);
        b.HasIndex(s => new { s.Week, s.GroupKey }).IsUnique();
    }
}

/// <summary>One rollup table: its bucket key and value columns, each with its aggregate over the incidents <c>i</c> of a bucket.</summary>
/// <param name="Keys">Key column, its SQL type, its expression over <c>i</c>, and the condition matching <c>i</c> to key <c>k</c>.</param>
public sealed record Rollup(string Table, IReadOnlyList<(string Column, string Type, string Expression, string Match)> Keys,
    IReadOnlyList<(string Column, string Aggregate)> Values, bool ReadsAlerts)
{
    public IEnumerable<string> ColumnNames => Keys.Select(k => k.Column).Concat(Values.Select(v => v.Column));

    public string ColumnList => string.Join(", ", ColumnNames);
}

/// <summary>
/// The SQL of the rollups: the bucket aggregates (also used by <see cref="AnalyticsQueries"/> for the
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

    private static (string, string, string, string) WeekKey(string alias) =>
        ("week", "timestamptz", $"""(date_trunc('week', {alias}."TriggeredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')""",
         $"""{alias}."TriggeredAt" >= k.week AND {alias}."TriggeredAt" < k.week + interval '168 hours'""");

    /// <summary>Every figure except recurring incidents: per week, severity, service.</summary>
    public static readonly Rollup Stats = new("incident_weekly_stats",
        [
            WeekKey("i"),
            ("severity", "text", "i.\"Severity\"", "i.\"Severity\" = k.severity"),
            ("service", "text", "i.\"Service\"", "(i.\"Service\" = k.service OR (i.\"Service\" IS NULL AND k.service IS NULL))"),
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

    /// <summary>Recurring incidents: per week and group key.</summary>
    public static readonly Rollup Groups = new("incident_weekly_groups",
        [
            WeekKey("i"),
            ("group_key", "text", "i.\"GroupKey\"", "i.\"GroupKey\" = k.group_key"),
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

    /// <summary>The incident columns a bucket's figures depend on: an UPDATE changing none of them leaves the rollups alone.</summary>
    private const string IncidentColumns = """
        "TriggeredAt", "Severity", "Service", "GroupKey", "Title", "TriagedAt", "AcknowledgedAt", "InvestigatingAt", "AwaitingApprovalAt",
        "MitigatingAt", "MonitoringAt", "ResolvedAt", "EscalatedAt", "SuppressedAt"
        """;

    private const string AlertColumns = "\"IncidentId\", \"StartsAt\", \"Count\", \"Flapping\"";

    private static string Var(Rollup r, string column) => $"{r.Table}_{column}";

    /// <summary>
    /// Recomputes, for each rollup, the buckets of the incidents listed by <c>incidents</c> (a SELECT of
    /// incident rows aliased <c>i</c>: old and/or new versions). Before reading the raw rows it serialises
    /// with any other transaction refreshing the same buckets, so the recomputation, done with a fresh
    /// snapshot after the lock is granted, includes every committed change: the rollup stays exact under
    /// concurrency. Up to 32 buckets (every ordinary write): an advisory lock per bucket, taken in key
    /// order, then each bucket recomputed through the indexes. More (bulk loads): a lock on the rollup
    /// table and the touched weeks recomputed whole in one pass.
    /// </summary>
    private static string Refresh(string incidents, IReadOnlyList<Rollup> rollups) => string.Join("\n", rollups.Select(r =>
    {
        var lockSpace = 1466200 + All.ToList().IndexOf(r);
        string At(string column) => $"{Var(r, column)}[idx]";
        string Bind(string sql) => r.Keys.Aggregate(sql, (text, k) => text.Replace($"k.{k.Column}", At(k.Column), StringComparison.Ordinal));
        var keys = string.Join(", ", r.Keys.Select(k => $"k.{k.Column}"));
        var arrays = string.Join(", ", r.Keys.Select(k => Var(r, k.Column)));
        var lockKey = string.Join(" || '|' || ", r.Keys.Select(k => k.Type == "timestamptz" ? $"extract(epoch FROM k.{k.Column})::bigint::text" : $"coalesce(k.{k.Column}, '')"));
        var weeks = Var(r, "week");
        return $"""
            SELECT count(*), {string.Join(", ", r.Keys.Select(k => $"array_agg(k.{k.Column} ORDER BY {keys})"))}
            INTO n, {arrays}
            FROM (SELECT DISTINCT {string.Join(", ", r.Keys.Select(k => $"{k.Expression} AS {k.Column}"))} FROM ({incidents}) i) k;
            IF n > 0 AND n <= 32 THEN
                FOR idx IN 1..n LOOP
                    PERFORM pg_advisory_xact_lock({lockSpace}, hashtext({Bind(lockKey)}));
                END LOOP;
                FOR idx IN 1..n LOOP
                    DELETE FROM {r.Table} s WHERE {string.Join(" AND ", r.Keys.Select(k => $"s.{k.Column} IS NOT DISTINCT FROM {At(k.Column)}"))};
                    INSERT INTO {r.Table} ({r.ColumnList})
                    {BucketsFromIncidents(r, Bind(string.Join(" AND ", r.Keys.Select(k => k.Match))))};
                END LOOP;
            ELSIF n > 32 THEN
                LOCK TABLE {r.Table} IN SHARE ROW EXCLUSIVE MODE;
                {weeks} := ARRAY(SELECT DISTINCT w FROM unnest({weeks}) w);
                DELETE FROM {r.Table} s WHERE s.week = ANY({weeks});
                INSERT INTO {r.Table} ({r.ColumnList})
                {BucketsFromIncidents(r, $"i.\"TriggeredAt\" >= (SELECT min(w) FROM unnest({weeks}) w) AND i.\"TriggeredAt\" < (SELECT max(w) FROM unnest({weeks}) w) + interval '168 hours' AND {r.Keys[0].Expression} = ANY({weeks})")};
            END IF;
            """;
    })) + "\nRETURN NULL;";

    private static string Function(string name, string body) => $"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE n int; idx int; {string.Join(" ", All.SelectMany(r => r.Keys.Select(k => $"{Var(r, k.Column)} {k.Type}[];")))}
        BEGIN
        {body}
        END
        $fn$;
        """;

    private static string Changed(string columns) =>
        string.Join(" OR ", columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => $"o.{c} IS DISTINCT FROM n.{c}"));

    private static string IncidentsOfAlerts(string alertIncidentIds) => $"SELECT * FROM incidents x WHERE x.\"Id\" IN ({alertIncidentIds})";

    private static string Rebuild => string.Join("\n", All.Select(r => $"""
        LOCK TABLE {r.Table} IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM {r.Table};
        INSERT INTO {r.Table} ({r.ColumnList}) {BucketsFromIncidents(r, "true")};
        """));

    /// <summary>Installs the trigger functions and triggers and fills the rollups from the existing rows (idempotent).</summary>
    public static string Install => string.Join("\n", [
        Function("iws_incidents_inserted", Refresh("SELECT * FROM new_rows", All)),
        Function("iws_incidents_deleted", Refresh("SELECT * FROM old_rows", All)),
        Function("iws_incidents_updated", Refresh($"""
            SELECT o.* FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(IncidentColumns)}
            UNION ALL
            SELECT n.* FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(IncidentColumns)}
            """, All)),
        // Alerts only change the figures of the rollup that reads them; the bucket of the alert's incident is recomputed.
        Function("iws_alerts_inserted", RefreshAlerts(IncidentsOfAlerts("SELECT n.\"IncidentId\" FROM new_rows n"))),
        Function("iws_alerts_deleted", RefreshAlerts(IncidentsOfAlerts("SELECT o.\"IncidentId\" FROM old_rows o"))),
        Function("iws_alerts_updated", RefreshAlerts(IncidentsOfAlerts($"""
            SELECT o."IncidentId" FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(AlertColumns)}
            UNION ALL
            SELECT n."IncidentId" FROM old_rows o JOIN new_rows n ON n."Id" = o."Id" WHERE {Changed(AlertColumns)}
            """))),
        Function("iws_rebuild", Rebuild + "\nRETURN NULL;"),
        .. new[] { "incidents", "alerts" }.SelectMany(table => new[]
        {
            $"DROP TRIGGER IF EXISTS iws_inserted ON {table}; CREATE TRIGGER iws_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION iws_{table}_inserted();",
            $"DROP TRIGGER IF EXISTS iws_updated ON {table}; CREATE TRIGGER iws_updated AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION iws_{table}_updated();",
            $"DROP TRIGGER IF EXISTS iws_deleted ON {table}; CREATE TRIGGER iws_deleted AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION iws_{table}_deleted();",
            $"DROP TRIGGER IF EXISTS iws_truncated ON {table}; CREATE TRIGGER iws_truncated AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION iws_rebuild();",
        }),
        Rebuild,
    ]);

    /// <summary>Alert changes touch only <see cref="Stats"/> (the groups rollup reads no alert).</summary>
    private static string RefreshAlerts(string incidents) => Refresh(incidents, [Stats]);

    public const string Uninstall = """
        DROP TRIGGER IF EXISTS iws_inserted ON incidents; DROP TRIGGER IF EXISTS iws_updated ON incidents; DROP TRIGGER IF EXISTS iws_deleted ON incidents; DROP TRIGGER IF EXISTS iws_truncated ON incidents;
        DROP TRIGGER IF EXISTS iws_inserted ON alerts; DROP TRIGGER IF EXISTS iws_updated ON alerts; DROP TRIGGER IF EXISTS iws_deleted ON alerts; DROP TRIGGER IF EXISTS iws_truncated ON alerts;
        DROP FUNCTION IF EXISTS iws_incidents_inserted(); DROP FUNCTION IF EXISTS iws_incidents_deleted(); DROP FUNCTION IF EXISTS iws_incidents_updated();
        DROP FUNCTION IF EXISTS iws_alerts_inserted(); DROP FUNCTION IF EXISTS iws_alerts_deleted(); DROP FUNCTION IF EXISTS iws_alerts_updated(); DROP FUNCTION IF EXISTS iws_rebuild();
        """;
}
