using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.OnCall;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.OnCall;

/// <summary>A team of its own for each test: a catalog service whose owner is the team, channels on loopback receivers.</summary>
public static class OnCallScenario
{
    public sealed record TeamSetup(string Slug, Guid TeamId, string Service);

    /// <summary>A catalog entry owned by <paramref name="owner"/> (as the catalog YAML writes it), visible to the app.</summary>
    public static async Task<string> ServiceAsync(IncidentHubFactory app, string owner)
    {
        var service = $"svc-{Guid.NewGuid():N}"[..16];
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var saved = await http.PutAsJsonAsync($"/api/catalog/{service}", new JsonObject { ["name"] = service, ["tier"] = 1, ["owner"] = owner });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(app.Services.GetRequiredService<ServiceCatalog>().Find(service) is not null), f => f, what: "the catalog entry");
        return service;
    }

    /// <summary>
    /// Team ana → ben (daily, handoff 09:00 UTC from 2026-01-01), lead cleo, contact boss@; level 2 after 5 min, level 3 10 min later;
    /// one round. Its service's owner is the team's alias (not its slug), as an existing catalog names its owners.
    /// </summary>
    public static async Task<TeamSetup> TeamAsync(IncidentHubFactory app, IEnumerable<object>? routes = null, string pageUpTo = "P1", int rounds = 1)
    {
        var slug = $"team-{Guid.NewGuid():N}"[..13];
        var alias = $"{slug}-owners";
        var service = await ServiceAsync(app, alias);
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var saved = await http.PutAsJsonAsync($"/api/teams/{slug}", new
        {
            name = $"Team {slug}",
            ownerAliases = new[] { alias },
            timeZone = "UTC",
            rotation = "Daily",
            handoff = "09:00:00",
            rotationStart = "2026-01-01",
            members = new object[]
            {
                new { name = "ana", email = $"ana-{slug}@test.local", slackUserId = "UANA0001" },
                new { name = "ben", email = $"ben-{slug}@test.local", slackUserId = "UBEN0001" },
                new { name = "cleo", email = $"cleo-{slug}@test.local", inRotation = false, isLead = true },
            },
            level2 = "Secondary",
            level2AfterMinutes = 5,
            level3AfterMinutes = 10,
            escalationContact = $"boss-{slug}@test.local",
            repeatAfterMinutes = 15,
            rounds,
            pageUpTo,
            routes = routes ?? [],
        });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var team = await saved.Content.ReadFromJsonAsync<JsonObject>();
        return new TeamSetup(slug, team!["id"]!.GetValue<Guid>(), service);
    }

    /// <summary>An open P0 incident of the service, written as intake writes it (no pipeline runs for it).</summary>
    public static async Task<(Guid Id, int Number)> IncidentAsync(IncidentHubFactory app, string service, DateTimeOffset at, Severity severity = Severity.P0)
    {
        var integration = await app.CreateIntegrationIdAsync(IncidentHub.Analysis.Ingestion.SourceKind.Generic);
        await using var db = Db(app);
        var incident = Incident.Open(integration, $"g-{Guid.NewGuid():N}", $"{service} is down", service, severity, at);
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();
        return (incident.Id, await db.Incidents.Where(i => i.Id == incident.Id).Select(i => i.Number).SingleAsync());
    }

    public static string? OnCallNow(DateTimeOffset at) =>
        OnCallSchedule.At(new ScheduleSpec(RotationKind.Daily, new TimeOnly(9, 0), "UTC", new DateOnly(2026, 1, 1), ["ana", "ben"], []), at)?.Person;

    public static AppDbContext Db(IncidentHubFactory app) => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).Options);
}
