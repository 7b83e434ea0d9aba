using IncidentHub.Tests.Shared;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>What an Admin and a responder see in a real browser: the provider page with its connection test, and the incident's AI lines and usage.</summary>
[Collection(AiCollection.Name)]
public sealed class AiPagesBrowserTests(AiAppFixture fixture)
{
    [Fact]
    public async Task AdminPage_TestsTheConnection_AndTheIncidentShowsTheAgentsLinesAndUsage()
    {
        var id = await new AiAgentTests(fixture).RunIncidentAsync("AiPage" + Guid.NewGuid().ToString("N")[..8], call => new TextReply(FakeModelServer.Json(new
        {
            hypotheses = new[] { new { category = "bad-deploy-code", statement = "The release divides by zero.", evidenceIds = new[] { FakeModelServer.EvidenceIds(call)[0], "obs-55555555" }, confidence = 0.8 } },
            summary = "s",
        })));
        int number;
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(fixture.App.ConnectionString).Options))
        {
            number = await db.Incidents.Where(i => i.Id == id).Select(i => i.Number).SingleAsync();
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = fixture.App.ServerAddress.ToString().TrimEnd('/'), ViewportSize = new() { Width = 1440, Height = 900 } });
        await page.GotoAsync("/account/login");
        await page.Locator("#email").FillAsync(IncidentHubFactory.AdminEmail);
        await page.Locator("#password").FillAsync(IncidentHubFactory.AdminPassword);
        await page.Locator("[data-testid=login-submit]").ClickAsync();
        await Expect(page.Locator("#circuit-state")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 15_000 });

        await page.GotoAsync("/admin/ai");
        await Expect(page.Locator("#circuit-state")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 15_000 });
        await Expect(page.Locator("[data-testid=ai-status] h2")).ToHaveTextAsync("Configured: OpenAICompatible");
        await page.Locator("[data-testid=ai-test]").ClickAsync();
        await Expect(page.Locator("[data-testid=ai-test-result]")).ToContainTextAsync("OK: OpenAICompatible answered");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("sk-test-secret");
        await page.ScreenshotAsync(new() { Path = Shot("ai-admin.png"), FullPage = true });

        await page.GotoAsync($"/incidents/{number}");
        await Expect(page.Locator("[data-testid=ai-usage-panel]")).ToContainTextAsync("Investigation");
        await Expect(page.Locator("body")).ToContainTextAsync("does not exist on this incident: obs-55555555");
        await page.ScreenshotAsync(new() { Path = Shot("ai-incident.png"), FullPage = true });

        // Analytics: tokens and cost per agent over the range.
        await page.GotoAsync("/analytics");
        await Expect(page.Locator("[data-testid=analytics-ai-agent]").Filter(new() { HasText = "investigation" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.Locator("[data-testid=analytics-ai-usage]").ScreenshotAsync(new() { Path = Shot("ai-analytics.png") });
    }

    private static string Shot(string name)
    {
        var dir = Path.Combine(IncidentHubFactory.RepositoryRoot(), "test-output", "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
