using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>The responder's path in a real browser: live wall, incident page, triage, acknowledge.</summary>
[Collection(E2ECollection.Name)]
public sealed class IncidentFlowTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task Wall_ShowsPostedAlert_WithoutReload_ThenAdminAcknowledgesTriagedIncident()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager, "prod Alertmanager (eu-west-1)");

        // Some incidents already open, so the wall (and its screenshot) looks like a real shift.
        var background = new List<int>();
        foreach (var spec in new[] { Alerts.PaymentsLatency, Alerts.UploadsDisk, Alerts.GeocoderRateLimit })
        {
            background.Add(await Alerts.PostAsync(App, hook, spec));
        }

        var page = await NewPageAsync("wall-admin");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await Expect(page.GetByTestId("incident-wall")).ToBeVisibleAsync();
        foreach (var number in background)
        {
            await Expect(Row(page, number)).ToBeVisibleAsync();
        }

        // Anything that reloads or navigates the page would lose this marker or change the URL.
        var url = page.Url;
        var navigations = 0;
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                navigations++;
            }
        };
        await page.EvaluateAsync("() => { window.__marker = 1; }");

        // Other tests of this collection may have left incidents open: the new one adds exactly one row to what is shown.
        var shown = await page.GetByTestId("incident-row").CountAsync();
        var posted = await Alerts.PostAsync(App, hook, Alerts.CheckoutErrors);

        var row = Row(page, posted);
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 2000 });
        await Expect(row).ToContainTextAsync("checkout");
        await Expect(row).ToContainTextAsync("HighErrorRate");
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__marker"));
        Assert.Equal(url, page.Url);
        Assert.Equal(0, navigations);
        await Expect(page.GetByTestId("incident-row")).ToHaveCountAsync(shown + 1);

        await ScreenshotAsync(page, "wall.png");

        await row.Locator("td.ih-ref a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/incidents/{posted}$"));
        await Expect(page.GetByTestId("incident-title")).ToContainTextAsync("HighErrorRate");

        // The triage entry is written by a Hangfire job shortly after the alert and pushed to the page.
        var triage = page.Locator("[data-testid=timeline-entry][data-kind=Triage]");
        await Expect(triage).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(triage).ToContainTextAsync("Triage:");

        await WaitForCircuitAsync(page);
        await page.GetByTestId("acknowledge").ClickAsync();
        await Expect(page.GetByTestId("acknowledged-by")).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await Expect(page.GetByTestId("acknowledge")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=timeline-entry][data-kind=Acknowledged]")).ToBeVisibleAsync();

        // The confirmation toast covers the header's corner; close it so the documentation screenshot is clean.
        var toast = page.Locator(".mud-snackbar");
        await Expect(toast).ToContainTextAsync("Acknowledged");
        await toast.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(toast).ToHaveCountAsync(0);

        await ScreenshotAsync(page, "incident.png");
    }

    [Fact]
    public async Task Viewer_SeesIncidentAndTimeline_ButNoAcknowledgeOrResolveButtons()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager);
        var number = await Alerts.PostAsync(App, hook, Alerts.InventorySync);
        var email = $"viewer-{Guid.NewGuid():N}"[..20] + "@test.local";
        const string password = "Viewer!pass-123";
        await App.CreateUserAsync(email, password, "Viewer");

        try
        {
            var page = await NewPageAsync("viewer");
            await LogInAsync(page, email, password);
            await page.GotoAsync($"/incidents/{number}");
            await WaitForCircuitAsync(page);

            await Expect(page.GetByTestId("incident-title")).ToContainTextAsync("StockSyncLagging");
            await Expect(page.GetByTestId("timeline")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("timeline-entry").First).ToBeVisibleAsync();
            // The same page shows both buttons to a Responder/Admin (see the test above).
            await Expect(page.GetByTestId("acknowledge")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("resolve")).ToHaveCountAsync(0);
            await Expect(page.GetByText(email)).ToBeVisibleAsync();
        }
        finally
        {
            // Keep the shared wall to the incidents the wall test opened (its screenshot is documentation).
            using var admin = App.Client(IncidentHubFactory.AdminToken);
            await admin.PostAsync($"/api/incidents/{number}/resolve", null);
        }
    }

    [Fact]
    public async Task Wall_SaysWhenAnAlertStormHoldsTheAgents_AndWhenItIsOver()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager, "storm Alertmanager");
        var page = await NewPageAsync("wall-storm");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Incident wall" })).ToBeVisibleAsync();
        await WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("storm-banner")).ToHaveCountAsync(0);

        // A storm: 400 notifications of one alert as fast as the app takes them (well above 50 requests/s).
        using var http = App.Client();
        var body = Alerts.Body(Alerts.InventorySync, "storm-" + Guid.NewGuid().ToString("N")[..8]).ToJsonString();
        var sends = Enumerable.Range(0, 400).Select(async _ =>
        {
            using var response = await http.PostAsync(hook, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            return (int)response.StatusCode;
        });
        var storm = Task.WhenAll(sends);

        var banner = page.GetByTestId("storm-banner");
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(banner).ToContainTextAsync("webhook requests/s");
        await ScreenshotAsync(page, "storm.png");
        Assert.All(await storm, status => Assert.Equal(202, status));

        // Once the requests stop, the next reading opens the gate and the banner goes.
        await Expect(banner).ToHaveCountAsync(0, new() { Timeout = 15_000 });
    }

    private static ILocator Row(IPage page, int number) =>
        page.Locator($"[data-testid=incident-row][data-number='{number}']");
}
