extern alias cli;

using System.Text.RegularExpressions;
using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// The whole deterministic path in a real browser: a demo bundle imported the way `ih import` does
/// it (repository built on the client, deploys posted, data uploaded, alert through the webhook
/// path) reaches the open wall, and its incident page fills in with the cited diagnosis the real
/// triage and investigation jobs compute.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class BundleDiagnosisTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task ImportedBundle_ShowsOnTheWall_AndItsDiagnosisAppearsLive()
    {
        var bundle = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "bundles", "101-quota-burst-nil-panic");
        var page = await NewPageAsync("bundle");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.EvaluateAsync("() => { window.__marker = 1; }");

        var log = new StringWriter();
        var error = new StringWriter();
        var code = await ImportCommand.RunAsync([bundle, "--url", App.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken], log, error);
        Log(log.ToString());
        Assert.True(code == 0, $"ih import failed ({code}): {error}");
        var number = int.Parse(Regex.Match(log.ToString(), @"INC-(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        // The wall shows the new incident without a reload.
        var row = page.Locator($"[data-testid=incident-row][data-number='{number}']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__marker"));

        await page.GotoAsync($"/incidents/{number}");
        await WaitForCircuitAsync(page);
        await page.EvaluateAsync("() => { window.__marker = 2; }");

        // Triage, then the investigation's steps, then the diagnosis, pushed to the open page.
        await Expect(page.GetByTestId("diagnosis-category")).ToHaveTextAsync("bad-deploy-code", new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("diagnosis-suspect")).ToContainTextAsync("94c8cc8");
        await Expect(page.GetByTestId("diagnosis-suspect")).ToContainTextAsync("internal/policy/evaluator.go:82");
        Assert.Equal(2, await page.EvaluateAsync<int>("() => window.__marker"));
        await ScreenshotAsync(page, "bundle-diagnosis.png");
    }
}
