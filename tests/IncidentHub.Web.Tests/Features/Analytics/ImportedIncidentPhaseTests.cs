using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Tests.Features.Bundles;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Analytics;

/// <summary>
/// An imported bundle's alerts carry the bundle's own past times: its incident is marked Imported and its detect phase
/// (first alert to incident) stays out of the figures, by the same definition the rollup uses.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ImportedIncidentPhaseTests(IncidentHubFactory app)
{
    [Fact]
    public async Task ImportedBundle_IsMarkedImported_AndDoesNotMoveTheDetectPhase()
    {
        var now = DateTimeOffset.UtcNow;
        var range = new AnalyticsRange(now.AddHours(-2), now.AddHours(2));
        await using var scope = app.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<AnalyticsQueries>();
        var before = Detect(await queries.PhaseBreakdownAsync(range, CancellationToken.None));

        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        using var response = await admin.PostAsync("/api/bundles", bundle.Form());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var reference = (await response.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!.GetValue<string>();
        var number = int.Parse(reference[4..], System.Globalization.CultureInfo.InvariantCulture);

        await using var db = DiagnosisSeed.Db(app);
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Number == number);
        var firstAlert = await db.Alerts.Where(a => a.IncidentId == incident.Id).MinAsync(a => a.StartsAt);
        Assert.Equal(IncidentOrigin.Imported, incident.Origin);
        Assert.True(incident.TriggeredAt - firstAlert > TimeSpan.FromDays(1), "the bundle's alert started long before the import");

        // The raw definition with the incident in the range: the detect phase has not moved; the incident counts otherwise.
        var after = await queries.PhaseBreakdownAsync(range, CancellationToken.None);
        Assert.Equal(before, Detect(after));
        Assert.True((await queries.AlertNoiseAsync(range, CancellationToken.None)).Incidents >= 1);
        var detail = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");
        Assert.Equal("Imported", detail!["summary"]!["origin"]!.GetValue<string>());
    }

    private static PhaseFigure Detect(IReadOnlyList<PhaseFigure> phases) => phases.Single(p => p.Phase == "detect");
}
