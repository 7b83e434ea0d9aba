using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using static IncidentHub.Web.Tests.Features.OnCall.OnCallScenario;

namespace IncidentHub.Web.Tests.Features.OnCall;

[Collection(AppCollection.Name)]
public sealed class TeamsApiTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Team_ShowsWhoIsOnCallNowAndNext_AndOwnsTheServiceItsCatalogOwnerNames()
    {
        var team = await TeamAsync(app);
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var view = await http.GetFromJsonAsync<JsonObject>($"/api/teams/{team.Slug}");

        var now = OnCallNow(DateTimeOffset.UtcNow);
        Assert.Equal(now, view!["now"]!["person"]!.GetValue<string>());
        Assert.Equal(now == "ana" ? "ben" : "ana", view["next"]!["person"]!.GetValue<string>());
        Assert.Equal([team.Service], view["services"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(8, view["upcoming"]!.AsArray().Count);

        var (_, number) = await IncidentAsync(app, team.Service, DateTimeOffset.UtcNow);
        var onCall = await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/oncall");
        Assert.Equal((team.Slug, now), (onCall!["teamSlug"]!.GetValue<string>(), onCall["now"]!["person"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Override_PutsSomeoneElseOnCall()
    {
        var team = await TeamAsync(app);
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);

        var added = await http.PostAsJsonAsync($"/api/teams/{team.Slug}/overrides", new { person = "cleo", startsAt = start, endsAt = start.AddHours(2) });

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var view = await http.GetFromJsonAsync<JsonObject>($"/api/teams/{team.Slug}");
        Assert.Equal(("cleo", true), (view!["now"]!["person"]!.GetValue<string>(), view["now"]!["override"]!.GetValue<bool>()));
        var unknown = await http.PostAsJsonAsync($"/api/teams/{team.Slug}/overrides", new { person = "mallory", startsAt = start, endsAt = start.AddHours(2) });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("not a member", (await unknown.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadTeam_IsAValidationProblem_NamingTheField()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.PutAsJsonAsync("/api/teams/bad-zone", new
        {
            name = "Bad", timeZone = "Mars/Olympus", rotation = "Weekly", handoff = "09:00:00", rotationStart = "2026-01-05",
            members = new[] { new { name = "ana" }, new { name = "ANA" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!;
        Assert.Contains("Mars/Olympus", errors["timeZone"]![0]!.GetValue<string>());
        Assert.Contains("Two members are named", errors["members"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Responder_CannotEditTeams_ButReadsThem()
    {
        var team = await TeamAsync(app);
        using var responder = app.Client(await app.CreateUserAsync($"resp-{Guid.NewGuid():N}@test.local", "Resp!pass-1234", Roles.Responder));

        Assert.Equal(HttpStatusCode.OK, (await responder.GetAsync($"/api/teams/{team.Slug}")).StatusCode);
        var put = await responder.PutAsJsonAsync($"/api/teams/{team.Slug}", new { name = "Taken", timeZone = "UTC", rotation = "Weekly", handoff = "09:00:00", rotationStart = "2026-01-05", members = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
    }
}
