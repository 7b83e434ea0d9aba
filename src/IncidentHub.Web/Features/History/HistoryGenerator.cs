using System.Globalization;
using System.Text.Json;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using Npgsql;
using NpgsqlTypes;

namespace IncidentHub.Web.Features.History;

/// <summary>
/// A realistic, deterministic (per seed) resolved history for demos and benchmarks, written with binary COPY
/// (decision 019). Every incident ends at least three hours ago, so the wall and the post-mortem sweep ignore it.
/// Every incident is <see cref="IncidentOrigin.Demo"/> and holds only what the product itself records today
/// (<see cref="DemoData"/> removes it all again).
/// </summary>
public sealed class HistoryGenerator(NpgsqlDataSource dataSource, IntegrationService integrations, ServiceCatalog catalog, AnalyticsRollupJob rollup, TimeProvider clock, ILogger<HistoryGenerator> logger)
{
    public const string IntegrationName = "Generated history";

    /// <param name="End">The newest incident's latest time (default: three hours ago).</param>
    /// <param name="IfEmpty">Generate nothing when demo incidents exist already (a second <c>scripts/run.sh demo</c> adds none).</param>
    public sealed record Options(int Count = 300, int Months = 6, int Seed = 42, bool IfEmpty = false, DateTimeOffset? End = null);

    public static Options ParseArgs(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Value(name), CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
        return new Options(Int("--count", 300), Int("--months", 6), Int("--seed", 42), args.Contains("--if-empty"));
    }

    private static readonly string[] FallbackServices = ["checkout", "payments", "inventory", "uploads", "push-gateway", "geocoder", "batch-reports", "postgres-main"];

    private static readonly string[] Problems =
    [
        "High 5xx error ratio", "p99 latency above SLO", "Pod crash looping", "Database connections exhausted", "Disk almost full",
        "TLS certificate expires soon", "Queue backlog growing", "Upstream dependency timeouts", "Memory usage above 90%", "Health check failing",
        "DNS resolution errors", "Replication lag high",
    ];

