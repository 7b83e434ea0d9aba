using System.Net;
using System.Net.Http.Json;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// Alerts posted to a real Alertmanager's own API reach IncidentHub through Alertmanager's real
/// webhook notifier: the payload is whatever Alertmanager 0.25 actually sends.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AlertmanagerWebhookTests(IncidentHubFactory app)
{
    [Fact]
    public async Task RealAlertmanager_FiringThenResolved_OpensAndResolvesOneIncident()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        await using var alertmanager = await AlertmanagerProcess.StartAsync(new Uri(app.ServerAddress, hook).ToString());
        using var http = new HttpClient { BaseAddress = alertmanager.Address };
        var alertName = $"CheckoutErrors{Guid.NewGuid():N}"[..28];
        object Alert(DateTimeOffset? endsAt) => new
        {
            labels = new { alertname = alertName, service = "checkout", severity = "critical", instance = "checkout-7" },
            annotations = new { summary = "Checkout 5xx above 5%", description = "error ratio 0.12" },
            startsAt = DateTimeOffset.UtcNow.AddMinutes(-2),
            endsAt = endsAt ?? DateTimeOffset.UtcNow.AddHours(1),
            generatorURL = "http://prometheus.local/graph?g0.expr=rate",
        };

        var posted = await http.PostAsJsonAsync("/api/v2/alerts", new[] { Alert(null) });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var alert = await Eventually.HoldsAsync(() => FindAlertAsync(alertName), a => a?.IncidentId is not null, TimeSpan.FromSeconds(20), "Alertmanager's webhook");
        var incident = await Triaged.WaitAsync(() => IncidentAsync(alert!.IncidentId!.Value));
        var triage = Triaged.Entry(incident);
        Assert.NotNull(incident.Phases.InvestigatingAt);
        Assert.Equal($"{alertName}: Checkout 5xx above 5%", incident.Summary.Title);
        Assert.Equal("checkout", triage.Details["service"]);
        Assert.Equal(nameof(Severity.P0), triage.Details["severity"]);
        Assert.Contains(alertName, incident.GroupKey, StringComparison.Ordinal);
        Assert.Equal("http://prometheus.local/graph?g0.expr=rate", incident.Alerts.Single().SourceUrl);
        Assert.Equal(16, incident.Alerts.Single().Fingerprint.Length);

        await http.PostAsJsonAsync("/api/v2/alerts", new[] { Alert(DateTimeOffset.UtcNow.AddSeconds(-1)) });

        var resolved = await Eventually.HoldsAsync(() => IncidentAsync(incident.Summary.Id), i => i.Summary.State == IncidentState.Resolved, TimeSpan.FromSeconds(20), "the resolved notification");
        Assert.Equal(AlertStatus.Resolved, resolved.Alerts.Single().Status);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Incidents.CountAsync(i => i.Title.StartsWith(alertName)));
        Assert.True(await db.AlertEvents.CountAsync(e => e.IntegrationId == resolved.Alerts.Select(_ => alert!.IntegrationId).First() && e.Status == RawEventStatus.Processed) >= 2);
    }

    private async Task<Alert?> FindAlertAsync(string alertName)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Title.StartsWith(alertName));
    }

    private async Task<IncidentDetail> IncidentAsync(Guid id)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var number = await db.Incidents.Where(i => i.Id == id).Select(i => i.Number).SingleAsync();
        using var scope = app.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IncidentService>().GetAsync(number))!;
    }
}
