using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.History;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Memory;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Tests.RealServers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.History;

/// <summary>
/// Generated history is demo data: absent until asked for, holding only what the product records, marked where it shows,
/// and removed by an Admin in one step with everything hanging off it, and nothing else.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class DemoDataTests(IncidentHubFactory app)
{
    [Fact]
    public async Task FreshDatabase_HasNoDemoIncidents_UntilSeedHistoryRuns_WhichWritesOnlyWhatTheProductRecords()
    {
        await using var database = await TestDatabase.CreateAsync();
        await AppProcess.MigrateAsync(database.ConnectionString);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(0, await ScalarAsync(connection, "SELECT count(*) FROM incidents"));

        await AppProcess.RunCommandAsync(database.ConnectionString, ["seed-history", "--count", "60", "--months", "2", "--if-empty"]);
        await AppProcess.RunCommandAsync(database.ConnectionString, ["seed-history", "--count", "60", "--months", "2", "--if-empty"]);

        Assert.Equal(60, await ScalarAsync(connection, "SELECT count(*) FROM incidents"));
        Assert.Equal(60, await ScalarAsync(connection, "SELECT count(*) FROM incidents WHERE \"Origin\" = 'Demo'"));
        // No state the product never enters today: no plan, approval, mitigation, monitoring or suppression.
        Assert.Equal(0, await ScalarAsync(connection, """
            SELECT count(*) FROM incidents WHERE "AwaitingApprovalAt" IS NOT NULL OR "MitigatingAt" IS NOT NULL OR "MonitoringAt" IS NOT NULL OR "SuppressedAt" IS NOT NULL
            """));
        Assert.Equal(0, await ScalarAsync(connection, """
            SELECT count(*) FROM timeline_entries WHERE "Text" ILIKE '%plan proposed%' OR "Text" ILIKE '%awaiting approval%' OR "Text" ILIKE '%suppressed%'
            """));
        Assert.True(await ScalarAsync(connection, "SELECT count(*) FROM incidents WHERE \"EscalatedAt\" IS NOT NULL") > 0, "some generated incidents escalate, as the investigation does");
    }

    [Fact]
    public async Task RemoveDemoData_AsAdmin_RemovesDemoIncidentsAndAllThatHangsOffThem_AndNothingElse()
    {
        await GeneratedHistory.EnsureAsync(app);
        try
        {
            // A live incident with an investigation (observations, diagnosis) that must survive.
            var live = await DiagnosisSeed.OpenIncidentAsync(app, "Live incident that stays", "checkout");
            await DiagnosisSeed.WaitForInvestigationAsync(app, live);
            var liveId = await DiagnosisSeed.IncidentIdAsync(app, live);

            // One demo incident gets everything other features hang off an incident.
            Guid demoId;
            await using (var db = DiagnosisSeed.Db(app))
            {
                demoId = await db.Incidents.Where(i => i.Origin == IncidentOrigin.Demo).OrderBy(i => i.TriggeredAt).Select(i => i.Id).FirstAsync();
                var observation = Observation.Create(demoId, DateTimeOffset.UtcNow, ObservationKind.HealthCheck, "health:http://checkout.internal/healthz", "503", new { status = 503 });
                db.Observations.Add(observation);
                var e = observation.EvidenceId;
                db.Diagnoses.Add(DiagnosisRecord.Create(demoId, DateTimeOffset.UtcNow, 1, DiagnosisSeed.CheckoutDiagnosis(new CheckoutEvidence(e, e, e, e, e, e, e, e, e, e)), 1.0));
                await db.SaveChangesAsync();
            }

            await using (var scope = app.Services.CreateAsyncScope())
            {
                await ActivatorUtilities.CreateInstance<RememberIncidentJob>(scope.ServiceProvider).RunAsync(demoId, CancellationToken.None);
                await ActivatorUtilities.CreateInstance<PostmortemJob>(scope.ServiceProvider).RunAsync(demoId, CancellationToken.None);
            }

            await using var connection = new NpgsqlConnection(app.ConnectionString);
            await connection.OpenAsync();
            foreach (var table in new[] { "observations", "diagnoses", "memory_entries", "postmortems", "timeline_entries", "alerts" })
            {
                Assert.True(await ScalarAsync(connection, $"SELECT count(*) FROM {table} WHERE \"IncidentId\" = '{demoId}'") > 0, $"the demo incident has {table} before the removal");
            }

            var liveBefore = await HangingOffAsync(connection, liveId);
            var demoCount = await ScalarAsync(connection, "SELECT count(*) FROM incidents WHERE \"Origin\" = 'Demo'");
            Assert.True(demoCount >= GeneratedHistory.Count);

            // The history marks them: JSON and CSV say Demo.
            using var admin = app.Client(IncidentHubFactory.AdminToken);
            var page = await admin.GetFromJsonAsync<JsonObject>("/api/history?from=2020-07-01&to=2021-01-01&take=5");
            Assert.All(page!["rows"]!.AsArray(), r => Assert.Equal("Demo", r!["origin"]!.GetValue<string>()));
            var csv = (await admin.GetStringAsync("/api/history.csv?from=2020-07-01&to=2021-01-01")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.EndsWith(",origin", csv[0], StringComparison.Ordinal);
            Assert.All(csv.Skip(1), line => Assert.EndsWith(",Demo", line, StringComparison.Ordinal));

            // Viewers and Responders cannot remove it.
            foreach (var role in new[] { "Viewer", "Responder" })
            {
                using var client = app.Client(await app.CreateUserAsync($"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@test.local", "Pass!word-123", role));
                using var refused = await client.DeleteAsync("/api/demo-data");
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }

            Assert.Equal(demoCount, await ScalarAsync(connection, "SELECT count(*) FROM incidents WHERE \"Origin\" = 'Demo'"));

            using var response = await admin.DeleteAsync("/api/demo-data");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var removed = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(demoCount, removed["incidents"]!.GetValue<int>());
            Assert.Equal(0, await ScalarAsync(connection, "SELECT count(*) FROM incidents WHERE \"Origin\" = 'Demo'"));
            foreach (var table in new[] { "observations", "diagnoses", "memory_entries", "postmortems", "timeline_entries", "alerts" })
            {
                Assert.Equal(0, await ScalarAsync(connection, $"SELECT count(*) FROM {table} WHERE \"IncidentId\" = '{demoId}'"));
            }

            // The generator's integration goes too, unless a real alert opened a live incident on it since (another test does that).
            Assert.Equal(0, await ScalarAsync(connection, $"""
                SELECT count(*) FROM integrations n WHERE n."Name" = '{HistoryGenerator.IntegrationName}' AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i."IntegrationId" = n."Id")
                """));
            Assert.True(removed["alerts"]!.GetValue<int>() >= demoCount, "every demo incident's alerts went with it");
            Assert.Equal(liveBefore, await HangingOffAsync(connection, liveId));
            Assert.Equal(0, (await admin.GetFromJsonAsync<JsonObject>("/api/demo-data"))!["incidents"]!.GetValue<int>());
        }
        finally
        {
            GeneratedHistory.Forget();
        }
    }

    /// <summary>The incident and the rows of every table hanging off it.</summary>
    private static async Task<string> HangingOffAsync(NpgsqlConnection connection, Guid id)
    {
        var counts = new List<string> { $"incidents={await ScalarAsync(connection, $"SELECT count(*) FROM incidents WHERE \"Id\" = '{id}'")}" };
        foreach (var table in new[] { "observations", "diagnoses", "alerts" })
        {
            counts.Add($"{table}={await ScalarAsync(connection, $"SELECT count(*) FROM {table} WHERE \"IncidentId\" = '{id}'")}");
        }

        Assert.Equal("incidents=1", counts[0]);
        return string.Join(", ", counts);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
