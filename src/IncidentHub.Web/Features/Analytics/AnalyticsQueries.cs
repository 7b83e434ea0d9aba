using IncidentHub.Analysis.Incidents;
using Npgsql;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>Incidents whose TriggeredAt is in [From, To).</summary>
public sealed record AnalyticsRange(DateTimeOffset From, DateTimeOffset To);

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

public sealed record AlertNoise(int Incidents, int Alerts, long Notifications, double? AlertsPerIncident, int FlappingAlerts, int SuppressedIncidents);

/// <summary>
/// Every analytics figure, each defined once here in SQL. Definitions (also shown on the page):
/// <list type="bullet">
/// <item>MTTA (mean time to acknowledge) = mean of AcknowledgedAt - TriggeredAt over acknowledged incidents.</item>
/// <item>MTTR (mean time to resolve) = mean of ResolvedAt - TriggeredAt over resolved incidents (ResolvedAt set; still-open ones are left out).</item>
/// <item>An incident belongs to the week (Monday 00:00 UTC) and the range of its TriggeredAt.</item>
/// </list>
/// </summary>
public sealed class AnalyticsQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The phase definitions: name, who spends the time, start and end columns (SQL).</summary>
    public static readonly IReadOnlyList<(string Phase, string Who, string Start, string End)> PhaseDefinitions =
    [
        ("detect", "source", "d.first_alert", "i.\"TriggeredAt\""),
        ("triage", "agent", "i.\"TriggeredAt\"", "i.\"TriagedAt\""),
        ("acknowledge", "people", "i.\"TriggeredAt\"", "i.\"AcknowledgedAt\""),
        ("diagnose", "agent", "i.\"InvestigatingAt\"", "coalesce(i.\"AwaitingApprovalAt\", i.\"MitigatingAt\", i.\"MonitoringAt\", i.\"EscalatedAt\", i.\"ResolvedAt\")"),
        ("approve", "people", "i.\"AwaitingApprovalAt\"", "i.\"MitigatingAt\""),
        ("mitigate", "agent", "i.\"MitigatingAt\"", "coalesce(i.\"MonitoringAt\", i.\"ResolvedAt\")"),
        ("resolve", "people", "i.\"MonitoringAt\"", "i.\"ResolvedAt\""),
    ];

    private const string InRange = """i."TriggeredAt" >= @from AND i."TriggeredAt" < @to""";

    public async Task<IReadOnlyList<WeekPoint>> WeeklyTrendAsync(AnalyticsRange range, CancellationToken ct) =>
        await QueryAsync(range, $"""
            SELECT date_trunc('week', i."TriggeredAt" AT TIME ZONE 'UTC') AS week,
                   count(*)::int,
                   count(i."AcknowledgedAt")::int,
                   avg(extract(epoch FROM i."AcknowledgedAt" - i."TriggeredAt")) / 60,
                   count(*) FILTER (WHERE i."ResolvedAt" IS NOT NULL)::int,
                   avg(extract(epoch FROM i."ResolvedAt" - i."TriggeredAt")) FILTER (WHERE i."ResolvedAt" IS NOT NULL) / 60
            FROM incidents i WHERE {InRange}
            GROUP BY 1 ORDER BY 1
            """, r => new WeekPoint(new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc)), r.GetInt32(1), r.GetInt32(2), Nullable(r, 3), r.GetInt32(4), Nullable(r, 5)), ct);

    public Task<IReadOnlyList<MttrGroup>> MttrBySeverityAsync(AnalyticsRange range, CancellationToken ct) => MttrByAsync(range, "i.\"Severity\"", ct);

    public Task<IReadOnlyList<MttrGroup>> MttrByServiceAsync(AnalyticsRange range, CancellationToken ct) => MttrByAsync(range, "coalesce(i.\"Service\", '(unknown)')", ct);

    private async Task<IReadOnlyList<MttrGroup>> MttrByAsync(AnalyticsRange range, string key, CancellationToken ct) =>
        await QueryAsync(range, $"""
            SELECT {key} AS k, count(*)::int,
                   count(*) FILTER (WHERE i."ResolvedAt" IS NOT NULL)::int,
                   avg(extract(epoch FROM i."ResolvedAt" - i."TriggeredAt")) FILTER (WHERE i."ResolvedAt" IS NOT NULL) / 60,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i."ResolvedAt" - i."TriggeredAt")) FILTER (WHERE i."ResolvedAt" IS NOT NULL) / 60
            FROM incidents i WHERE {InRange}
            GROUP BY 1 ORDER BY 1
            """, r => new MttrGroup(r.GetString(0), r.GetInt32(1), r.GetInt32(2), Nullable(r, 3), Nullable(r, 4)), ct);

    public async Task<IReadOnlyList<CountRow>> IncidentsPerServiceAsync(AnalyticsRange range, CancellationToken ct) =>
        await QueryAsync(range, $"""
            SELECT coalesce(i."Service", '(unknown)'), count(*)::int FROM incidents i WHERE {InRange} GROUP BY 1 ORDER BY 2 DESC, 1
            """, r => new CountRow(r.GetString(0), r.GetInt32(1)), ct);

    public async Task<IReadOnlyList<CountRow>> SeverityDistributionAsync(AnalyticsRange range, CancellationToken ct) =>
        await QueryAsync(range, $"""
            SELECT i."Severity", count(*)::int FROM incidents i WHERE {InRange} GROUP BY 1 ORDER BY 1
            """, r => new CountRow(r.GetString(0), r.GetInt32(1)), ct);

    /// <summary>
    /// Mean minutes per phase over the incidents that went through it (both ends recorded, end
    /// not before start). detect = first alert's StartsAt to TriggeredAt.
    /// </summary>
    public async Task<IReadOnlyList<PhaseFigure>> PhaseBreakdownAsync(AnalyticsRange range, CancellationToken ct)
    {
        var selects = string.Join(",\n", PhaseDefinitions.Select((p, n) =>
            $"count(*) FILTER (WHERE ({p.End}) >= ({p.Start}))::int AS c{n}, avg(extract(epoch FROM ({p.End}) - ({p.Start}))) FILTER (WHERE ({p.End}) >= ({p.Start})) / 60 AS m{n}"));
        var sql = $"""
            SELECT {selects}
            FROM incidents i
            LEFT JOIN (SELECT a."IncidentId", min(a."StartsAt") AS first_alert FROM alerts a WHERE a."IncidentId" IS NOT NULL GROUP BY 1) d ON d."IncidentId" = i."Id"
            WHERE {InRange}
            """;
        var rows = await QueryAsync(range, sql, r => PhaseDefinitions.Select((p, n) => new PhaseFigure(p.Phase, p.Who, r.GetInt32(2 * n), Nullable(r, 2 * n + 1))).ToList(), ct);
        return rows.Single();
    }

    /// <summary>A plan is proposed when the incident enters AwaitingApproval; accepted when mitigation starts after it.</summary>
    public async Task<PlanAcceptance> PlanAcceptanceAsync(AnalyticsRange range, CancellationToken ct) =>
        (await QueryAsync(range, $"""
            SELECT count(i."AwaitingApprovalAt")::int,
                   count(*) FILTER (WHERE i."MitigatingAt" >= i."AwaitingApprovalAt")::int
            FROM incidents i WHERE {InRange}
            """, r => new PlanAcceptance(r.GetInt32(0), r.GetInt32(1)), ct)).Single();

    /// <summary>Groups (same group key: the same fingerprinted alert group) that opened two or more incidents in the range.</summary>
    public async Task<IReadOnlyList<RecurringGroup>> RecurringAsync(AnalyticsRange range, CancellationToken ct, int top = 10) =>
        await QueryAsync(range, $"""
            SELECT i."GroupKey", max(i."Service"), (array_agg(i."Title" ORDER BY i."TriggeredAt" DESC))[1], count(*)::int, max(i."TriggeredAt")
            FROM incidents i WHERE {InRange}
            GROUP BY i."GroupKey" HAVING count(*) >= 2
            ORDER BY 4 DESC, 5 DESC, 1
            LIMIT {top}
            """, r => new RecurringGroup(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetFieldValue<DateTimeOffset>(4)), ct);

    /// <summary>Alerts grouped into the range's incidents, notifications they carried, flapping alerts, incidents that were suppressed (SuppressedAt set).</summary>
    public async Task<AlertNoise> AlertNoiseAsync(AnalyticsRange range, CancellationToken ct) =>
        (await QueryAsync(range, $"""
            SELECT count(*)::int,
                   coalesce(sum(x.alerts), 0)::int,
                   coalesce(sum(x.notifications), 0)::bigint,
                   avg(x.alerts)::float8,
                   coalesce(sum(x.flapping), 0)::int,
                   count(x."SuppressedAt")::int
            FROM (
                SELECT i."SuppressedAt", count(a."Id") AS alerts, coalesce(sum(a."Count"), 0) AS notifications, count(a."Id") FILTER (WHERE a."Flapping") AS flapping
                FROM incidents i LEFT JOIN alerts a ON a."IncidentId" = i."Id"
                WHERE {InRange}
                GROUP BY i."Id", i."SuppressedAt"
            ) x
            """, r => new AlertNoise(r.GetInt32(0), r.GetInt32(1), r.GetInt64(2), Nullable(r, 3), r.GetInt32(4), r.GetInt32(5)), ct)).Single();

    private async Task<IReadOnlyList<T>> QueryAsync<T>(AnalyticsRange range, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("from", range.From.ToUniversalTime());
        command.Parameters.AddWithValue("to", range.To.ToUniversalTime());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader));
        }

        return rows;
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
    AlertNoise Noise);

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
            await queries.AlertNoiseAsync(range, ct));
}
