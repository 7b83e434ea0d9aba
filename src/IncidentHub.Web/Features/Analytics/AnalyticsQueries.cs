using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;
using Npgsql;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>Incidents whose TriggeredAt is in [From, To); demo incidents (generated history) only when asked for.</summary>
public sealed record AnalyticsRange(DateTimeOffset From, DateTimeOffset To, bool IncludeDemo = false);

public sealed record WeekPoint(DateTimeOffset Week, int Incidents, int Acknowledged, double? MttaMinutes, int Resolved, double? MttrMinutes);

public sealed record MttrGroup(string Key, int Incidents, int Resolved, double? MttrMinutes, double? MedianTtrMinutes);

public sealed record CountRow(string Key, int Count);

/// <summary>One phase: who spends the time ("agent", "people", "source"), its mean, and how many incidents went through it.</summary>
public sealed record PhaseFigure(string Phase, string Who, int Incidents, double? MeanMinutes);

public sealed record PlanAcceptance(int Proposed, int Accepted)
{
    public double? Rate => Proposed == 0 ? null : (double)Accepted / Proposed;
}

public sealed record RecurringGroup(string GroupKey, string? Service, string Title, int Incidents, DateTimeOffset Last);

/// <summary>Model calls one agent made in the range (by when the call was made): tokens in and out, cost, incidents they were for.</summary>
public sealed record AgentUsage(string Agent, int Calls, int Incidents, long InputTokens, long OutputTokens, decimal Cost);

public sealed record AlertNoise(int Incidents, int Alerts, long Notifications, double? AlertsPerIncident, int FlappingAlerts, int SuppressedIncidents);

