using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Features.History;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Analytics;

/// <summary>
/// The closed-week rollup never shows a stale figure: a change to an old incident or its alerts shows in the
/// analytics at once (its week is read from the raw rows until the job rolls it again), the job's roll equals the
/// raw aggregates, a change committed while a roll runs is not lost, and writes to the current week (an alert
/// storm's) mark nothing. The figures' own definitions are checked against C# in AnalyticsQueriesTests.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AnalyticsRollupTests(IncidentHubFactory app)
{
    // Its own year (2012), away from every other test's incidents.
    private static readonly DateTimeOffset End = new(2012, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly AnalyticsRange Range = new(new DateTimeOffset(2011, 11, 2, 13, 0, 0, TimeSpan.Zero), End.AddDays(1), IncludeDemo: true);

    [Fact]
    public async Task ChangesToClosedWeeks_ShowAtOnce_AndTheNextRollEqualsTheRawRows()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<AnalyticsQueries>();
        var job = scope.ServiceProvider.GetRequiredService<AnalyticsRollupJob>();
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await scope.ServiceProvider.GetRequiredService<HistoryGenerator>().RunAsync(new HistoryGenerator.Options(120, 6, Seed: 11, End: End), CancellationToken.None);
        Assert.True(await ScalarAsync<long>(connection, "SELECT count(*) FROM analytics_rolled_weeks WHERE week >= '2011-11-01' AND week < '2012-06-01'") >= 25,
            "the generator rolled its closed weeks up");
        Assert.Equal(0, await ScalarAsync<long>(connection, "SELECT count(*) FROM analytics_stale_weeks WHERE week < '2013-01-01'"));
        await AssertRollupExactAsync(connection);

        // Through the app's own code: a P3 incident is re-rated P0 by a later investigation, and one of its alerts is removed.
        var before = await queries.MttrBySeverityAsync(Range, CancellationToken.None);
        var noise = await queries.AlertNoiseAsync(Range, CancellationToken.None);
        Guid changed;
        int removedCount;
        await using (var db = NewDb())
        {
            var incident = await db.Incidents.Where(i => i.TriggeredAt >= new DateTimeOffset(2012, 1, 2, 0, 0, 0, TimeSpan.Zero) && i.TriggeredAt < End && i.Severity == Severity.P3)
                .OrderBy(i => i.TriggeredAt).FirstAsync();
            changed = incident.Id;
            Assert.True(incident.ApplyRefinedTriage(Severity.P0, incident.Service, DateTimeOffset.UtcNow));
            var alert = await db.Alerts.Where(a => a.IncidentId == incident.Id).OrderBy(a => a.Id).FirstAsync();
            removedCount = alert.Count;
            db.Alerts.Remove(alert);
            await db.SaveChangesAsync();
        }

        var week = AnalyticsWeeks.Monday(await ScalarAsync<DateTimeOffset>(connection, $"SELECT \"TriggeredAt\" FROM incidents WHERE \"Id\" = '{changed}'"));
        Assert.Equal(1, await ScalarAsync<long>(connection, $"SELECT count(*) FROM analytics_stale_weeks WHERE week = '{week:O}'"));
        var after = await queries.MttrBySeverityAsync(Range, CancellationToken.None);
        var noiseAfter = await queries.AlertNoiseAsync(Range, CancellationToken.None);
        Assert.Equal(Count(before, "P3") - 1, Count(after, "P3"));
        Assert.Equal(Count(before, "P0") + 1, Count(after, "P0"));
        Assert.Equal(noise.Alerts - 1, noiseAfter.Alerts);
        Assert.Equal(noise.Notifications - removedCount, noiseAfter.Notifications);

        // The job rolls the marked week again: same figures, now from the rollup, and the mark is gone.
        Assert.Contains(week, await job.WeeksToRollAsync(CancellationToken.None));
        await job.RunAsync(CancellationToken.None);
        Assert.Equal(0, await ScalarAsync<long>(connection, "SELECT count(*) FROM analytics_stale_weeks WHERE week < '2013-01-01'"));
        await AssertRollupExactAsync(connection);
        Assert.Equal(after, await queries.MttrBySeverityAsync(Range, CancellationToken.None));
        Assert.Equal(noiseAfter, await queries.AlertNoiseAsync(Range, CancellationToken.None));

        // Removing the incidents empties their weeks once rolled again.
        await using (var db = NewDb())
        {
            db.Incidents.RemoveRange(await db.Incidents.Where(i => i.TriggeredAt < End).ToListAsync());
            await db.SaveChangesAsync();
        }

        Assert.Empty(await queries.SeverityDistributionAsync(Range, CancellationToken.None));
        await job.RunAsync(CancellationToken.None);
        await AssertRollupExactAsync(connection);
        Assert.Equal(0, await ScalarAsync<long>(connection, "SELECT (SELECT count(*) FROM incident_weekly_stats WHERE week < '2013-01-01') + (SELECT count(*) FROM incident_weekly_groups WHERE week < '2013-01-01')"));
        Assert.Empty(await queries.SeverityDistributionAsync(Range, CancellationToken.None));
    }

    [Fact]
    public async Task AChangeCommittedWhileTheWeekIsRolled_IsNotLost()
    {
        var end = new DateTimeOffset(2013, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var range = new AnalyticsRange(new DateTimeOffset(2013, 1, 1, 0, 0, 0, TimeSpan.Zero), end, IncludeDemo: true);
        await using var scope = app.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<AnalyticsQueries>();
        var job = scope.ServiceProvider.GetRequiredService<AnalyticsRollupJob>();
        await scope.ServiceProvider.GetRequiredService<HistoryGenerator>().RunAsync(new HistoryGenerator.Options(60, 4, Seed: 12, End: end), CancellationToken.None);
        var before = await queries.SeverityDistributionAsync(range, CancellationToken.None);

        // A writer re-rates an incident and has not committed yet when the job rolls its week.
        await using var db = NewDb();
        await using var tx = await db.Database.BeginTransactionAsync();
        var incident = await db.Incidents.Where(i => i.TriggeredAt >= range.From && i.TriggeredAt < end && i.Severity != Severity.P0).OrderBy(i => i.TriggeredAt).FirstAsync();
        var from = incident.Severity.ToString();
        incident.ApplyRefinedTriage(Severity.P0, incident.Service, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync();
        await job.RollAsync(AnalyticsWeeks.Monday(incident.TriggeredAt), CancellationToken.None);
        await tx.CommitAsync();

        var after = await queries.SeverityDistributionAsync(range, CancellationToken.None);
        Assert.Equal(Count(before, from) - 1, Count(after, from));
        Assert.Equal(Count(before, "P0") + 1, Count(after, "P0"));
        await job.RunAsync(CancellationToken.None);
        Assert.Equal(after, await queries.SeverityDistributionAsync(range, CancellationToken.None));
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await AssertRollupExactAsync(connection);
    }

    [Fact]
    public async Task AnAlertOfAClosedWeekFiringAgain_LeavesItsOldIncident_AndTheFiguresShowItAtOnce()
    {
        // Ingestion writes alerts set-based (COPY and one UPDATE), past the change tracker: it marks the weeks itself.
        var end = new DateTimeOffset(2014, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var range = new AnalyticsRange(new DateTimeOffset(2014, 1, 1, 0, 0, 0, TimeSpan.Zero), end, IncludeDemo: true);
        await using var scope = app.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<AnalyticsQueries>();
        await scope.ServiceProvider.GetRequiredService<HistoryGenerator>().RunAsync(new HistoryGenerator.Options(60, 4, Seed: 13, End: end), CancellationToken.None);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var noise = await queries.AlertNoiseAsync(range, CancellationToken.None);

        Alert alert;
        DateTimeOffset triggered;
        await using (var db = NewDb())
        {
            var old = await db.Incidents.Where(i => i.TriggeredAt >= range.From && i.TriggeredAt < end && i.State == IncidentState.Resolved)
                .OrderBy(i => i.TriggeredAt).FirstAsync();
            triggered = old.TriggeredAt;
            alert = await db.Alerts.Where(a => a.IncidentId == old.Id).OrderBy(a => a.Id).FirstAsync();
        }

        var week = AnalyticsWeeks.Monday(triggered);
        var url = (await scope.ServiceProvider.GetRequiredService<IntegrationService>().RotateTokenAsync(alert.IntegrationId)).Url;
        var answer = await app.Client().PostAsync(new Uri(url).AbsolutePath + "?wait=true",
            Payloads.Json(new JsonObject { ["title"] = alert.Title, ["fingerprint"] = alert.Fingerprint, ["status"] = "firing" }));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, answer.StatusCode);

        await using (var db = NewDb())
        {
            var again = await db.Alerts.AsNoTracking().SingleAsync(a => a.Id == alert.Id);
            Assert.Equal(alert.Count + 1, again.Count);
            Assert.NotEqual(alert.IncidentId, again.IncidentId);
        }

        Assert.True(await ScalarAsync<long>(connection, $"SELECT count(*) FROM analytics_stale_weeks WHERE week = '{week:O}'") >= 1, "the old incident's week is marked");
        var after = await queries.AlertNoiseAsync(range, CancellationToken.None);
        Assert.Equal(noise.Alerts - 1, after.Alerts);
        Assert.Equal(noise.Notifications - alert.Count, after.Notifications);
        await scope.ServiceProvider.GetRequiredService<AnalyticsRollupJob>().RunAsync(CancellationToken.None);
        Assert.Equal(after, await queries.AlertNoiseAsync(range, CancellationToken.None));
        await AssertRollupExactAsync(connection);
    }

    [Fact]
    public async Task WritesToTheCurrentWeek_MarkNothing()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var name = $"rollup-{Guid.NewGuid():N}";
        var integration = await app.CreateIntegrationIdAsync(SourceKind.Generic, name);
        var marks = await ScalarAsync<long>(connection, "SELECT count(*) FROM analytics_stale_weeks");
        await using (var db = NewDb())
        {
            var now = DateTimeOffset.UtcNow;
            var incident = Incident.Open(integration, "rollup-current-week", "Current week", "checkout", Severity.P2, now);
            db.Incidents.Add(incident);
            var alert = Alert.FromNotification(integration, new NormalisedAlert("rollup-current-week", "rollup-current-week", "Current week", AlertStatus.Firing, [], [], now, null, null), now);
            alert.AttachTo(incident.Id);
            db.Alerts.Add(alert);
            await db.SaveChangesAsync();
            incident.Resolve("test", now.AddMinutes(1));
            await db.SaveChangesAsync();
        }

        Assert.Equal(marks, await ScalarAsync<long>(connection, "SELECT count(*) FROM analytics_stale_weeks"));
    }

    private AppDbContext NewDb() => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    private static int Count(IReadOnlyList<MttrGroup> groups, string key) => groups.SingleOrDefault(g => g.Key == key)?.Incidents ?? 0;

    private static int Count(IReadOnlyList<CountRow> rows, string key) => rows.SingleOrDefault(g => g.Key == key)?.Count ?? 0;

    /// <summary>Every rolled, unmarked week of the rollup equals its recomputation from the raw rows, both ways (no missing, stale or extra bucket).</summary>
    private static async Task AssertRollupExactAsync(NpgsqlConnection connection)
    {
        const string Trusted = "week IN (SELECT r.week FROM analytics_rolled_weeks r WHERE NOT EXISTS (SELECT 1 FROM analytics_stale_weeks s WHERE s.week = r.week))";
        foreach (var rollup in IncidentWeeklyStatsSql.All)
        {
            var raw = $"SELECT * FROM ({IncidentWeeklyStatsSql.BucketsFromIncidents(rollup, "true")}) x WHERE {Trusted}";
            var stored = $"SELECT {rollup.ColumnList} FROM {rollup.Table} WHERE {Trusted}";
            var missing = await ScalarAsync<long>(connection, $"SELECT count(*) FROM (({raw}) EXCEPT ALL ({stored})) x");
            var extra = await ScalarAsync<long>(connection, $"SELECT count(*) FROM (({stored}) EXCEPT ALL ({raw})) x");
            Assert.True((missing, extra) == (0, 0), $"{rollup.Table}: {missing} bucket(s) missing or stale, {extra} extra");
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the query returned a row");
        return reader.GetFieldValue<T>(0);
    }
}
