using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;

namespace IncidentHub.Web.Tests.Features.Investigation;

[Collection(AppCollection.Name)]
public sealed class DeploysApiTests(IncidentHubFactory app)
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Post_OneObject_Returns201_AndTheDeployIsListed()
    {
        var service = $"svc-{Guid.NewGuid():N}";
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var post = await http.PostAsJsonAsync("/api/deploys", new { service, version = "1.4.2", commit = "abc1234def", at = T0, status = "succeeded" });
        var list = await http.GetFromJsonAsync<JsonArray>($"/api/deploys?service={service}");

        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        var deploy = Assert.Single(list!)!;
        Assert.Equal("1.4.2", deploy["version"]!.GetValue<string>());
        Assert.Equal("abc1234def", deploy["commit"]!.GetValue<string>());
        Assert.Equal("deploy", deploy["kind"]!.GetValue<string>());
        Assert.Equal(T0, deploy["at"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Post_Array_StoresEach_AndListFiltersByTimeWindow()
    {
        var service = $"svc-{Guid.NewGuid():N}";
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var post = await http.PostAsJsonAsync("/api/deploys", new object[]
        {
            new { service, version = "1.0", at = T0.AddHours(-5) },
            new { service, version = "1.1", at = T0.AddMinutes(-20), kind = "rollback" },
        });
        var from = Uri.EscapeDataString(T0.AddHours(-1).ToString("O"));
        var to = Uri.EscapeDataString(T0.ToString("O"));
        var list = await http.GetFromJsonAsync<JsonArray>($"/api/deploys?service={service}&from={from}&to={to}");

        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.Equal(2, (await post.Content.ReadFromJsonAsync<JsonArray>())!.Count);
        var only = Assert.Single(list!)!;
        Assert.Equal("1.1", only["version"]!.GetValue<string>());
        Assert.Equal("rollback", only["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_Invalid_Returns400ProblemDetails_NamingEachField_AndStoresNothing()
    {
        var service = $"svc-{Guid.NewGuid():N}";
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var post = await http.PostAsJsonAsync("/api/deploys", new object[]
        {
            new { service, version = "1.0", at = T0 },
            new { service, commit = "not-a-sha!", at = T0 },
        });
        var problem = await post.Content.ReadFromJsonAsync<JsonObject>();
        var list = await http.GetFromJsonAsync<JsonArray>($"/api/deploys?service={service}");

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Equal("application/problem+json", post.Content.Headers.ContentType!.MediaType);
        var errors = problem!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("[1].version"));
        Assert.True(errors.ContainsKey("[1].commit"));
        Assert.Empty(list!);
    }

    [Fact]
    public async Task Post_MalformedJson_Returns400ProblemDetails()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var post = await http.PostAsync("/api/deploys", new StringContent("{\"service\":", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Equal("application/problem+json", post.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Post_WithoutToken_Is401_AndAsViewer_Is403_ButViewerCanList()
    {
        var viewerToken = await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Roles.Viewer);
        var responderToken = await app.CreateUserAsync($"responder-{Guid.NewGuid():N}@test.local", "Responder!pass-123", Roles.Responder);
        using var anonymous = app.Client();
        using var viewer = app.Client(viewerToken);
        using var responder = app.Client(responderToken);
        var body = new { service = "x", version = "1", at = T0 };

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/deploys", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/deploys", body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/deploys?service=x")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await responder.PostAsJsonAsync("/api/deploys", body)).StatusCode);
    }
}
