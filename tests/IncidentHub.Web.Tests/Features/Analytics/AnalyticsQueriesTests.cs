using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Tests.Features.History;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Analytics;

/// <summary>
/// Every analytics figure against an independent computation: the raw rows of the generated
/// history read with a plain SELECT and the figure recomputed in C#.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AnalyticsQueriesTests(IncidentHubFactory app) : IAsyncLifetime
{
    private readonly AnalyticsRange _range = new(GeneratedHistory.From, GeneratedHistory.To, IncludeDemo: true);
    private List<Row> _rows = [];
    private List<AlertRow> _alerts = [];
    private AnalyticsQueries _queries = default!;

    private sealed record Row(Guid Id, string Severity, string? Service, string GroupKey, string Title, DateTimeOffset Triggered, DateTimeOffset? Triaged,
        DateTimeOffset? Ack, DateTimeOffset? Investigating, DateTimeOffset? Awaiting, DateTimeOffset? Mitigating, DateTimeOffset? Monitoring,
        DateTimeOffset? Resolved, DateTimeOffset? Escalated, DateTimeOffset? Suppressed);

    private sealed record AlertRow(Guid IncidentId, DateTimeOffset StartsAt, int Count, bool Flapping);

    public async Task InitializeAsync()
    {
        await GeneratedHistory.EnsureAsync(app);
        _queries = app.Services.GetRequiredService<AnalyticsQueries>();
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            SELECT "Id", "Severity", "Service", "GroupKey", "Title", "TriggeredAt", "TriagedAt", "AcknowledgedAt", "InvestigatingAt", "AwaitingApprovalAt",
                   "MitigatingAt", "MonitoringAt", "ResolvedAt", "EscalatedAt", "SuppressedAt"
            FROM incidents WHERE "TriggeredAt" >= @from AND "TriggeredAt" < @to
            """, connection))
        {
            command.Parameters.AddWithValue("from", _range.From);
            command.Parameters.AddWithValue("to", _range.To);
            await using var r = await command.ExecuteReaderAsync();
            DateTimeOffset? T(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
            while (await r.ReadAsync())
            {
                _rows.Add(new Row(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5),
                    T(6), T(7), T(8), T(9), T(10), T(11), T(12), T(13), T(14)));
            }
        }

        var ids = _rows.Select(r => r.Id).ToArray();
        await using (var command = new NpgsqlCommand("""SELECT "IncidentId", "StartsAt", "Count", "Flapping" FROM alerts WHERE "IncidentId" = ANY(@ids)""", connection))
        {
            command.Parameters.AddWithValue("ids", ids);
            await using var r = await command.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                _alerts.Add(new AlertRow(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetInt32(2), r.GetBoolean(3)));
            }
        }

        Assert.Equal(GeneratedHistory.Count, _rows.Count);
        await using (var command = new NpgsqlCommand("SELECT count(*) FROM analytics_rolled_weeks WHERE week >= @from AND week < @to", connection))
        {
            // The range starts and ends mid-week: the figures fold whole weeks from the rollup with raw rows at both ends.
            command.Parameters.AddWithValue("from", _range.From);
            command.Parameters.AddWithValue("to", _range.To);
            Assert.True(Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 20, "the generated weeks are rolled up");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task WeeklyTrend_MatchesMttaAndMttrComputedFromRows()
    {
        var weekly = await _queries.WeeklyTrendAsync(_range, CancellationToken.None);

        var expected = _rows.GroupBy(r => Monday(r.Triggered)).OrderBy(g => g.Key).ToList();
        Assert.Equal(expected.Count, weekly.Count);
        foreach (var (week, actual) in expected.Zip(weekly))
        {
            Assert.Equal(week.Key, actual.Week);
            Assert.Equal(week.Count(), actual.Incidents);
            Assert.Equal(week.Count(r => r.Ack is not null), actual.Acknowledged);
            Near(MeanMinutes(week.Where(r => r.Ack is not null).Select(r => r.Ack!.Value - r.Triggered)), actual.MttaMinutes);
            Near(MeanMinutes(week.Where(r => r.Resolved is not null).Select(r => r.Resolved!.Value - r.Triggered)), actual.MttrMinutes);
        }

        Assert.True(weekly.Count >= 20, "six months of history has 20+ weeks");
    }

    [Fact]
    public async Task MttrBySeverityAndService_MatchMeansAndMedians()
    {
        var bySeverity = await _queries.MttrBySeverityAsync(_range, CancellationToken.None);
        var byService = await _queries.MttrByServiceAsync(_range, CancellationToken.None);

        Check(bySeverity, r => r.Severity);
        Check(byService, r => r.Service ?? "(unknown)");
        // Worse severities are handled faster in the generated history: the figure shows it.
        Assert.True(bySeverity.Single(g => g.Key == "P0").MttrMinutes < bySeverity.Single(g => g.Key == "P3").MttrMinutes);

        void Check(IReadOnlyList<MttrGroup> actual, Func<Row, string> key)
        {
            var expected = _rows.GroupBy(key).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(g => g.Key), actual.Select(a => a.Key));
            foreach (var (g, a) in expected.Zip(actual))
            {
                var ttr = g.Where(r => r.Resolved is not null).Select(r => (r.Resolved!.Value - r.Triggered).TotalMinutes).Order().ToList();
                Assert.Equal(g.Count(), a.Incidents);
                Assert.Equal(ttr.Count, a.Resolved);
                Near(ttr.Average(), a.MttrMinutes);
                Near(Median(ttr), a.MedianTtrMinutes);
            }
        }
    }

    [Fact]
    public async Task IncidentsPerService_AndSeverityDistribution_MatchCounts()
    {
        var perService = await _queries.IncidentsPerServiceAsync(_range, CancellationToken.None);
        var severities = await _queries.SeverityDistributionAsync(_range, CancellationToken.None);

        var expectedServices = _rows.GroupBy(r => r.Service ?? "(unknown)").ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expectedServices.OrderBy(k => k.Key), perService.ToDictionary(c => c.Key, c => c.Count).OrderBy(k => k.Key));
        Assert.True(perService.Zip(perService.Skip(1)).All(p => p.First.Count >= p.Second.Count), "most incidents first");
        Assert.Equal(_rows.GroupBy(r => r.Severity).ToDictionary(g => g.Key, g => g.Count()).OrderBy(k => k.Key),
            severities.ToDictionary(c => c.Key, c => c.Count).OrderBy(k => k.Key));
    }

    [Fact]
    public async Task PhaseBreakdown_MatchesEachPhaseDefinition()
    {
        var phases = await _queries.PhaseBreakdownAsync(_range, CancellationToken.None);
        var firstAlert = _alerts.GroupBy(a => a.IncidentId).ToDictionary(g => g.Key, g => g.Min(a => a.StartsAt));

        var expected = new (string Phase, string Who, Func<Row, DateTimeOffset?> Start, Func<Row, DateTimeOffset?> End)[]
        {
            ("detect", "source", r => firstAlert.TryGetValue(r.Id, out var f) ? f : null, r => r.Triggered),
            ("triage", "agent", r => r.Triggered, r => r.Triaged),
            ("acknowledge", "people", r => r.Triggered, r => r.Ack),
            ("diagnose", "agent", r => r.Investigating, r => r.Awaiting ?? r.Mitigating ?? r.Monitoring ?? r.Escalated ?? r.Resolved),
            ("approve", "people", r => r.Awaiting, r => r.Mitigating),
            ("mitigate", "agent", r => r.Mitigating, r => r.Monitoring ?? r.Resolved),
            ("resolve", "people", r => r.Monitoring, r => r.Resolved),
        };
        Assert.Equal(expected.Select(e => (e.Phase, e.Who)), phases.Select(p => (p.Phase, p.Who)));
        foreach (var (e, actual) in expected.Zip(phases))
        {
            var spans = _rows.Where(r => e.Start(r) is not null && e.End(r) is not null && e.End(r) >= e.Start(r))
                .Select(r => e.End(r)!.Value - e.Start(r)!.Value).ToList();
            Assert.Equal(spans.Count, actual.Incidents);
            Near(MeanMinutes(spans), actual.MeanMinutes);
        }
    }

    [Fact]
    public async Task PlanAcceptance_RecurringGroups_AndAlertNoise_MatchRows()
    {
        var plans = await _queries.PlanAcceptanceAsync(_range, CancellationToken.None);
        var recurring = await _queries.RecurringAsync(_range, CancellationToken.None);
        var noise = await _queries.AlertNoiseAsync(_range, CancellationToken.None);

        Assert.Equal(_rows.Count(r => r.Awaiting is not null), plans.Proposed);
        Assert.Equal(_rows.Count(r => r.Mitigating is not null && r.Awaiting is not null && r.Mitigating >= r.Awaiting), plans.Accepted);
        // No plan feature has run on generated history: no plans, and no invented acceptance rate.
        Assert.Equal(0, plans.Proposed);
        Assert.Null(plans.Rate);

        var expectedRecurring = _rows.GroupBy(r => r.GroupKey).Where(g => g.Count() >= 2)
            .Select(g => (Key: g.Key, Count: g.Count(), Last: g.Max(r => r.Triggered)))
            .OrderByDescending(g => g.Count).ThenByDescending(g => g.Last).ThenBy(g => g.Key, StringComparer.Ordinal).Take(10).ToList();
        Assert.Equal(expectedRecurring.Select(g => (g.Key, g.Count)), recurring.Select(g => (g.GroupKey, g.Incidents)));

        Assert.Equal(_rows.Count, noise.Incidents);
        Assert.Equal(_alerts.Count, noise.Alerts);
        Assert.Equal(_alerts.Sum(a => (long)a.Count), noise.Notifications);
        Near((double)_alerts.Count / _rows.Count, noise.AlertsPerIncident);
        Assert.Equal(_alerts.Count(a => a.Flapping), noise.FlappingAlerts);
        Assert.Equal(_rows.Count(r => r.Suppressed is not null), noise.SuppressedIncidents);
    }

    [Fact]
    public async Task DemoIncidents_AreLeftOutByDefault_AndCounted()
    {
        var byDefault = _range with { IncludeDemo = false };

        Assert.Equal(0, (await _queries.AlertNoiseAsync(byDefault, CancellationToken.None)).Incidents);
        Assert.Empty(await _queries.SeverityDistributionAsync(byDefault, CancellationToken.None));
        Assert.Equal(GeneratedHistory.Count, await _queries.DemoIncidentsAsync(byDefault, CancellationToken.None));
        Assert.Equal(GeneratedHistory.Count, (await _queries.AlertNoiseAsync(_range, CancellationToken.None)).Incidents);
    }

    [Fact]
    public async Task AnEmptyRange_GivesNoPlans_AndNoMeans()
    {
        var empty = new AnalyticsRange(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2001, 2, 1, 0, 0, 0, TimeSpan.Zero));

        var plans = await _queries.PlanAcceptanceAsync(empty, CancellationToken.None);
        var noise = await _queries.AlertNoiseAsync(empty, CancellationToken.None);

        Assert.Equal(0, plans.Proposed);
        Assert.Null(plans.Rate);
        Assert.Equal(0, noise.Incidents);
        Assert.Null(noise.AlertsPerIncident);
        Assert.Empty(await _queries.WeeklyTrendAsync(empty, CancellationToken.None));
    }

    private static DateTimeOffset Monday(DateTimeOffset at)
    {
        var day = at.UtcDateTime.Date;
        return new DateTimeOffset(day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), TimeSpan.Zero);
    }

    private static double? MeanMinutes(IEnumerable<TimeSpan> spans)
    {
        var list = spans.ToList();
        return list.Count == 0 ? null : list.Average(s => s.TotalMinutes);
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static void Near(double? expected, double? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is { } e)
        {
            Assert.True(Math.Abs(e - actual!.Value) < 1e-6 * Math.Max(1, Math.Abs(e)), $"expected {e}, got {actual}");
        }
    }
}
