using System.Net.Http.Json;
using System.Text.Json;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Incidents;

/// <summary>
/// The wall's figures are kept with each incident by the intake (decision 026). Whatever alerts do (repeat, resolve,
/// flap, fire again into a new incident after the old one resolved), the kept figures equal a count of the alerts.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class IncidentCountsTests(IncidentHubFactory app)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task KeptCounts_EqualTheAlerts_AfterRepeatsResolvesFlapsAndReopens()
    {
        var name = $"counts {Guid.NewGuid():N}";
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager, name);
        var group = $"g-{Guid.NewGuid():N}";
        var fingerprints = Enumerable.Range(0, 8).Select(i => $"{Guid.NewGuid():N}"[..12] + i).ToArray();
        var random = new Random(20261207);
        using var http = app.Client();

        for (var post = 0; post < 60; post++)
        {
            // Half way, everything resolves (the incident resolves); what fires after opens a new one.
            var alerts = post == 30
                ? fingerprints.Select(fp => (fp, "DiskFull " + fp[^1], "inventory", "warning", "resolved")).ToArray()
                : fingerprints.OrderBy(_ => random.Next()).Take(random.Next(1, 5))
                    .Select(fp => (fp, "DiskFull " + fp[^1], "inventory", "warning", random.NextDouble() < 0.35 ? "resolved" : "firing"))
                    .ToArray();
            var response = await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", group, alerts)));
            response.EnsureSuccessStatusCode();
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var integrationId = (await db.Integrations.AsNoTracking().SingleAsync(i => i.Name == name)).Id;
        var incidents = await db.Incidents.AsNoTracking().Where(i => i.IntegrationId == integrationId).ToListAsync();
        Assert.True(incidents.Count >= 2, $"the sequence resolves and re-opens (got {incidents.Count} incident(s))");
        foreach (var incident in incidents)
        {
            var alerts = await db.Alerts.AsNoTracking().Where(a => a.IncidentId == incident.Id).ToListAsync();
            Assert.Equal(alerts.Count, incident.AlertCount);
            Assert.Equal(alerts.Count(a => a.Status == AlertStatus.Firing), incident.FiringCount);
            Assert.Equal(alerts.Sum(a => (long)a.Count), incident.NotificationCount);
            Assert.Equal(alerts.Count(a => a.Flapping), incident.FlappingCount);
        }

        Assert.Contains(incidents, i => i.FlappingCount > 0);
        Assert.Contains(incidents, i => i.NotificationCount > i.AlertCount);

        // The wall (API) shows the kept figures.
        using var api = app.Client(IncidentHubFactory.AdminToken);
        var wall = await api.GetFromJsonAsync<List<IncidentSummary>>("/api/incidents?all=true", Json);
        foreach (var incident in incidents)
        {
            var row = Assert.Single(wall!, r => r.Id == incident.Id);
            Assert.Equal((incident.AlertCount, incident.FiringCount, incident.NotificationCount, incident.FlappingCount),
                (row.AlertCount, row.FiringCount, row.NotificationCount, row.FlappingCount));
        }
    }
}
