using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Infrastructure.Errors;

/// <summary>What an API client sees when something is missing or a request is wrong: one shape everywhere.</summary>
[Collection(AppCollection.Name)]
public sealed class ApiAnswersTests(IncidentHubFactory app)
{
    private const int Missing = 987001;

    [Theory]
    [InlineData("GET", "/api/incidents/987001", null, "INC-987001")]
    [InlineData("POST", "/api/incidents/987001/acknowledge", null, "INC-987001")]
    [InlineData("POST", "/api/incidents/987001/resolve", null, "INC-987001")]
    [InlineData("GET", "/api/incidents/987001/diagnosis", null, "INC-987001")]
    [InlineData("GET", "/api/incidents/987001/evidence/obs-99999999", null, "obs-99999999")]
    [InlineData("GET", "/api/incidents/987001/postmortem", null, "INC-987001")]
    [InlineData("GET", "/api/incidents/987001/postmortem.pdf", null, "INC-987001")]
    [InlineData("GET", "/api/incidents/987001/postmortem.md", null, "INC-987001")]
    [InlineData("PUT", "/api/incidents/987001/postmortem/action-items", """{"items":["x"]}""", "INC-987001")]
    [InlineData("PUT", "/api/incidents/987001/memory/fix", """{"fix":"Rolled back"}""", "INC-987001")]
    [InlineData("GET", "/api/catalog/no-such-service-987001", null, "no-such-service-987001")]
    [InlineData("DELETE", "/api/catalog/no-such-service-987001", null, "no-such-service-987001")]
    [InlineData("POST", "/hooks/nagios/iht_whatever", "{}", "nagios")]
    public async Task MissingThing_Returns404ProblemDetails_ThatNamesIt(string method, string url, string? body, string named)
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.SendAsync(Request(method, url, body));
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, problem!["status"]!.GetValue<int>());
        Assert.EndsWith("not found", problem["title"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(named, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingIncident_IsTheSameAnswerWhereverItIsAskedFor()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var answers = new List<(string? Title, string? Detail)>();
        foreach (var url in new[] { $"/api/incidents/{Missing}", $"/api/incidents/{Missing}/diagnosis", $"/api/incidents/{Missing}/postmortem", $"/api/incidents/{Missing}/postmortem.md" })
        {
            var problem = await (await http.GetAsync(url)).Content.ReadFromJsonAsync<JsonObject>();
            answers.Add((problem!["title"]?.GetValue<string>(), problem["detail"]?.GetValue<string>()));
        }

        Assert.All(answers, a => Assert.Equal(("Incident not found", $"There is no incident INC-{Missing}."), a));
    }

    [Theory]
    [InlineData("PUT", "/api/incidents/987001/memory/fix", """{"fix":"  "}""", "fix")]
    [InlineData("PUT", "/api/incidents/987001/memory/fix", """{"verified":true}""", "fix")]
    [InlineData("PUT", "/api/incidents/987001/postmortem/action-items", """{"resend":true}""", "items")]
    [InlineData("PUT", "/api/incidents/987001/postmortem/action-items", """{"items":["fine", null]}""", "items")]
    [InlineData("GET", "/api/history?severity=P9", null, "severity")]
    [InlineData("GET", "/api/history?from=2026-02-01&to=2026-01-01", null, "to")]
    [InlineData("GET", "/api/history.csv?state=Sleeping", null, "state")]
    [InlineData("GET", "/api/analytics?from=yesterday", null, "from")]
    [InlineData("GET", "/api/incidents/987001/evidence/not-an-id", null, "id")]
    [InlineData("POST", "/api/deploys", """{"service":""", "body")]
    [InlineData("POST", "/api/deploys", """{"service":"x","at":"2026-01-01T00:00:00Z"}""", "version")]
    public async Task InvalidRequest_Returns400ValidationProblem_NamingTheField(string method, string url, string? body, string field)
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.SendAsync(Request(method, url, body));
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = problem!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"errors name {string.Join(", ", errors.Select(e => e.Key))}, not {field}");
        Assert.Contains(errors[field]!.AsArray(), m => m!.GetValue<string>().Length > 0);
    }

    [Theory]
    [InlineData(51, 10)]
    [InlineData(1, 501)]
    public async Task ActionItems_TooManyOrTooLong_Returns400NamingItems(int count, int length)
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.PutAsJsonAsync($"/api/incidents/{Missing}/postmortem/action-items", new { items = Enumerable.Repeat(new string('a', length), count) });
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 500 characters", problem!["errors"]!["items"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HistorySearch_OverTheLimit_Returns400NamingQ()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.GetAsync($"/api/history?q={new string('x', 201)}");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Search text is at most 200 characters.", problem!["errors"]!["q"]![0]!.GetValue<string>());
    }

    private static HttpRequestMessage Request(string method, string url, string? body) =>
        new(new HttpMethod(method), url)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };
}
