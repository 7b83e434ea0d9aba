using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Infrastructure.Observability;

/// <summary>Job log lines carry the incident they work on (a Hangfire server filter opens the scope).</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class JobLogScopeTests(ObservabilityApp fixture)
{
    private IncidentHubFactory App => fixture.App;

    [Fact]
    public async Task TriageJob_LogLines_CarryTheIncidentIdAndNumber()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Generic);
        using var sender = App.Client();
        var posted = await sender.PostAsync(hook + "?wait=true",
            new StringContent($$"""{"title":"scoped {{Guid.NewGuid():N}}","service":"scopes","severity":"critical"}""", Encoding.UTF8, "application/json"));
        var incident = (await posted.Content.ReadFromJsonAsyncObject())["incidents"]![0]!;
        var number = incident["number"]!.GetValue<int>();
        var id = incident["id"]!.GetValue<Guid>();

        // The Hangfire worker logs "Performing/Performed" lines inside the job; every one of TriageJob's must be scoped.
        var lines = await Eventually.HoldsAsync(() => Task.FromResult(fixture.Log.Lines.Where(l => l.Contains("[Job=TriageJob]", StringComparison.Ordinal)).ToList()),
            l => l.Any(line => line.Contains($"[IncidentNumber={number}]", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "a TriageJob line scoped to the incident");

        Assert.Contains(lines, l => l.Contains($"[IncidentId={id}]", StringComparison.Ordinal) && l.Contains($"[IncidentNumber={number}]", StringComparison.Ordinal));
    }
}

internal static class JsonResponses
{
    public static async Task<JsonObject> ReadFromJsonAsyncObject(this HttpContent content) => JsonNode.Parse(await content.ReadAsStringAsync())!.AsObject();
}
