using IncidentHub.Tests.Shared;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>An Admin edits a playbook on its page: a mistake is refused with its place, a valid change shows at once.</summary>
[Collection(E2ECollection.Name)]
public sealed class PlaybooksPageTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task Admin_EditsAPlaybook_AMistakeIsRefused_AChangeShowsWithItsTier()
    {
        var name = $"e2e restart {Guid.NewGuid():N}"[..20];
        var page = await NewPageAsync("playbooks");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.GotoAsync("/playbooks");
        await WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("playbook-row").Filter(new() { HasText = "bad deploy - roll back" })).ToContainTextAsync("REVERSIBLE");

        var yaml = page.Locator("textarea[data-testid=playbook-yaml], [data-testid=playbook-yaml] textarea").First;
        await yaml.FillAsync($"name: {name}\ncategories: [capacity/resource-exhaustion]\nactions:\n  - tool: runbook.restart\n    title: Restart {{servise}}\n    target: x\n    rollback: none\n");
        await page.GetByTestId("playbook-save").ClickAsync();
        await Expect(page.GetByTestId("playbook-error")).ToContainTextAsync("{servise} is not a plan value");

        await yaml.FillAsync($"name: {name}\ncategories: [capacity/resource-exhaustion]\nactions:\n  - tool: runbook.restart\n    title: Restart {{service}}\n    target: \"{{service}}\"\n    arguments: {{ service: \"{{service}}\" }}\n    rollback: none\n");
        await page.GetByTestId("playbook-save").ClickAsync();
        var row = page.GetByTestId("playbook-row").Filter(new() { HasText = name });
        await Expect(row).ToContainTextAsync("REVERSIBLE");
        await Expect(row).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await ScreenshotAsync(page, "playbooks.png");
    }
}
