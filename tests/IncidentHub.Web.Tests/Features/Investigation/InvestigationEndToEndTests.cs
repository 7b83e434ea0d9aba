using System.Net;
using System.Net.Http.Json;
using System.Text;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>
/// The whole path on real parts: a service with file logs, an OpenMetrics file and a git
/// repository holding a bad commit; its deploy posted to /api/deploys; an Alertmanager alert posted
/// to the webhook. Triage, then the investigation, run in the app's own Hangfire worker.
/// </summary>
public sealed class InvestigationEndToEndTests : IAsyncLifetime
{
    private readonly InvestigationScenario _scenario = InvestigationScenario.Create("ingest");
    private TestDatabase? _database;
    private InvestigationAppProcess? _app;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _app = await InvestigationAppProcess.StartAsync(_database.ConnectionString, _scenario.CatalogPath, new Dictionary<string, string>
        {
            ["Investigation:HealthCheckAllowedHosts:0"] = "127.0.0.1",
        });
    }

    [Fact]
    public async Task Alert_GetsACitedDiagnosis_NamingTheBadCommitAndLine()
    {
        using var http = _app!.Client();
        var deploy = await http.PostAsJsonAsync("/api/deploys", new
        {
            service = "ingest", version = "v1.4.0", commit = _scenario.BadCommit, at = InvestigationScenario.Anchor.AddMinutes(-15), status = "succeeded",
        });
        Assert.Equal(HttpStatusCode.Created, deploy.StatusCode);

        var hook = await _app.Client(admin: false).PostAsync(_app.HookPath, new StringContent(_scenario.AlertPayload(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, hook.StatusCode);

        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database!.ConnectionString).Options);
        var final = await Eventually.HoldsAsync(
            () => db.Diagnoses.AsNoTracking().Where(d => d.IsFinal).ToListAsync(),
            list => list.Count == 1,
            TimeSpan.FromSeconds(60),
            "a final diagnosis");
        var record = final[0];
        var diagnosis = record.Read();
        var observations = await db.Observations.AsNoTracking().Where(o => o.IncidentId == record.IncidentId).ToListAsync();
        var timeline = await db.Timeline.AsNoTracking().Where(t => t.IncidentId == record.IncidentId).OrderBy(t => t.Id).ToListAsync();
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == record.IncidentId);

        // The answer: this commit, this file and line, a deploy-caused fault.
        Assert.Equal("bad-deploy-code", record.Category);
        Assert.NotNull(diagnosis.Suspect);
        Assert.Equal(_scenario.BadCommit, diagnosis.Suspect!.Commit);
        Assert.Equal("ingest/batches.py", diagnosis.Suspect.File);
        Assert.Equal(21, diagnosis.Suspect.Line);
        Assert.True(record.SecondsSinceAlert > 0);

        // Every fact was stored, and the diagnosis cites only stored observations.
        var kinds = observations.Select(o => o.Kind).ToHashSet();
        foreach (var kind in new[] { ObservationKind.LogTemplates, ObservationKind.StackTrace, ObservationKind.MetricSeries, ObservationKind.MetricOnset,
                     ObservationKind.Deploy, ObservationKind.Commit, ObservationKind.Blame, ObservationKind.Diff, ObservationKind.SuspiciousLog, ObservationKind.Unavailable })
        {
            Assert.Contains(kind, kinds);
        }

        var ids = observations.Select(o => o.EvidenceId).ToHashSet();
        Assert.NotEmpty(diagnosis.Suspect.EvidenceIds);
        Assert.All(diagnosis.Suspect.EvidenceIds.Concat(diagnosis.Hypotheses.SelectMany(h => h.EvidenceIds)), id => Assert.Contains(id, ids));
        Assert.Contains(observations, o => o.Kind == ObservationKind.Blame && o.Summary.Contains("ingest/batches.py:21", StringComparison.Ordinal)
            && o.Summary.Contains(_scenario.BadCommit[..7], StringComparison.Ordinal));

        // The health URL outside the allowlist was refused, recorded, and the investigation went on.
        Assert.Contains(observations, o => o.Kind == ObservationKind.Unavailable && o.Summary.Contains("not-allowed.example", StringComparison.Ordinal));

        // The injected log line is flagged as data; the diagnosis lists it among the flagged evidence.
        var flagged = Assert.Single(observations, o => o.Kind == ObservationKind.SuspiciousLog);
        Assert.Contains("FLAGGED", flagged.Summary, StringComparison.Ordinal);

        // The story on the timeline.
        Assert.Contains(timeline, t => t.Kind == TimelineKind.Investigation && t.Text.StartsWith("Investigation started", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Kind == TimelineKind.Evidence && t.Text.StartsWith("Logs:", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Kind == TimelineKind.Evidence && t.Text.StartsWith("Blame:", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Kind == TimelineKind.Diagnosis
            && t.Text.StartsWith("Diagnosis: bad-deploy-code (confidence", StringComparison.Ordinal)
            && t.Text.Contains($"suspect {_scenario.BadCommit[..7]} ingest/batches.py:21", StringComparison.Ordinal));
        Assert.Equal(IncidentState.Investigating, incident.State);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _scenario.Dispose();
    }
}
