using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>Tokens and cost per agent in /api/analytics (what the analytics page shows), from the calls stored in ai_usage.</summary>
[Collection(AiCollection.Name)]
public sealed class AiAnalyticsTests(AiAppFixture fixture)
{
    [Fact]
    public async Task Analytics_AfterAgentsRan_ShowsTokensAndCostPerAgent_MatchingTheStoredCalls()
    {
        var key = $"an-{Guid.NewGuid():N}"[..14];
        // Keyed on the title: the bare service name is also in every triage prompt's list of catalog services.
        fixture.Model.Script($"{key} latency", call => new TextReply("{}") { InputTokens = 1000, OutputTokens = 500 });
        var number = await DiagnosisSeed.OpenIncidentAsync(fixture.App, $"{key} latency", key);
        await DiagnosisSeed.WaitForInvestigationAsync(fixture.App, number);

        using var http = fixture.App.Client(IncidentHubFactory.AdminToken);
        var now = DateTimeOffset.UtcNow;
        var json = await http.GetFromJsonAsync<JsonObject>($"/api/analytics?from={Uri.EscapeDataString(now.AddDays(-1).ToString("O"))}&to={Uri.EscapeDataString(now.AddDays(1).ToString("O"))}");

        var rows = json!["aiUsage"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var investigation = Assert.Single(rows, r => r["agent"]!.GetValue<string>() == "Investigation");
        Assert.True(investigation["inputTokens"]!.GetValue<long>() >= 1000);
        Assert.True(investigation["calls"]!.GetValue<int>() >= 1);
        // The investigation model is priced (0.01 / 0.03 per 1k): at least one call of 1000 in / 500 out costs 0.025.
        Assert.True(investigation["cost"]!.GetValue<decimal>() >= 0.025m);
        Assert.Contains(rows, r => r["agent"]!.GetValue<string>() == "Triage");
    }
}
