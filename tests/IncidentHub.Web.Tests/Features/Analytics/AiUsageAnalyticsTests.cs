using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Analytics;

[Collection(AppCollection.Name)]
public sealed class AiUsageAnalyticsTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Analytics_WithoutAProvider_HasNoAiUsage_NotInventedZeros()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var json = await http.GetFromJsonAsync<JsonObject>("/api/analytics");

        Assert.Empty(json!["aiUsage"]!.AsArray());
    }
}
