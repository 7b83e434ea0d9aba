using System.Net;
using System.Net.Http.Json;
using System.Text;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Investigation;

[Collection(AppCollection.Name)]
public sealed class InvestigateJobTests(IncidentHubFactory app)
{
    [Fact]
    public async Task NoEvidence_EndsUnknown_EscalatesTheIncident_AndARerunChangesNothing()
    {
        // A service the catalog does not know: no logs, metrics or repository to read.
        var service = $"ghost-{Guid.NewGuid():N}";
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var payload = $$"""
            {"version":"4","groupKey":"{}:{alertname=\"Odd\"}","status":"firing","receiver":"r","groupLabels":{},"commonLabels":{},"commonAnnotations":{},
             "externalURL":"http://am","alerts":[{"status":"firing","labels":{"alertname":"Odd","service":"{{service}}","severity":"warning"},
             "annotations":{},"startsAt":"2024-05-01T12:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"{{Guid.NewGuid():N}}"}]}
            """;
        using var http = app.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(hook, new StringContent(payload, Encoding.UTF8, "application/json"))).StatusCode);

        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).Options);
        var incident = await Eventually.HoldsAsync(
            () => db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Service == service),
            i => i is not null && i.State == IncidentState.Escalated,
            TimeSpan.FromSeconds(30),
            "the incident to be escalated");
        var diagnoses = await db.Diagnoses.AsNoTracking().Where(d => d.IncidentId == incident!.Id).OrderBy(d => d.Id).ToListAsync();
        var timeline = await db.Timeline.AsNoTracking().Where(t => t.IncidentId == incident!.Id).ToListAsync();

        Assert.True(diagnoses[^1].IsFinal);
        Assert.Null(diagnoses[^1].Category);
        Assert.Contains(timeline, t => t.Kind == TimelineKind.Diagnosis && t.Text.StartsWith("Diagnosis: unknown", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Kind == TimelineKind.StateChanged && t.Text.StartsWith("Escalated:", StringComparison.Ordinal));

        // Re-running (as a retry or the sweep would) does nothing once a final diagnosis exists.
        var before = (await Count(db.Diagnoses, incident!.Id), await Count(db.Observations, incident.Id), await db.Timeline.CountAsync(t => t.IncidentId == incident.Id));
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<InvestigateJob>().RunAsync(incident.Id, CancellationToken.None);
        }

        var after = (await Count(db.Diagnoses, incident.Id), await Count(db.Observations, incident.Id), await db.Timeline.CountAsync(t => t.IncidentId == incident.Id));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task AnAlertForAServiceOutsideTheCatalog_InvestigatesTheCatalogServiceItsTextNames()
    {
        // The alerting job is not in the catalog, but its description says which catalog component it could not write to.
        var ghost = $"ghost-{Guid.NewGuid():N}";
        var component = $"cache-{Guid.NewGuid():N}"[..20];
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var saved = await admin.PutAsJsonAsync($"/api/catalog/{component}", new { name = component, tier = 2, owner = "platform" });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var payload = $$"""
            {"version":"4","groupKey":"{}:{alertname=\"JobFailures\"}","status":"firing","receiver":"r","groupLabels":{},"commonLabels":{},"commonAnnotations":{},
             "externalURL":"http://am","alerts":[{"status":"firing","labels":{"alertname":"JobFailures","service":"{{ghost}}","severity":"warning"},
             "annotations":{"description":"{{ghost}} fails its runs: OOM command not allowed when used memory > 'maxmemory' ({{component}}:6379)"},
             "startsAt":"2024-05-01T12:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"{{Guid.NewGuid():N}}"}]}
            """;
        using var http = app.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(hook, new StringContent(payload, Encoding.UTF8, "application/json"))).StatusCode);

        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).Options);
        var incident = await Eventually.HoldsAsync(
            () => db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Service == ghost || i.Service == component),
            i => i is not null && i.State == IncidentState.Escalated,
            TimeSpan.FromSeconds(30),
            "the incident to be investigated and escalated");
        var timeline = await db.Timeline.AsNoTracking().Where(t => t.IncidentId == incident!.Id).Select(t => t.Text).ToListAsync();

        Assert.Contains(timeline, t => t.Contains($"Service {ghost} is not in the catalog; the alert's own text names {component}", StringComparison.Ordinal));
        Assert.DoesNotContain(timeline, t => t.Contains("is not in the catalog, so only deploys and memory are searched", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAlertKeyedByATopic_InvestigatesTheServiceWhoseLogsFailOnIt_NotTheProducerItIsNamedAfter()
    {
        // The topic shares a word with its producer only; the consumer stuck on it is found by searching the catalog's logs.
        var id = Guid.NewGuid().ToString("N")[..8];
        var producer = $"payments-{id}";
        var consumer = $"ledger-{id}";
        var topic = $"payments.captured.x{id}";
        var dir = Directory.CreateDirectory(Path.Combine(app.BundlesDirectory, $"component-{id}")).FullName;
        var start = new DateTimeOffset(2024, 5, 1, 11, 40, 0, TimeSpan.Zero);
        await File.WriteAllLinesAsync(Path.Combine(dir, "producer.log"), Enumerable.Range(0, 40).Select(i =>
            $"{start.AddSeconds(30 * i):yyyy-MM-ddTHH:mm:ss.fffZ} INFO published PaymentCaptured to {topic} key={i}"));
        await File.WriteAllLinesAsync(Path.Combine(dir, "consumer.log"), Enumerable.Range(0, 40).Select(i => i < 20
            ? $"{start.AddSeconds(30 * i):yyyy-MM-ddTHH:mm:ss.fffZ} INFO committed offsets"
            : $"{start.AddSeconds(30 * i):yyyy-MM-ddTHH:mm:ss.fffZ} ERROR Error deserializing key/value for partition {topic}-3 at offset 81723, will retry"));
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        foreach (var (name, log) in new[] { (producer, "producer.log"), (consumer, "consumer.log") })
        {
            var saved = await admin.PutAsJsonAsync($"/api/catalog/{name}", new { name, tier = 2, owner = "payments", logs = new[] { new { kind = "file", path = Path.Combine(dir, log) } } });
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        }

        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var payload = $$"""
            {"version":"4","groupKey":"{}:{alertname=\"ConsumerLagHigh\"}","status":"firing","receiver":"r","groupLabels":{},"commonLabels":{},"commonAnnotations":{},
             "externalURL":"http://am","alerts":[{"status":"firing","labels":{"alertname":"ConsumerLagHigh{{id}}","topic":"{{topic}}","partition":"3","severity":"warning"},
             "annotations":{"summary":"{{topic}}: consumer lag above 2000 messages"},
             "startsAt":"2024-05-01T12:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"{{Guid.NewGuid():N}}"}]}
            """;
        using var http = app.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(hook, new StringContent(payload, Encoding.UTF8, "application/json"))).StatusCode);

        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).Options);
        var incident = await Eventually.HoldsAsync(
            () => db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Title.Contains(id)),
            i => i is not null && db.Diagnoses.Any(d => d.IncidentId == i.Id && d.IsFinal),
            TimeSpan.FromSeconds(60),
            "the incident to be investigated");
        var timeline = await db.Timeline.AsNoTracking().Where(t => t.IncidentId == incident!.Id).Select(t => t.Text).ToListAsync();

        Assert.Contains(timeline, t => t.Contains($"The alert is keyed by {topic}", StringComparison.Ordinal) && t.Contains($"so {consumer} is investigated", StringComparison.Ordinal));
    }

    private static Task<int> Count(IQueryable<DiagnosisRecord> q, Guid id) => q.CountAsync(d => d.IncidentId == id);

    private static Task<int> Count(IQueryable<Observation> q, Guid id) => q.CountAsync(d => d.IncidentId == id);
}
