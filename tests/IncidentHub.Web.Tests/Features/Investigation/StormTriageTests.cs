using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>
/// Triage of an alert storm's incident reads a sample of its alerts (IncidentAlertSample), never all of
/// them, and still takes the worst severity claimed anywhere and counts every firing alert.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class StormTriageTests(IncidentHubFactory app)
{
    [Fact]
    public async Task AStormIncident_TakesTheWorstSeverityEvenFromALateAlert_AndCountsEveryFiringAlert()
    {
        var name = $"storm-{Guid.NewGuid():N}";
        var integration = await app.CreateIntegrationIdAsync(SourceKind.Generic, name);
        await using var db = app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var incident = Incident.Open(integration, name, "Disk pressure on the fleet", null, Severity.P3, start);
        db.Incidents.Add(incident);

        // 600 warnings, one critical: the sample reads 200 alerts, so the critical one is found by the claims scan.
        const int Warnings = 600;
        for (var i = 0; i <= Warnings; i++)
        {
            var severity = i < Warnings ? "warning" : "critical";
            var labels = new Dictionary<string, string> { ["alertname"] = "DiskPressure", ["instance"] = $"node-{i}", ["severity"] = severity };
            var alert = Alert.FromNotification(integration,
                new NormalisedAlert($"{name}-{i}", name, "Disk pressure", AlertStatus.Firing, labels, [], start, null, null), start.AddMilliseconds(i));
            alert.AttachTo(incident.Id);
            db.Alerts.Add(alert);
        }

        await db.SaveChangesAsync();
        Assert.True(IncidentAlertSample.FirstAlerts < Warnings);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<TriageJob>(scope.ServiceProvider).RunAsync(incident.Id, CancellationToken.None);
        }

        // Read from triage's own entry: the investigation it enqueued may already have refined the incident's severity.
        var entry = await db.Timeline.AsNoTracking().SingleAsync(t => t.IncidentId == incident.Id && t.Kind == TimelineKind.Triage);
        Assert.Equal(nameof(Severity.P1), entry.Details["severity"]);
        Assert.Contains($"{Warnings + 1} alerts firing together", entry.Details["signals"], StringComparison.Ordinal);
    }
}