/// <summary>
/// Every analytics figure, each defined once here in SQL. Definitions (also shown on the page):
/// <list type="bullet">
/// <item>MTTA (mean time to acknowledge) = mean of AcknowledgedAt - TriggeredAt over acknowledged incidents.</item>
/// <item>MTTR (mean time to resolve) = mean of ResolvedAt - TriggeredAt over resolved incidents (ResolvedAt set; still-open ones are left out).</item>
/// <item>An incident belongs to the week (Monday 00:00 UTC) and the range of its TriggeredAt.</item>
/// <item>Demo incidents (Origin Demo, the generated history) count only when the range asks for them (<see cref="AnalyticsRange.IncludeDemo"/>).</item>
/// <item>An imported bundle's incident (Origin Imported) has no detect phase: its alerts carry the bundle's own past times.</item>
/// </list>
/// </summary>
public sealed class AnalyticsQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The phase definitions: name, who spends the time, start and end columns (SQL).</summary>
    public static readonly IReadOnlyList<(string Phase, string Who, string Start, string End)> PhaseDefinitions =
    [
        // An imported bundle's alerts started when the bundle was recorded, months before the import opened the incident.
        ("detect", "source", $"CASE WHEN i.\"Origin\" = '{nameof(IncidentOrigin.Imported)}' THEN NULL ELSE d.first_alert END", "i.\"TriggeredAt\""),
        ("triage", "agent", "i.\"TriggeredAt\"", "i.\"TriagedAt\""),
        ("acknowledge", "people", "i.\"TriggeredAt\"", "i.\"AcknowledgedAt\""),
        ("diagnose", "agent", "i.\"InvestigatingAt\"", "coalesce(i.\"AwaitingApprovalAt\", i.\"MitigatingAt\", i.\"MonitoringAt\", i.\"EscalatedAt\", i.\"ResolvedAt\")"),
        ("approve", "people", "i.\"AwaitingApprovalAt\"", "i.\"MitigatingAt\""),
        ("mitigate", "agent", "i.\"MitigatingAt\"", "coalesce(i.\"MonitoringAt\", i.\"ResolvedAt\")"),
        ("resolve", "people", "i.\"MonitoringAt\"", "i.\"ResolvedAt\""),
    ];

    /// <summary>
    /// The buckets of the range, each holding a figure's additive parts (see <see cref="IncidentWeeklyStatsSql"/>): the
    /// rolled-up closed weeks inside the range read from the rollup (@rolled), every other incident of the range (the
    /// partial weeks at its ends, the current week, weeks not rolled yet or changed since) computed from the raw rows
    /// with the same aggregates ({raw}: see <see cref="QueryAsync{T}"/>). Every figure below is a fold over these.
    /// </summary>
    private static string Buckets(bool alerts, Rollup? rollup = null)
    {
        var r = rollup ?? IncidentWeeklyStatsSql.Stats;
        return $"""
            WITH b AS (
                SELECT {r.ColumnList} FROM {r.Table} s WHERE s.week = ANY(@rolled) AND (@include_demo OR s.origin <> '{nameof(IncidentOrigin.Demo)}')
                UNION ALL
                SELECT e.* FROM ({IncidentWeeklyStatsSql.BucketsFromIncidents(r, $"({RawRows}) AND (@include_demo OR i.\"Origin\" <> '{nameof(IncidentOrigin.Demo)}')", alerts)}) e
            )
            """;
    }

    /// <summary>Stands for the raw-row condition, filled in per query with the stretches of the range the rollup does not cover.</summary>
    private const string RawRows = "{raw}";

    public async Task<IReadOnlyList<WeekPoint>> WeeklyTrendAsync(AnalyticsRange range, CancellationToken ct) =>
        await QueryAsync(range, $"""
            {Buckets(false)}
            SELECT b.week, sum(b.incidents)::int, sum(b.acknowledged)::int, sum(b.tta_seconds) / nullif(sum(b.acknowledged), 0) / 60,
                   sum(b.resolved)::int, sum(b.ttr_seconds) / nullif(sum(b.resolved), 0) / 60
            FROM b GROUP BY 1 ORDER BY 1
            """, r => new WeekPoint(r.GetFieldValue<DateTimeOffset>(0), r.GetInt32(1), r.GetInt32(2), Nullable(r, 3), r.GetInt32(4), Nullable(r, 5)), ct);

    public Task<IReadOnlyList<MttrGroup>> MttrBySeverityAsync(AnalyticsRange range, CancellationToken ct) => MttrByAsync(range, "b.severity", ct);

    public Task<IReadOnlyList<MttrGroup>> MttrByServiceAsync(AnalyticsRange range, CancellationToken ct) => MttrByAsync(range, "coalesce(b.service, '(unknown)')", ct);

    /// <remarks>
    /// The median sorts each group's resolve times on its own (a subquery per group) rather than all of them
    /// by group first: over a two-year range that is one sort of ~100,000 numbers less.
    /// </remarks>
    private async Task<IReadOnlyList<MttrGroup>> MttrByAsync(AnalyticsRange range, string key, CancellationToken ct) =>
        await QueryAsync(range, $"""
            {Buckets(false)},
            g AS (SELECT {key} AS k, sum(b.incidents)::int AS incidents, sum(b.resolved)::int AS resolved, sum(b.ttr_seconds) / nullif(sum(b.resolved), 0) / 60 AS mean FROM b GROUP BY 1)
            SELECT g.k, g.incidents, g.resolved, g.mean,
                   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM b CROSS JOIN LATERAL unnest(b.ttr_values) v WHERE {key} = g.k) / 60
            FROM g ORDER BY 1
            """, r => new MttrGroup(r.GetString(0), r.GetInt32(1), r.GetInt32(2), Nullable(r, 3), Nullable(r, 4)), ct);

    public async Task<IReadOnlyList<CountRow>> IncidentsPerServiceAsync(AnalyticsRange range, CancellationToken ct) =>
        await QueryAsync(range, $"""
            {Buckets(false)}
            SELECT coalesce(b.service, '(unknown)'), sum(b.incidents)::int FROM b GROUP BY 1 ORDER BY 2 DESC, 1
            """, r => new CountRow(r.GetString(0), r.GetInt32(1)), ct);

    public async Task<IReadOnlyList<CountRow>> SeverityDistributionAsync(AnalyticsRange range, CancellationToken ct) =>
        await QueryAsync(range, $"""
            {Buckets(false)}
            SELECT b.severity, sum(b.incidents)::int FROM b GROUP BY 1 ORDER BY 1
            """, r => new CountRow(r.GetString(0), r.GetInt32(1)), ct);

    /// <summary>
    /// Mean minutes per phase over the incidents that went through it (both ends recorded, end
    /// not before start). detect = first alert's StartsAt to TriggeredAt.
    /// </summary>
    public async Task<IReadOnlyList<PhaseFigure>> PhaseBreakdownAsync(AnalyticsRange range, CancellationToken ct)
    {
        var selects = string.Join(",\n", PhaseDefinitions.Select((_, n) =>
            $"coalesce(sum(b.phase_counts[{n + 1}]), 0)::int AS c{n}, sum(b.phase_seconds[{n + 1}]) / nullif(sum(b.phase_counts[{n + 1}]), 0) / 60 AS m{n}"));
        var sql = $"""
            {Buckets(true)}
            SELECT {selects}
            FROM b
            """;
        var rows = await QueryAsync(range, sql, r => PhaseDefinitions.Select((p, n) => new PhaseFigure(p.Phase, p.Who, r.GetInt32(2 * n), Nullable(r, 2 * n + 1))).ToList(), ct);
        return rows.Single();
    }

    /// <summary>A plan is proposed when the incident enters AwaitingApproval; accepted when mitigation starts after it.</summary>
    public async Task<PlanAcceptance> PlanAcceptanceAsync(AnalyticsRange range, CancellationToken ct) =>
        (await QueryAsync(range, $"""
            {Buckets(false)}
            SELECT coalesce(sum(b.proposed), 0)::int, coalesce(sum(b.accepted), 0)::int FROM b
            """, r => new PlanAcceptance(r.GetInt32(0), r.GetInt32(1)), ct)).Single();

    /// <summary>Groups (same group key: the same fingerprinted alert group) that opened two or more incidents in the range; the title is the latest incident's.</summary>
    public async Task<IReadOnlyList<RecurringGroup>> RecurringAsync(AnalyticsRange range, CancellationToken ct, int top = 10) =>
        await QueryAsync(range, $"""
            {Buckets(false, IncidentWeeklyStatsSql.Groups)}
            SELECT b.group_key, max(b.service), (array_agg(b.last_title ORDER BY b.last_triggered DESC))[1], sum(b.incidents)::int, max(b.last_triggered)
            FROM b
            GROUP BY b.group_key HAVING sum(b.incidents) >= 2
            ORDER BY 4 DESC, 5 DESC, 1
            LIMIT {top}
            """, r => new RecurringGroup(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetFieldValue<DateTimeOffset>(4)), ct);

    /// <summary>Alerts grouped into the range's incidents, notifications they carried, flapping alerts, incidents that were suppressed (SuppressedAt set).</summary>
    public async Task<AlertNoise> AlertNoiseAsync(AnalyticsRange range, CancellationToken ct) =>
        (await QueryAsync(range, $"""
            {Buckets(true)}
            SELECT coalesce(sum(b.incidents), 0)::int,
                   coalesce(sum(b.alerts), 0)::int,
                   coalesce(sum(b.notifications), 0)::bigint,
                   (sum(b.alerts)::numeric / nullif(sum(b.incidents), 0))::float8,
                   coalesce(sum(b.flapping), 0)::int,
                   coalesce(sum(b.suppressed), 0)::int
            FROM b
            """, r => new AlertNoise(r.GetInt32(0), r.GetInt32(1), r.GetInt64(2), Nullable(r, 3), r.GetInt32(4), r.GetInt32(5)), ct)).Single();

    /// <summary>
    /// Runs a figure in one read-only snapshot: first the closed weeks inside the range whose rollup is current (rolled,
    /// and no change marked since), then the figure, reading those weeks from the rollup and the rest of the range from
    /// the raw rows. Both statements see the same committed state, so the result equals the raw-row definition.
    /// </summary>
    private async Task<IReadOnlyList<T>> QueryAsync<T>(AnalyticsRange range, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        var (from, to) = (range.From.ToUniversalTime(), range.To.ToUniversalTime());
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var rolled = new List<DateTimeOffset>();
        await using (var weeks = new NpgsqlCommand("""
            SET TRANSACTION READ ONLY;
            SELECT r.week FROM analytics_rolled_weeks r
            WHERE r.week >= @from AND r.week + interval '168 hours' <= @to AND NOT EXISTS (SELECT 1 FROM analytics_stale_weeks s WHERE s.week = r.week)
            ORDER BY 1
            """, connection, tx))
        {
            weeks.Parameters.AddWithValue("from", from);
            weeks.Parameters.AddWithValue("to", to);
            await using var reader = await weeks.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rolled.Add(reader.GetFieldValue<DateTimeOffset>(0));
            }
        }

        var stretches = RawStretches(from, to, rolled);
        await using var command = new NpgsqlCommand(sql.Replace(RawRows, stretches.Count == 0 ? "false"
            : string.Join(" OR ", stretches.Select((_, n) => $"(i.\"TriggeredAt\" >= @raw_from{n} AND i.\"TriggeredAt\" < @raw_to{n})")), StringComparison.Ordinal), connection, tx);
        command.Parameters.AddWithValue("rolled", rolled.ToArray());
        command.Parameters.AddWithValue("include_demo", range.IncludeDemo);
        for (var n = 0; n < stretches.Count; n++)
        {
            command.Parameters.AddWithValue($"raw_from{n}", stretches[n].From);
            command.Parameters.AddWithValue($"raw_to{n}", stretches[n].To);
        }

        var rows = new List<T>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add(read(reader));
            }
        }

        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>Tokens and cost per AI agent over the calls made in the range (ai_usage, one row per call); empty without a model.</summary>
    public async Task<IReadOnlyList<AgentUsage>> AiUsageAsync(AnalyticsRange range, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT u."Agent", count(*)::int, count(DISTINCT u."IncidentId")::int, coalesce(sum(u."InputTokens"), 0)::bigint,
                   coalesce(sum(u."OutputTokens"), 0)::bigint, coalesce(sum(u."Cost"), 0)
            FROM ai_usage u
            WHERE u."At" >= @from AND u."At" < @to
            GROUP BY u."Agent" ORDER BY 1
            """, connection);
        command.Parameters.AddWithValue("from", range.From.ToUniversalTime());
        command.Parameters.AddWithValue("to", range.To.ToUniversalTime());
        var rows = new List<AgentUsage>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new AgentUsage(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetDecimal(5)));
        }

        return rows;
    }

    /// <summary>Demo incidents triggered in the range, whether the figures include them or not (the page says how many).</summary>
    public async Task<int> DemoIncidentsAsync(AnalyticsRange range, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT count(*)::int FROM incidents i WHERE i."Origin" = '{nameof(IncidentOrigin.Demo)}' AND i."TriggeredAt" >= @from AND i."TriggeredAt" < @to
            """);
        command.Parameters.AddWithValue("from", range.From.ToUniversalTime());
        command.Parameters.AddWithValue("to", range.To.ToUniversalTime());
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>[<paramref name="from"/>, <paramref name="to"/>) without the rolled weeks (sorted, inside the range): the stretches read from the raw rows.</summary>
    internal static IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> RawStretches(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<DateTimeOffset> rolled)
    {
        var stretches = new List<(DateTimeOffset, DateTimeOffset)>();
        var cursor = from;
        foreach (var week in rolled)
        {
            if (week > cursor)
            {
                stretches.Add((cursor, week));
            }

            cursor = week + AnalyticsWeeks.Length;
        }

        if (cursor < to)
        {
            stretches.Add((cursor, to));
        }

        return stretches;
    }

    private static double? Nullable(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToDouble(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>All figures for one range (what the page and /api/analytics show).</summary>
public sealed record AnalyticsReport(
    AnalyticsRange Range,
    IReadOnlyList<WeekPoint> Weekly,
    IReadOnlyList<MttrGroup> MttrBySeverity,
    IReadOnlyList<MttrGroup> MttrByService,
    IReadOnlyList<CountRow> IncidentsPerService,
    IReadOnlyList<CountRow> Severities,
    IReadOnlyList<PhaseFigure> Phases,
    PlanAcceptance Plans,
    IReadOnlyList<RecurringGroup> Recurring,
    AlertNoise Noise,
    int DemoIncidents,
    IReadOnlyList<AgentUsage> AiUsage);

public sealed class AnalyticsService(AnalyticsQueries queries)
{
    /// <summary>Runs the figures one after another (one connection each, pooled).</summary>
    public async Task<AnalyticsReport> ReportAsync(AnalyticsRange range, CancellationToken ct) =>
        new(range,
            await queries.WeeklyTrendAsync(range, ct),
            await queries.MttrBySeverityAsync(range, ct),
            await queries.MttrByServiceAsync(range, ct),
            await queries.IncidentsPerServiceAsync(range, ct),
            await queries.SeverityDistributionAsync(range, ct),
            await queries.PhaseBreakdownAsync(range, ct),
            await queries.PlanAcceptanceAsync(range, ct),
            await queries.RecurringAsync(range, ct),
            await queries.AlertNoiseAsync(range, ct),
            await queries.DemoIncidentsAsync(range, ct),
            await queries.AiUsageAsync(range, ct));
}
