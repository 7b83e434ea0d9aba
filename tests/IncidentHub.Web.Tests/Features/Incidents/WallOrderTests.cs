using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IncidentHub.Web.Tests.Features.Incidents;

/// <summary>
/// The wall's order is the same on every read: a flood opens many incidents at the same instant, and when the read left
/// their order to PostgreSQL every change brought other rows into the 200 and moved the rest, on every open wall.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class WallOrderTests(IncidentHubFactory app)
{
    [Fact]
    public async Task IncidentsOpenedAtTheSameInstant_AreListedNewestNumberFirst_OnEveryRead()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager, $"order {Guid.NewGuid():N}");
        var run = Guid.NewGuid().ToString("N")[..8];
        using var http = app.Client();
        for (var i = 0; i < 5; i++)
        {
            var alert = ($"Order{run}-{i}", $"Order{run}x{i}", "checkout", "warning", "firing");
            (await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", $"Order{run}-{i}", alert)))).EnsureSuccessStatusCode();
        }

        // One instant for all five, newer than anything else on the wall (so they are among its 200).
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var same = new NpgsqlCommand("""UPDATE incidents SET "TriggeredAt" = now() + interval '1 hour' WHERE "Title" LIKE $1""", connection);
            same.Parameters.AddWithValue($"Order{run}x%");
            Assert.Equal(5, await same.ExecuteNonQueryAsync());
        }

        using var scope = app.Services.CreateScope();
        var incidents = scope.ServiceProvider.GetRequiredService<IncidentService>();
        try
        {
            // Triage runs beside this test and may raise a severity between reads (the wall sorts by severity first):
            // within one severity, the instant's ties are always newest number first, never PostgreSQL's choice.
            for (var i = 0; i < 3; i++)
            {
                var read = (await incidents.ListAsync()).Where(s => s.Title.StartsWith($"Order{run}x", StringComparison.Ordinal)).ToList();
                Assert.Equal(5, read.Count);
                Assert.Equal(read.OrderBy(s => s.Severity).ThenByDescending(s => s.Number).Select(s => s.Number), read.Select(s => s.Number));
            }
        }
        finally
        {
            foreach (var summary in (await incidents.ListAsync()).Where(s => s.Title.StartsWith($"Order{run}x", StringComparison.Ordinal)))
            {
                await incidents.ResolveAsync(summary.Number, IncidentHubFactory.Admin);
            }
        }
    }
}
