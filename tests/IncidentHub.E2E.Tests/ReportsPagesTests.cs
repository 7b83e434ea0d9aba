using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.History;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>History, analytics and the post-mortem page in a real browser over a generated history.</summary>
[Collection(E2ECollection.Name)]
public sealed class ReportsPagesTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _seeded;

    public override async Task InitializeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (!_seeded)
            {
                await using var scope = App.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<HistoryGenerator>().RunAsync(new HistoryGenerator.Options(300, 6), CancellationToken.None);
                _seeded = true;
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    [Fact]
    public async Task History_PagesServerSide_AndSearchNarrowsTheRows()
    {
        var page = await NewPageAsync("history");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.GotoAsync("/history");
        await WaitForCircuitAsync(page);

        var rows = page.Locator("[data-testid=history-grid] tbody tr.mud-table-row");
        await Expect(rows).ToHaveCountAsync(25);
        var total = int.Parse((await page.GetByTestId("history-total").TextContentAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(total >= 300, $"total {total}");
        // Generated history is demo data, and says so: the note with the Admin's one-click removal, a mark on each row.
        await Expect(page.GetByTestId("history-demo-note")).ToContainTextAsync("demo incidents");
        await Expect(page.GetByTestId("remove-demo-data")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=history-grid] [data-testid=origin-badge]").First).ToHaveTextAsync("demo");
        await ScreenshotAsync(page, "history.png");

        await page.Locator("input[data-testid=history-search], [data-testid=history-search] input").First.FillAsync("replication lag");
        await Expect(page.GetByTestId("history-total")).Not.ToHaveTextAsync(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var count = await rows.CountAsync();
        Assert.InRange(count, 1, 25);
        for (var i = 0; i < count; i++)
        {
            await Expect(rows.Nth(i)).ToContainTextAsync("Replication lag");
        }
    }

    [Fact]
    public async Task Analytics_DrawsEveryFigure_WithDefinitions()
    {
        var page = await NewPageAsync("analytics");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.GotoAsync("/analytics");
        await WaitForCircuitAsync(page);

        // Demo incidents stay out of the figures until asked for, and the page says how many it left out.
        await Expect(page.GetByTestId("analytics-demo-note")).ToContainTextAsync("left out of these figures", new() { Timeout = 30_000 });
        await page.GetByText("Include demo data").ClickAsync();
        await page.WaitForURLAsync("**/analytics?demo=include");
        await WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("analytics-demo-note")).ToContainTextAsync("These figures include", new() { Timeout = 30_000 });

        foreach (var chart in new[] { "trend", "mttr-severity", "mttr-service", "per-service", "severity", "phases", "weekly-count" })
        {
            // plotly.js (3.5 MB) loads on first use.
            await Expect(page.Locator($"[data-testid=chart-{chart}] svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }

        await Expect(page.GetByTestId("analytics-definitions")).ToContainTextAsync("MTTA (mean time to acknowledge) = mean of acknowledged_at − triggered_at");
        // Plan acceptance is what real plans did (other tests' incidents may have some): the page shows the API's figure, or "no plans yet".
        using (var http = App.Client(IncidentHubFactory.AdminToken))
        {
            var report = await http.GetFromJsonAsync<JsonObject>("/api/analytics?includeDemo=true");
            var proposed = report!["plans"]!["proposed"]!.GetValue<int>();
            await Expect(page.GetByTestId("stat-plans")).ToContainTextAsync(proposed == 0 ? "no plans yet" : $"of {proposed}");
        }
        await Expect(page.Locator("[data-testid=chart-recurring] tbody tr").First).ToBeVisibleAsync();
        Assert.NotEqual("0", await page.GetByTestId("stat-incidents").TextContentAsync());
        await ScreenshotAsync(page, "analytics.png");
    }

    [Fact]
    public async Task PostmortemPage_ShowsTheWrittenReport_AndSavesActionItems()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Generic);
        using var http = App.Client(IncidentHubFactory.AdminToken);
        var opened = await (await http.PostAsJsonAsync(hook + "?wait=true", new { title = "Checkout 5xx after deploy", service = "checkout", severity = "critical" }))
            .Content.ReadFromJsonAsync<JsonObject>();
        var number = opened!["incidents"]![0]!["number"]!.GetValue<int>();
        await http.PostAsync($"/api/incidents/{number}/resolve", null);
        await Eventually.HoldsAsync(async () => (await http.GetAsync($"/api/incidents/{number}/postmortem.pdf")).StatusCode, s => s == System.Net.HttpStatusCode.OK,
            TimeSpan.FromSeconds(90), "the post-mortem PDF");

        var page = await NewPageAsync("postmortem");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.GotoAsync($"/incidents/{number}/postmortem");
        await WaitForCircuitAsync(page);

        await Expect(page.GetByTestId("pm-title")).ToContainTextAsync($"Post-mortem INC-{number}");
        await Expect(page.GetByTestId("pm-status")).ToContainTextAsync("Revision 1");
        await Expect(page.Locator(".pm")).ToContainTextAsync("No remediation actions were recorded.");
        await page.Locator("textarea[data-testid=pm-action-items], [data-testid=pm-action-items] textarea").First.FillAsync("Add a canary stage for checkout");
        await page.GetByTestId("pm-save").ClickAsync();
        await Expect(page.Locator(".pm ol")).ToContainTextAsync("Add a canary stage for checkout");
        var status = await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/postmortem");
        Assert.Equal("Add a canary stage for checkout", status!["actionItems"]![0]!.GetValue<string>());
        Assert.Equal(1, status["revision"]!.GetValue<int>());
    }
}
