using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>The diagnosis builds live on the incident page, and every claim opens its evidence.</summary>
[Collection(E2ECollection.Name)]
public sealed class DiagnosisPanelTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task DiagnosisStoredWhileThePageIsOpen_AppearsLive_AndACitedClaimOpensItsEvidence()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager, $"prod Alertmanager (checkout) {Guid.NewGuid():N}"[..40]);
        var opened = new List<int>();
        try
        {
            // Last month's incident like this one, resolved and remembered with its fix.
            var past = await Alerts.PostAsync(App, hook, Alerts.CheckoutErrors);
            opened.Add(past);
            await DiagnosisSeed.SeedCheckoutAsync(App, past);
            using (var admin = App.Client(IncidentHubFactory.AdminToken))
            {
                (await admin.PostAsync($"/api/incidents/{past}/resolve", null)).EnsureSuccessStatusCode();
            }

            var memory = App.Services.GetRequiredService<IncidentMemory>();
            var pastId = await DiagnosisSeed.IncidentIdAsync(App, past);
            await Eventually.HoldsAsync(() => memory.SetFixAsync(pastId, "reverting a41f9c2 (deploy v2026.11.20-4)", verified: true), done => done, what: "the past incident in memory");

            var number = await Alerts.PostAsync(App, hook, Alerts.CheckoutErrors);
            opened.Add(number);
            var page = await NewPageAsync("diagnosis");
            await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
            await page.GotoAsync($"/incidents/{number}");
            await WaitForCircuitAsync(page);
            // The real investigation runs first: "checkout" has no evidence sources here, so its final
            // answer is unknown and the incident escalates. Wait for that, so the diagnosis stored
            // below is the newest one.
            await Expect(page.GetByTestId("diagnosis-category")).ToHaveTextAsync("unknown", new() { Timeout = 60_000 });
            await DiagnosisSeed.WaitForInvestigationAsync(App, number);
            await page.EvaluateAsync("() => { window.__marker = 1; }");

            // What InvestigateJob does: store observations and a diagnosis, then publish.
            var evidence = await DiagnosisSeed.SeedCheckoutAsync(App, number);

            await Expect(page.GetByTestId("diagnosis-category")).ToHaveTextAsync("bad-deploy-code", new() { Timeout = 5000 });
            Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__marker"));
            await Expect(page.GetByTestId("diagnosis-summary")).ToContainTextAsync("cart/views.py:88");
            await Expect(page.GetByTestId("diagnosis-suspect")).ToContainTextAsync("a41f9c2");
            await Expect(page.GetByTestId("flagged-injection")).ToContainTextAsync("ignore previous instructions");
            await Expect(page.GetByTestId("seen-before-match").First).ToContainTextAsync($"INC-{past}");
            await Expect(page.GetByTestId("seen-before-match").First).ToContainTextAsync("fixed by reverting a41f9c2");
            await page.GetByTestId("discarded-hypotheses").Locator("summary").ClickAsync();
            await Expect(page.GetByTestId("discarded-hypothesis")).ToContainTextAsync("ruled out: no dependency errors");
            await ScreenshotAsync(page, "diagnosis.png");

            // The suspect cites the diff: one click shows it, coloured.
            await page.GetByTestId("diagnosis-suspect").Locator($"[data-evidence={evidence.Diff}]").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/incidents/{number}/evidence/{evidence.Diff}$"));
            await Expect(page.GetByTestId("evidence")).ToHaveAttributeAsync("data-kind", "Diff");
            await Expect(page.Locator(".ih-diff-add").First).ToContainTextAsync("first = codes[0]");
            await Expect(page.Locator(".ih-diff-del").First).ToContainTextAsync("for code in codes");
            await Expect(page.GetByTestId("cited-by")).ToContainTextAsync("suspect change a41f9c2 cart/views.py:88");

            // The triage cites the error-ratio series: the chart marks the onset.
            await page.GotoAsync($"/incidents/{number}/evidence/{evidence.Series}");
            await Expect(page.GetByTestId("metric-chart")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("metric-onset")).ToContainTextAsync("onset 03:12:00");
            await ScreenshotAsync(page, "evidence-metric.png");

            await page.GotoAsync($"/incidents/{number}/evidence/{evidence.Template}");
            await Expect(page.GetByTestId("evidence-template")).ToContainTextAsync("1,284");
            await page.GotoAsync($"/incidents/{number}/evidence/{evidence.Commit}");
            await Expect(page.GetByTestId("evidence-commit")).ToContainTextAsync("Apply first discount only");
            await Expect(page.GetByTestId("diff")).ToContainTextAsync("first = codes[0]");
            await ScreenshotAsync(page, "evidence-commit.png");
        }
        finally
        {
            // Keep the shared wall to the incidents the wall test opened (its screenshot is documentation).
            using var admin = App.Client(IncidentHubFactory.AdminToken);
            foreach (var n in opened)
            {
                await admin.PostAsync($"/api/incidents/{n}/resolve", null);
            }
        }
    }
}