    private static readonly string[] People = ["alice@example.com", "bob@example.com", "chen@example.com", "dana@example.com", "eli@example.com"];

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        if (options.IfEmpty)
        {
            await using var check = dataSource.CreateCommand($"SELECT count(*) FROM incidents WHERE \"Origin\" = '{IncidentOrigin.Demo}'");
            var existing = Convert.ToInt64(await check.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            if (existing > 0)
            {
                logger.LogInformation("seed-history: {Count} demo incidents exist already; nothing generated", existing);
                return 0;
            }
        }

        var integrationId = await IntegrationIdAsync(ct);
        var random = new Random(options.Seed);
        var services = catalog.Services.Count > 0 ? catalog.Services.Select(s => s.Name).ToArray() : FallbackServices;
        var end = options.End ?? clock.GetUtcNow().AddHours(-3);
        var start = end.AddMonths(-options.Months);

        // Alert rules: each (service, problem) pair is a group key; a few recur a lot.
        var rules = services.SelectMany(s => Problems.Select(p => (Service: s, Problem: p))).OrderBy(_ => random.Next()).ToArray();

        var incidents = new List<object?[]>(options.Count);
        var alerts = new List<object?[]>();
        var timeline = new List<object?[]>();
        for (var n = 0; n < options.Count; n++)
        {
            var ruleIndex = (int)Math.Min(rules.Length - 1, Math.Floor(Math.Pow(random.NextDouble(), 2.2) * rules.Length));
            var (service, problem) = rules[ruleIndex];
            var severity = Pick(random, [(Severity.P0, 4), (Severity.P1, 14), (Severity.P2, 42), (Severity.P3, 40)]);
            var triggered = TriggeredAt(random, start, end);
            Generate(random, integrationId, service, problem, severity, triggered, incidents, alerts, timeline);
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await CopyAsync(connection, """
            COPY incidents ("Id", "Title", "Service", "Severity", "State", "Origin", "IntegrationId", "GroupKey", "TriageConfidence", "TriageReason", "TriagedAt",
              "TriggeredAt", "AcknowledgedAt", "AcknowledgedBy", "InvestigatingAt", "ResolvedAt", "ResolvedBy", "EscalatedAt", "UpdatedAt") FROM STDIN (FORMAT BINARY)
            """, incidents,
            [NpgsqlDbType.Uuid, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Uuid,
             NpgsqlDbType.Varchar, NpgsqlDbType.Double, NpgsqlDbType.Varchar, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz,
             NpgsqlDbType.Varchar, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.Varchar, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz], ct);
        await CopyAsync(connection, """
            COPY alerts ("Id", "IntegrationId", "IncidentId", "Fingerprint", "GroupKey", "Title", "Status", "Labels", "Annotations", "StartsAt", "EndsAt",
              "FirstSeenAt", "LastSeenAt", "Count", "Flapping") FROM STDIN (FORMAT BINARY)
            """, alerts,
            [NpgsqlDbType.Uuid, NpgsqlDbType.Uuid, NpgsqlDbType.Uuid, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar,
             NpgsqlDbType.Jsonb, NpgsqlDbType.Jsonb, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz,
             NpgsqlDbType.Integer, NpgsqlDbType.Boolean], ct);
        // COPY bypasses the incidents' alert counts too (IncidentCounts): set them from the alerts just written.
        await using (var recount = new NpgsqlCommand(IncidentCounts.RecountSql("i.\"Id\" = ANY(@ids)"), connection, tx))
        {
            recount.Parameters.AddWithValue("ids", incidents.Select(row => (Guid)row[0]!).ToArray());
            await recount.ExecuteNonQueryAsync(ct);
        }

        await CopyAsync(connection, """
            COPY timeline_entries ("IncidentId", "At", "Actor", "Kind", "Text", "Details") FROM STDIN (FORMAT BINARY)
            """, timeline,
            [NpgsqlDbType.Uuid, NpgsqlDbType.TimestampTz, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Jsonb], ct);
        // COPY bypasses the change tracker: the closed weeks it wrote into are marked stale like any other write.
        await using (var mark = new NpgsqlCommand("""
            INSERT INTO analytics_stale_weeks (week, marked_at)
            SELECT w, now() FROM generate_series(@first, @last, interval '168 hours') w WHERE w + interval '168 hours' <= now()
            """, connection, tx))
        {
            mark.Parameters.AddWithValue("first", AnalyticsWeeks.Monday(start));
            mark.Parameters.AddWithValue("last", AnalyticsWeeks.Monday(end));
            await mark.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        // Statistics for the planner and a fresh visibility map for index-only scans (one statement each: VACUUM refuses batches).
        foreach (var table in new[] { "incidents", "alerts", "timeline_entries" })
        {
            await using var vacuum = new NpgsqlCommand($"VACUUM ANALYZE {table}", connection);
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        var rolled = await rollup.RunAsync(ct);
        logger.LogInformation("seed-history: {Weeks} closed week(s) rolled up for analytics", rolled);
        logger.LogInformation("seed-history: {Incidents} incidents, {Alerts} alerts, {Timeline} timeline entries from {Start:u} to {End:u}",
            incidents.Count, alerts.Count, timeline.Count, start, end);
        return incidents.Count;
    }

    private static void Generate(Random random, Guid integrationId, string service, string problem, Severity severity, DateTimeOffset triggered,
        List<object?[]> incidents, List<object?[]> alerts, List<object?[]> timeline)
    {
        var id = Guid.CreateVersion7(triggered);
        var groupKey = $"{{}}:{{alertname=\"{problem.Replace(' ', '_')}\", service=\"{service}\"}}";
        var title = $"{problem} on {service}";
        // Worse severities get attention faster (minutes).
        var speed = severity switch { Severity.P0 => 0.4, Severity.P1 => 0.7, Severity.P2 => 1.0, _ => 1.8 };

        var detect = TimeSpan.FromSeconds(15 + random.Next(0, 180));
        var triaged = triggered + TimeSpan.FromSeconds(0.5 + random.NextDouble() * 6);
        DateTimeOffset? acknowledged = random.NextDouble() < 0.9 ? triggered + Minutes(random, 4 * speed, 0.8) : null;
        var acknowledgedBy = acknowledged is null ? null : People[random.Next(People.Length)];
        var diagnosed = triaged + Minutes(random, 3 * speed, 0.6);

        // Only the moves the product makes today: the investigation escalates what it cannot name, people resolve by hand,
        // ingestion resolves when every alert has. No plan, approval, mitigation, monitoring or suppression: no code enters
        // those states yet, and a generated one would put invented numbers into the analytics.
        DateTimeOffset? escalated = null;
        var cursor = diagnosed;
        if (random.NextDouble() < 0.12)
        {
            escalated = diagnosed;
            cursor = escalated.Value;
        }

        var resolved = cursor + Minutes(random, escalated is null ? 25 * speed : 90 * speed, 0.9);
        if (acknowledged > resolved)
        {
            acknowledged = resolved;
        }

        var byAlerts = acknowledgedBy is null || random.NextDouble() < 0.4;
        var resolvedBy = byAlerts ? "ingestion" : acknowledgedBy!;
        var confidence = Math.Round(0.4 + random.NextDouble() * 0.6, 2);
        incidents.Add([id, title, service, severity.ToString(), IncidentState.Resolved.ToString(), IncidentOrigin.Demo.ToString(), integrationId, groupKey, confidence,
            $"Service {service} from labels; severity {severity} from the alert", triaged, triggered, acknowledged, acknowledgedBy, triaged,
            resolved, resolvedBy, escalated, resolved]);

        var alertCount = random.NextDouble() < 0.15 ? random.Next(3, 12) : random.Next(1, 3);
        var flappingAlert = random.NextDouble() < 0.04;
        for (var a = 0; a < alertCount; a++)
        {
            var starts = triggered - detect + TimeSpan.FromSeconds(a * random.Next(5, 60));
            var labels = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["alertname"] = problem.Replace(' ', '_'), ["service"] = service, ["severity"] = severity.ToString(), ["instance"] = $"{service}-{a}",
            });
            alerts.Add([Guid.CreateVersion7(starts), integrationId, id, $"gen-{id:N}-{a}", groupKey, title, AlertStatus.Resolved.ToString(), labels,
                JsonSerializer.Serialize(new Dictionary<string, string> { ["summary"] = $"{problem} on {service}-{a}" }),
                starts, resolved, triggered, resolved, 1 + random.Next(0, flappingAlert ? 40 : 6), flappingAlert && a == 0]);
        }

        void Line(DateTimeOffset at, string actor, TimelineKind kind, string text) => timeline.Add([id, at, actor, kind.ToString(), text, "{}"]);
        Line(triggered, "ingestion", TimelineKind.Opened, $"Opened by {alertCount} alert(s): {title}");
        Line(triaged, "triage-agent", TimelineKind.Triage, $"Triage: {severity}, service {service}, confidence {confidence.ToString("0.00", CultureInfo.InvariantCulture)}.");
        if (acknowledged is { } ack)
        {
            Line(ack, acknowledgedBy!, TimelineKind.Acknowledged, $"Acknowledged by {acknowledgedBy}");
        }

        Line(triaged, "triage-agent", TimelineKind.StateChanged, "Investigating");
        if (escalated is { } e)
        {
            Line(e, "investigation-agent", TimelineKind.StateChanged,
                $"Escalated: the investigation could not name a cause with enough confidence ({(confidence / 2).ToString("0.00", CultureInfo.InvariantCulture)}); a person is needed.");
        }

        Line(resolved, resolvedBy, TimelineKind.StateChanged, byAlerts ? $"Resolved: all {alertCount} alert(s) resolved at the source" : $"Resolved by {resolvedBy} (was {(escalated is null ? IncidentState.Investigating : IncidentState.Escalated)})");
    }

    /// <summary>Log-normal minutes around a median: most quick, a long tail.</summary>
    private static TimeSpan Minutes(Random random, double median, double sigma)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return TimeSpan.FromMinutes(Math.Min(median * Math.Exp(sigma * normal), median * 40));
    }

