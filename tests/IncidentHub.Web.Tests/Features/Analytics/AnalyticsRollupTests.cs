using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Features.History;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Analytics;

/// <summary>
/// The rollup (incident_weekly_stats) the analytics read for whole weeks stays equal to the same
/// aggregates computed from the raw incidents and alerts: after a bulk load, after an incident
/// changes state and severity, after an alert gets another notification or is removed, and after
/// incidents are deleted. The figures' own definitions are checked against C# in AnalyticsQueriesTests.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AnalyticsRollupTests(IncidentHubFactory app)
{
    // Its own years (2012), away from every other test's incidents; removed again at the end.
    private static readonly DateTimeOffset End = new(2012, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly AnalyticsRange Range = new(new DateTimeOffset(2011, 11, 2, 13, 0, 0, TimeSpan.Zero), End.AddDays(1));

    [Fact]
    public async Task Rollup_EqualsTheRawAggregates_ThroughStateChangesAlertUpdatesAndDeletes()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<AnalyticsQueries>();
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, """DELETE FROM incidents WHERE "TriggeredAt" < '2013-01-01'""");

        await scope.ServiceProvider.GetRequiredService<HistoryGenerator>().RunAsync(new HistoryGenerator.Options(120, 6, Seed: 11, End: End), CancellationToken.None);
        Assert.Equal(120, (await queries.SeverityDistributionAsync(Range, CancellationToken.None)).Sum(s => s.Count));
        await AssertRollupExactAsync(connection);

        // A P3 incident is re-rated P0 (another bucket) and its resolve time corrected to 90 minutes after it triggered;
        // a P2 incident goes back from Resolved to Mitigating (its resolve time is gone).
        var before = await queries.MttrBySeverityAsync(Range, CancellationToken.None);
        var id = await ScalarAsync<Guid>(connection, """
            SELECT "Id" FROM incidents WHERE "TriggeredAt" >= '2012-01-02' AND "TriggeredAt" < '2012-05-21' AND "Severity" = 'P3' ORDER BY "TriggeredAt" LIMIT 1
            """);
        await ExecuteAsync(connection, $"""
            UPDATE incidents SET "Severity" = 'P0', "ResolvedAt" = "TriggeredAt" + interval '90 minutes', "UpdatedAt" = now() WHERE "Id" = '{id}'
            """);
        var reopened = await ScalarAsync<Guid>(connection, """
            SELECT "Id" FROM incidents WHERE "TriggeredAt" >= '2012-01-02' AND "TriggeredAt" < '2012-05-21' AND "Severity" = 'P2' AND "ResolvedAt" IS NOT NULL
            ORDER BY "TriggeredAt" DESC LIMIT 1
            """);
        await ExecuteAsync(connection, $"""
            UPDATE incidents SET "State" = 'Mitigating', "MitigatingAt" = coalesce("MitigatingAt", "TriggeredAt"), "MonitoringAt" = NULL, "ResolvedAt" = NULL,
                   "UpdatedAt" = now() WHERE "Id" = '{reopened}'
            """);
        await AssertRollupExactAsync(connection);
        var after = await queries.MttrBySeverityAsync(Range, CancellationToken.None);
        Assert.Equal(Count(before, "P3") - 1, Count(after, "P3"));
        Assert.Equal(Count(before, "P0") + 1, Count(after, "P0"));
        Assert.Equal(Resolved(before, "P0") + 1, Resolved(after, "P0"));
        Assert.Equal(Resolved(before, "P2") - 1, Resolved(after, "P2"));
        Assert.NotEqual(before.SingleOrDefault(g => g.Key == "P0")?.MttrMinutes, after.Single(g => g.Key == "P0").MttrMinutes);

        // An alert of a grouped incident gets 5 more notifications; another alert is removed.
        var noise = await queries.AlertNoiseAsync(Range, CancellationToken.None);
        await ExecuteAsync(connection, """
            UPDATE alerts SET "Count" = "Count" + 5 WHERE "Id" = (SELECT a."Id" FROM alerts a JOIN incidents i ON i."Id" = a."IncidentId"
                WHERE i."TriggeredAt" >= '2012-01-09' AND i."TriggeredAt" < '2012-05-21' ORDER BY a."Id" LIMIT 1)
            """);
        var (removed, removedCount) = await ScalarAsync<(Guid, int)>(connection, """
            SELECT a."Id", a."Count" FROM alerts a JOIN incidents i ON i."Id" = a."IncidentId"
            WHERE i."TriggeredAt" >= '2012-01-09' AND i."TriggeredAt" < '2012-05-21' ORDER BY a."Id" DESC LIMIT 1
            """);
        await ExecuteAsync(connection, $"""DELETE FROM alerts WHERE "Id" = '{removed}'""");
        await AssertRollupExactAsync(connection);
        var noiseAfter = await queries.AlertNoiseAsync(Range, CancellationToken.None);
        Assert.Equal(noise.Alerts - 1, noiseAfter.Alerts);
        Assert.Equal(noise.Notifications + 5 - removedCount, noiseAfter.Notifications);

        // Deleting incidents empties their buckets.
        await ExecuteAsync(connection, """DELETE FROM incidents WHERE "TriggeredAt" < '2013-01-01'""");
        await AssertRollupExactAsync(connection);
        Assert.Equal(0, await ScalarAsync<long>(connection, "SELECT (SELECT count(*) FROM incident_weekly_stats WHERE week < '2013-01-01') + (SELECT count(*) FROM incident_weekly_groups WHERE week < '2013-01-01')"));
        Assert.Empty(await queries.SeverityDistributionAsync(Range, CancellationToken.None));
    }

    private static int Count(IReadOnlyList<MttrGroup> groups, string key) => groups.SingleOrDefault(g => g.Key == key)?.Incidents ?? 0;

    private static int Resolved(IReadOnlyList<MttrGroup> groups, string key) => groups.SingleOrDefault(g => g.Key == key)?.Resolved ?? 0;

    /// <summary>Every bucket of the rollup equals its recomputation from the raw rows, both ways (no missing, stale or extra bucket).</summary>
    private static async Task AssertRollupExactAsync(NpgsqlConnection connection)
    {
        foreach (var rollup in IncidentWeeklyStatsSql.All)
        {
            var raw = IncidentWeeklyStatsSql.BucketsFromIncidents(rollup, "true");
            var stored = $"SELECT {rollup.ColumnList} FROM {rollup.Table}";
            var missing = await ScalarAsync<long>(connection, $"SELECT count(*) FROM (({raw}) EXCEPT ALL ({stored})) x");
            var extra = await ScalarAsync<long>(connection, $"SELECT count(*) FROM (({stored}) EXCEPT ALL ({raw})) x");
            Assert.True((missing, extra) == (0, 0), $"{rollup.Table}: {missing} bucket(s) missing or stale, {extra} extra");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the query returned a row");
        if (typeof(T) == typeof((Guid, int)))
        {
            return (T)(object)(reader.GetGuid(0), reader.GetInt32(1));
        }

        return reader.GetFieldValue<T>(0);
    }
}
