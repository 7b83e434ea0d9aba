using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Remediation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>
/// A bad deploy, as the product sees it: an alert through the webhook, two deploy records through the API, a
/// Deploy observation, and the final diagnosis the investigation would store; then the real PlanJob.
/// </summary>
public static class RemediationScenario
{
    public sealed record Diagnosed(int Number, Guid IncidentId, string Service, string Alertname, string DeployEvidence);

    public static async Task<Diagnosed> BadDeployAsync(IncidentHubFactory app, string? service = null)
    {
        service ??= $"svc-{Guid.NewGuid():N}"[..16];
        var alertname = $"HighErrorRate{Guid.NewGuid():N}"[..24];
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var opened = await http.PostAsJsonAsync(hook + "?wait=true",
            new { title = $"{service} 5xx ratio above 5%", service, severity = "critical", labels = new { alertname } });
        var number = (await opened.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        var now = DateTimeOffset.UtcNow;
        (await http.PostAsJsonAsync("/api/deploys", new { service, version = "2026.11.20-2", at = now.AddDays(-1), status = "succeeded" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/deploys", new { service, version = "2026.11.20-3", commit = "a41f9c2e7d5b", at = now.AddMinutes(-7), status = "succeeded" })).EnsureSuccessStatusCode();

        var ids = await DiagnosisSeed.AddObservationsAsync(app, number,
            (ObservationKind.Deploy, "deploys:api", $"{service} 2026.11.20-3 deployed 7 min before the alert",
                new DeployEvent(service, "2026.11.20-3", "a41f9c2e7d5b", now.AddMinutes(-7), "succeeded")));
        var incidentId = await DiagnosisSeed.IncidentIdAsync(app, number);
        await using (var db = DiagnosisSeed.Db(app))
        {
            var record = DiagnosisRecord.Create(incidentId, DateTimeOffset.UtcNow, 9, Diagnosis(service, ids[0]), 3.0);
            record.MarkFinal();
            db.Diagnoses.Add(record);
            await db.SaveChangesAsync();
        }

        await PlanAsync(app, incidentId);
        return new Diagnosed(number, incidentId, service, alertname, ids[0]);
    }

    public static async Task PlanAsync(IncidentHubFactory app, Guid incidentId)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<PlanJob>().RunAsync(incidentId, CancellationToken.None);
    }

    public static async Task<PlanView> PlanViewAsync(IncidentHubFactory app, int number)
    {
        using var scope = app.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<RemediationService>().GetAsync(number))!;
    }

    private static Diagnosis Diagnosis(string service, string deploy) =>
        new(new RefinedTriage(Severity.P1, service, 0.8, service, "5xx ratio 11.8%", [deploy]),
            HypothesisCategory.BadDeployCode, 0.82, false, $"Deploy 2026.11.20-3 of {service} broke it", [], 
            new SuspectChange("a41f9c2e7d5b", null, null, "2026.11.20-3", "deployed 7 min before the onset", [deploy]), true, "P1", []);
}
