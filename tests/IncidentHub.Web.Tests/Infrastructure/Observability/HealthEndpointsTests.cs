using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Infrastructure.Observability;

[Collection(AppCollection.Name)]
public sealed class HealthEndpointsTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Ready_ReportsEachComponent()
    {
        using var http = app.Client();

        var response = await http.GetAsync("/health/ready");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var components = body!["components"]!.AsObject();
        foreach (var name in new[] { "postgres", "hangfire", "chromium", "smtp" })
        {
            Assert.True(components.ContainsKey(name), $"/health/ready names {name}: {body}");
        }

        Assert.Equal("Healthy", components["postgres"]!["status"]!.GetValue<string>());
        Assert.Equal("Healthy", components["hangfire"]!["status"]!.GetValue<string>());
        Assert.Equal("Healthy", components["chromium"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Live_AnswersWithoutCheckingDependencies()
    {
        using var http = app.Client();

        var response = await http.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
