using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.History;

namespace IncidentHub.Web.Tests.Features.History;

/// <summary>History through its HTTP API over the generated 2020 history: filters, search, paging, sorting, CSV.</summary>
[Collection(AppCollection.Name)]
public sealed class HistoryTests(IncidentHubFactory app) : IAsyncLifetime
{
    private const string Range = "from=2020-07-01&to=2021-01-01";

    public Task InitializeAsync() => GeneratedHistory.EnsureAsync(app);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Filters_BySeverityServiceAndRange_ReturnOnlyMatchingIncidents()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var all = await PageAsync(http, $"{Range}&take=500");
        var expected = all.Rows.Count(r => r["severity"]!.GetValue<string>() is "P0" or "P1" && r["service"]!.GetValue<string>() == "checkout");

        var filtered = await PageAsync(http, $"{Range}&severity=P0,P1&service=checkout&take=500");

        Assert.Equal(GeneratedHistory.Count, all.Total);
        Assert.True(expected > 0);
        Assert.Equal(expected, filtered.Total);
        Assert.All(filtered.Rows, r =>
        {
            Assert.Contains(r["severity"]!.GetValue<string>(), new[] { "P0", "P1" });
            Assert.Equal("checkout", r["service"]!.GetValue<string>());
        });
    }

    [Fact]
    public async Task Paging_AndSorting_AreServerSide_WithoutOverlap()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var first = await PageAsync(http, $"{Range}&sort=TimeToResolve&desc=true&skip=0&take=25");
        var second = await PageAsync(http, $"{Range}&sort=TimeToResolve&desc=true&skip=25&take=25");

        Assert.Equal(25, first.Rows.Count);
        Assert.Equal(GeneratedHistory.Count, first.Total);
        Assert.Empty(first.Rows.Select(Number).Intersect(second.Rows.Select(Number)));
        var ttr = first.Rows.Concat(second.Rows).Select(r => r["secondsToResolve"]!.GetValue<double>()).ToList();
        Assert.Equal(ttr.OrderByDescending(x => x), ttr);
    }

    [Fact]
    public async Task Search_FindsTitles_AndTimelineText_WithStemming()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var titles = await PageAsync(http, $"{Range}&q={Uri.EscapeDataString("replication lag")}&take=500");
        var timeline = await PageAsync(http, $"{Range}&q={Uri.EscapeDataString("\"enough confidence\"")}&take=500");
        var all = await PageAsync(http, $"{Range}&take=500");

        Assert.NotEmpty(titles.Rows);
        Assert.All(titles.Rows, r => Assert.Contains("Replication lag", r["title"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(all.Rows.Count(r => r["title"]!.GetValue<string>().Contains("Replication lag", StringComparison.Ordinal)), titles.Total);
        // Only the timeline says "enough confidence" (the investigation escalated): found through timeline text.
        Assert.InRange(timeline.Total, 1, GeneratedHistory.Count - 1);
    }

    [Fact]
    public async Task Csv_HasAHeaderAndOneLinePerMatchingIncident()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.GetAsync($"/api/history.csv?{Range}&severity=P0");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var page = await PageAsync(http, $"{Range}&severity=P0&take=500");

        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("number,reference,title,service,severity", lines[0], StringComparison.Ordinal);
        Assert.Equal(page.Total, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Contains(",P0,", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BadFilters_Return400_WithTheFieldNamed()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var response = await http.GetAsync("/api/history?severity=P9&from=yesterday&sort=colour");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(problem!["errors"]!["severity"]);
        Assert.NotNull(problem["errors"]!["from"]);
        Assert.NotNull(problem["errors"]!["sort"]);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("-1", "'-1")]
    public void CsvCells_AreQuoted_AndNeverFormulas(string value, string expected) => Assert.Equal(expected, HistoryQueries.Csv(value));

    private static int Number(JsonNode? row) => row!["number"]!.GetValue<int>();

    private static async Task<(List<JsonNode> Rows, int Total)> PageAsync(HttpClient http, string query)
    {
        var page = await http.GetFromJsonAsync<JsonObject>($"/api/history?{query}");
        return (page!["rows"]!.AsArray().Select(r => r!).ToList(), page["total"]!.GetValue<int>());
    }
}