    /// <summary>Uniform over the range, but twice as likely on weekdays 08:00-20:00 UTC.</summary>
    private static DateTimeOffset TriggeredAt(Random random, DateTimeOffset start, DateTimeOffset end)
    {
        while (true)
        {
            var at = start + TimeSpan.FromSeconds(random.NextDouble() * (end - start).TotalSeconds);
            var busy = at.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && at.Hour is >= 8 and < 20;
            if (busy || random.NextDouble() < 0.5)
            {
                return at;
            }
        }
    }

    private static T Pick<T>(Random random, (T Value, int Weight)[] choices)
    {
        var roll = random.Next(choices.Sum(c => c.Weight));
        foreach (var (value, weight) in choices)
        {
            if ((roll -= weight) < 0)
            {
                return value;
            }
        }

        return choices[^1].Value;
    }

    private async Task<Guid> IntegrationIdAsync(CancellationToken ct)
    {
        await using (var find = dataSource.CreateCommand("SELECT \"Id\" FROM integrations WHERE \"Name\" = @name LIMIT 1"))
        {
            find.Parameters.AddWithValue("name", IntegrationName);
            if (await find.ExecuteScalarAsync(ct) is Guid existing)
            {
                return existing;
            }
        }

        return (await integrations.CreateAsync(IntegrationName, SourceKind.Generic, ct: ct)).IntegrationId;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string copy, List<object?[]> rows, NpgsqlDbType[] types, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync(copy, ct);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(ct);
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is null)
                {
                    await writer.WriteNullAsync(ct);
                }
                else
                {
                    await writer.WriteAsync(row[i], types[i], ct);
                }
            }
        }

        await writer.CompleteAsync(ct);
    }
}
