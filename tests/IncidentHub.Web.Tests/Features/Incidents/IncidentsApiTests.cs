using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Ingestion;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Incidents;

[Collection(AppCollection.Name)]
public sealed class IncidentsApiTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Api_WithoutLoginOrToken_Returns401_NotARedirect()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.ServerAddress };

        var response = await http.GetAsync("/api/incidents");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Page_WithoutLogin_RedirectsToLoginForm()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.ServerAddress };

        var response = await http.GetAsync("/integrations");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_WithUnknownToken_Returns401()
    {
        using var http = app.Client("ih_this_token_does_not_exist_at_all_000");

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/incidents")).StatusCode);
    }

    [Fact]
    public async Task Viewer_CanRead_ButCannotAcknowledgeOrResolve()
    {
        var number = await OpenIncidentAsync();
        var token = await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer);
        using var viewer = app.Client(token);

        var detail = await viewer.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");
        var ack = await viewer.PostAsync($"/api/incidents/{number}/acknowledge", null);
        var resolve = await viewer.PostAsync($"/api/incidents/{number}/resolve", null);

        Assert.Equal($"INC-{number}", detail!["summary"]!["reference"]!.GetValue<string>());
        Assert.True(detail["timeline"]!.AsArray().Count >= 1);
        Assert.Equal(HttpStatusCode.Forbidden, ack.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, resolve.StatusCode);
    }

    [Fact]
    public async Task Responder_Acknowledges_ThenSecondAcknowledgeIsAConflict()
    {
        var number = await OpenIncidentAsync();
        var email = $"responder-{Guid.NewGuid():N}@test.local";
        using var responder = app.Client(await app.CreateUserAsync(email, "Responder!pass-123", Roles.Responder));

        var first = await responder.PostAsync($"/api/incidents/{number}/acknowledge", null);
        var second = await responder.PostAsync($"/api/incidents/{number}/acknowledge", null);
        var detail = await responder.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("already acknowledged", (await second.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(email, detail!["acknowledgedBy"]!.GetValue<string>());
        Assert.NotNull(detail["phases"]!["acknowledgedAt"]);
    }

    [Fact]
    public async Task Resolve_ThenResolveAgain_IsAnIllegalMove409()
    {
        var number = await OpenIncidentAsync();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var first = await admin.PostAsync($"/api/incidents/{number}/resolve", null);
        var second = await admin.PostAsync($"/api/incidents/{number}/resolve", null);
        var detail = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await second.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Illegal state change", problem!["title"]!.GetValue<string>());
        Assert.Contains("cannot move from Resolved", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Resolved", detail!["summary"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownIncident_Returns404()
    {
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/incidents/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/incidents/999999/acknowledge", null)).StatusCode);
    }

    [Fact]
    public async Task ListIncidents_ShowsOpenOnesByDefault()
    {
        var number = await OpenIncidentAsync();
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        var open = await admin.GetFromJsonAsync<JsonArray>("/api/incidents");
        await admin.PostAsync($"/api/incidents/{number}/resolve", null);
        var openAfter = await admin.GetFromJsonAsync<JsonArray>("/api/incidents");
        var all = await admin.GetFromJsonAsync<JsonArray>("/api/incidents?all=true");

        Assert.Contains(open!, i => i!["number"]!.GetValue<int>() == number);
        Assert.DoesNotContain(openAfter!, i => i!["number"]!.GetValue<int>() == number);
        Assert.Contains(all!, i => i!["number"]!.GetValue<int>() == number);
    }

    [Fact]
    public async Task RevokedApiToken_StopsWorking()
    {
        var email = $"revoke-{Guid.NewGuid():N}@test.local";
        var token = await app.CreateUserAsync(email, "Revoke!pass-123", Roles.Viewer);
        using var http = app.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/incidents")).StatusCode);

        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            var user = await users.FindByEmailAsync(email);
            var tokens = await accounts.TokensAsync(user!.Id);
            await accounts.RevokeTokenAsync(user.Id, tokens.Single().Id);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/incidents")).StatusCode);
    }

    [Fact]
    public async Task IntegrationsApi_AndJobsDashboard_AreForAdminsOnly()
    {
        using var viewer = app.Client(await app.CreateUserAsync($"v-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer));
        using var admin = app.Client(IncidentHubFactory.AdminToken);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/integrations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/integrations")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/jobs")).StatusCode);
        var jobs = await admin.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        Assert.Contains("IncidentHub jobs", await jobs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<int> OpenIncidentAsync()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();
        var response = await http.PostAsJsonAsync(hook + "?wait=true", new { title = $"Api test {Guid.NewGuid():N}", service = "inventory", severity = "warning" });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body!["incidents"]![0]!["number"]!.GetValue<int>();
    }
}
