using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Ingestion;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// Responders correct the machine in a real browser: a note and a severity change made on one page appear live on a
/// second person's open page (no reload); the note's Markdown renders and its script does not run. The wall's keys
/// select, acknowledge and open an incident; a person declares an incident with no alert.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ResponseFlowTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task NoteAndSeverity_ByOneResponder_AppearLiveForAnother()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager);
        var number = await Alerts.PostAsync(App, hook, Alerts.InventorySync);
        var email = $"resp-{Guid.NewGuid():N}"[..18] + "@test.local";
        await App.CreateUserAsync(email, "Responder!pass-123", Roles.Responder);

        var mine = await NewPageAsync("response-admin");
        await LogInAsync(mine, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        var theirs = await NewPageAsync("response-other");
        await LogInAsync(theirs, email, "Responder!pass-123");
        foreach (var page in new[] { mine, theirs })
        {
            await page.GotoAsync($"/incidents/{number}");
            await WaitForCircuitAsync(page);
        }

        await theirs.EvaluateAsync("() => { window.__marker = 5; }");

        await mine.GetByTestId("open-note").ClickAsync();
        await mine.GetByTestId("note-text").FillAsync(
            "**Paged** the DB team, see [runbook](https://runbooks.example/db).\n\n<script>window.__xss = 1</script> [bad](javascript:window.__xss=2)");
        await mine.GetByTestId("note-save").ClickAsync();

        foreach (var page in new[] { mine, theirs })
        {
            var note = page.GetByTestId("note");
            await Expect(note).ToBeVisibleAsync();
            await Expect(note.Locator("strong")).ToHaveTextAsync("Paged");
            await Expect(note.Locator("a[href='https://runbooks.example/db']")).ToHaveTextAsync("runbook");
            await Expect(note.Locator("a")).ToHaveCountAsync(1);
            await Expect(note).ToContainTextAsync("<script>");
            Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));
        }

        await mine.GetByTestId("open-severity").ClickAsync();
        await mine.GetByTestId("severity-select").ClickAsync();
        await mine.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex("^P0$") }).ClickAsync();
        await mine.GetByTestId("severity-reason").FillAsync("every checkout fails");
        await mine.GetByTestId("severity-save").ClickAsync();

        await Expect(theirs.Locator(".ih-incident-title .ih-sev")).ToHaveTextAsync("P0");
        await Expect(theirs.GetByTestId("severity-set-by")).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await Expect(theirs.Locator("[data-testid=timeline-entry][data-kind=Changed]")).ToContainTextAsync("every checkout fails");
        Assert.Equal(5, await theirs.EvaluateAsync<int>("() => window.__marker"));
        await ScreenshotAsync(theirs, "incident-notes-and-overrides.png");
    }

    [Fact]
    public async Task WallKeys_SelectAcknowledgeAndOpen()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager);
        var number = await Alerts.PostAsync(App, hook, Alerts.PaymentsLatency);
        var page = await NewPageAsync("wall-keys");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await WaitForCircuitAsync(page);
        var row = page.Locator($"[data-testid=incident-row][data-number='{number}']");
        await Expect(row).ToBeVisibleAsync();

        // j moves down the rows as shown until ours is selected; the selection is visible.
        var rows = await page.GetByTestId("incident-row").CountAsync();
        for (var i = 0; i < rows && await row.GetAttributeAsync("data-selected") != "true"; i++)
        {
            await page.Keyboard.PressAsync("j");
            await Expect(page.Locator("[data-testid=incident-row][data-selected=true]")).ToHaveCountAsync(1);
        }

        await Expect(row).ToHaveAttributeAsync("data-selected", "true");
        await page.Keyboard.PressAsync("a");
        await Expect(row).ToContainTextAsync("✓");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"/incidents/{number}$"));
        await Expect(page.GetByTestId("acknowledged-by")).ToContainTextAsync(IncidentHubFactory.AdminEmail);
    }

    [Fact]
    public async Task Declare_FromTheWall_OpensTheIncidentPage()
    {
        var page = await NewPageAsync("declare");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await WaitForCircuitAsync(page);

        await page.GetByTestId("declare").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/incidents/declare$"));
        await WaitForCircuitAsync(page);
        var title = $"Customers report failed logins {Guid.NewGuid():N}"[..44];
        await page.GetByTestId("declare-title").FillAsync(title);
        await page.GetByTestId("declare-summary").FillAsync("Support has **12 tickets** since 02:10.");
        await page.GetByTestId("declare-save").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/incidents/\d+$"));
        await Expect(page.GetByTestId("incident-title")).ToHaveTextAsync(title);
        await Expect(page.GetByTestId("declared-by")).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await Expect(page.GetByTestId("note").Locator("strong")).ToHaveTextAsync("12 tickets");
    }
}
