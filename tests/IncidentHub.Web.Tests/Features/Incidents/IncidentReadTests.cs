using System.Data.Common;
using System.Text.Json;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Incidents;

/// <summary>
/// Opening an incident (its page, <c>GET /api/incidents/{n}</c>) reads that incident's most recently seen alerts, not
/// the alerts of every incident: after a flood a filtered Include sorted the whole alerts table (2 s at 700,000 alerts)
/// on every click from the wall and every live refresh of an open incident page (decision 026).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class IncidentReadTests(IncidentHubFactory app)
{
    [Fact]
    public async Task OpeningAnIncident_ShowsItsMostRecentAlerts_AndReadsNoOtherIncidentsAlerts()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager, $"read {Guid.NewGuid():N}");
        var run = Guid.NewGuid().ToString("N")[..8];
        using var http = app.Client();
        // The incident opened (250 alerts, more than the page shows), and a flood's incident beside it (3,000 alerts).
        await PostAsync(http, hook, $"Opened{run}", "checkout", 250);
        await PostAsync(http, hook, $"Flood{run}", "inventory", 3000);

        var captured = new CommandCapture();
        var options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).AddInterceptors(captured).Options;
        var service = new IncidentService(new PooledDbContextFactory<AppDbContext>(options), null!, TimeProvider.System, null!);
        int number;
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).Options))
        {
            number = (await db.Incidents.AsNoTracking().SingleAsync(i => i.Title.StartsWith($"Opened{run}"))).Number;
        }

        var detail = await service.GetAsync(number);

        Assert.NotNull(detail);
        Assert.Equal(250, detail.Summary.AlertCount);
        Assert.Equal(IncidentService.AlertsShown, detail.Alerts.Count);
        Assert.Equal(detail.Alerts.OrderByDescending(a => a.LastSeenAt).Select(a => a.Id), detail.Alerts.Select(a => a.Id));
        Assert.All(detail.Alerts, a => Assert.StartsWith($"Opened{run}", a.Title, StringComparison.Ordinal));

        // What PostgreSQL reads from the alerts table for that page, replayed with EXPLAIN ANALYZE on fresh statistics:
        // this incident's top 200 through its index, not the 3,000 (and every other test's) alerts around it.
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using (var analyze = new NpgsqlCommand("ANALYZE alerts", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        var alertRowsRead = 0.0;
        foreach (var (text, parameters) in captured.Commands.Where(c => c.Text.Contains("alerts", StringComparison.Ordinal)))
        {
            await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + text, connection);
            foreach (var (name, value) in parameters)
            {
                explain.Parameters.Add(new NpgsqlParameter(name, value));
            }

            using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
            alertRowsRead += RowsScanned(plan.RootElement[0].GetProperty("Plan"), "alerts");
        }

        Assert.True(captured.Commands.Count > 0);
        Assert.InRange(alertRowsRead, IncidentService.AlertsShown, 2 * IncidentService.AlertsShown);
    }

    private static async Task PostAsync(HttpClient http, string hook, string alertName, string service, int count)
    {
        for (var from = 0; from < count; from += 250)
        {
            var alerts = Enumerable.Range(from, Math.Min(250, count - from))
                .Select(i => ($"{alertName}-{i}", alertName, service, "warning", "firing")).ToArray();
            var response = await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", $"{alertName}-group", alerts)));
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Rows the plan's scans of <paramref name="table"/> produced (per loop, times loops).</summary>
    private static double RowsScanned(JsonElement node, string table)
    {
        var rows = node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == table
            ? node.GetProperty("Actual Rows").GetDouble() * node.GetProperty("Actual Loops").GetDouble()
            : 0;
        if (node.TryGetProperty("Plans", out var children))
        {
            rows += children.EnumerateArray().Sum(child => RowsScanned(child, table));
        }

        return rows;
    }

    /// <summary>The statements a read sends, with their parameters, to replay them under EXPLAIN.</summary>
    private sealed class CommandCapture : DbCommandInterceptor
    {
        public List<(string Text, List<(string Name, object? Value)> Parameters)> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            lock (Commands)
            {
                Commands.Add((command.CommandText, command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList()));
            }

            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
