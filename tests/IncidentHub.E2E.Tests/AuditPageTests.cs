using System.Net.Http.Json;
using IncidentHub.Tests.Shared;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>The Admin's audit page lists a change made a moment before, with who made it and what changed.</summary>
[Collection(E2ECollection.Name)]
public sealed class AuditPageTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task Admin_SeesACatalogChangeMadeJustBefore_WithBeforeAndAfter()
    {
        var name = $"audit-e2e-{Guid.NewGuid():N}"[..18];
        using (var admin = App.Client(IncidentHubFactory.AdminToken))
        {
            (await admin.PutAsJsonAsync($"/api/catalog/{name}", new { name, tier = 2, owner = "team-before" })).EnsureSuccessStatusCode();
            (await admin.PutAsJsonAsync($"/api/catalog/{name}", new { name, tier = 1, owner = "team-after" })).EnsureSuccessStatusCode();
        }

        var page = await NewPageAsync("audit");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await Expect(page.Locator("a[href='/audit']")).ToBeVisibleAsync();
        await page.GotoAsync("/audit");
        await WaitForCircuitAsync(page);

        var newest = page.Locator("[data-testid=audit-grid] tbody tr").First;
        await Expect(newest).ToContainTextAsync($"service:{name}");
        await Expect(newest).ToContainTextAsync("catalog.service.saved");
        await Expect(newest).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await Expect(newest).ToContainTextAsync("team-before");
        await Expect(newest).ToContainTextAsync("team-after");

        await page.Locator("input[data-testid=audit-action], [data-testid=audit-action] input").First.FillAsync("catalog.");
        await Expect(page.Locator("[data-testid=audit-grid] tbody tr").First).ToContainTextAsync($"service:{name}");
        await Expect(page.GetByTestId("audit-action-cell").First).ToHaveTextAsync("catalog.service.saved");
        await page.Locator("input[data-testid=audit-action], [data-testid=audit-action] input").First.FillAsync("");
        await Expect(page.GetByTestId("audit-total")).Not.ToHaveTextAsync("-1");
        await ScreenshotAsync(page, "audit.png");
    }
}
