extern alias cli;

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// The human gate in a real browser: an imported bundle's incident gets its bad-deploy plan on the open page, an
/// Admin approves the silence and the rollback, the silence exists in the real Alertmanager and the runbook receiver
/// got one signed call, the rollback's postcondition holds in the real Prometheus, the incident goes to Monitoring and
/// then Resolved when the alert resolves; all of it arrives without a reload. A Viewer sees the plan and no buttons.
/// </summary>
[Collection(RemediationCollection.Name)]
public sealed partial class RemediationFlowTests(RemediationSystem system, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(system.App, browser, output)
{
    private const string Playbook = "bad deploy - roll back";
    private const string Bundle = "101-quota-burst-nil-panic";

    [Fact]
    public async Task ImportedIncident_PlanShownLive_ApproveSilenceAndRollback_Verified_Monitoring_ThenResolved()
    {
        using var admin = App.Client(IncidentHubFactory.AdminToken);
        await ShortenTheRollbackWindowAsync(admin);
        var viewerEmail = $"viewer-{Guid.NewGuid():N}"[..20] + "@test.local";
        await App.CreateUserAsync(viewerEmail, "Viewer!pass-123", "Viewer");

        var page = await NewPageAsync("remediation-admin");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        var viewer = await NewPageAsync("remediation-viewer");
        await LogInAsync(viewer, viewerEmail, "Viewer!pass-123");

        var number = await ImportAsync();
        await AddLiveErrorRatioAsync();

        foreach (var p in new[] { page, viewer })
        {
            await p.GotoAsync($"/incidents/{number}");
            await WaitForCircuitAsync(p);
            await p.EvaluateAsync("() => { window.__marker = 7; }");
        }

        // The plan follows the real triage, investigation and diagnosis, pushed to both open pages.
        var silence = Action(page, "alertmanager.silence");
        var rollback = Action(page, "runbook.rollback");
        await Expect(page.GetByTestId("plan-panel")).ToHaveAttributeAsync("data-status", "ready", new() { Timeout = 120_000 });
        await Expect(silence).ToHaveAttributeAsync("data-state", "proposed");
        await Expect(rollback).ToHaveAttributeAsync("data-state", "proposed");
        await Expect(rollback).ToContainTextAsync("to_version=v2.13.0");
        await Expect(rollback.Locator("dd code").Filter(new() { HasText = "http_requests_total" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("plan-revision")).ToContainTextAsync("bad-deploy-code");
        await page.GetByTestId("plan-panel").ScreenshotAsync(new() { Path = Path.Combine(OutputDirectory("screenshots"), "plan.png") });

        await Expect(Action(viewer, "runbook.rollback")).ToHaveAttributeAsync("data-state", "proposed");
        await Expect(viewer.GetByTestId("plan-action")).Not.ToHaveCountAsync(0);
        await Expect(viewer.GetByTestId("approve")).ToHaveCountAsync(0);
        await Expect(viewer.GetByTestId("reject")).ToHaveCountAsync(0);

        await silence.GetByTestId("approve").ClickAsync();
        await Expect(silence).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 30_000 });
        await rollback.GetByTestId("approve").ClickAsync();
        await Expect(rollback).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 30_000 });
        await Expect(silence.GetByTestId("action-decided")).ToContainTextAsync(IncidentHubFactory.AdminEmail);

        // Both really happened: a silence in the real Alertmanager, one signed call to the runbook receiver.
        var silences = await new HttpClient().GetFromJsonAsync<JsonArray>(new Uri(system.Alertmanager.Address, "/api/v2/silences"));
        var made = Assert.Single(silences!, s => s!["status"]!["state"]!.GetValue<string>() == "active"
            && s["comment"]!.GetValue<string>().Contains($"INC-{number}", StringComparison.Ordinal));
        Assert.Contains(made!["matchers"]!.AsArray(), m => m!["name"]!.GetValue<string>() == "alertname" && m["value"]!.GetValue<string>() == "QuotaServiceHighErrorRate");
        var rollbackId = await rollback.GetAttributeAsync("data-action-id");
        // The receiver serves every test of this app: this incident's calls are the ones naming it.
        var ours = $"\"incident\":\"INC-{number}\"";
        var call = Assert.Single(system.Runbooks.Requests, r => r.Body.Contains(ours, StringComparison.Ordinal));
        Assert.Null(call.Refusal);
        Assert.Equal(rollbackId, call.IdempotencyKey);
        Assert.Equal(rollbackId, Assert.Single(system.Runbooks.Executed, r => r.Body.Contains(ours, StringComparison.Ordinal)).IdempotencyKey);
        Assert.Contains("\"to_version\":\"v2.13.0\"", call.Body, StringComparison.Ordinal);

        // After the postcondition's window the verifier reads the real Prometheus: 1% errors, under 5%.
        await Expect(rollback.GetByTestId("action-verified")).ToContainTextAsync("yes", new() { Timeout = 150_000 });
        await Expect(StateOf(page)).ToContainTextAsync("Monitoring");
        await Expect(Timeline(page, "Verification")).ToContainTextAsync("Verified: Roll quota-service back");
        await page.GetByTestId("plan-panel").ScreenshotAsync(new() { Path = Path.Combine(OutputDirectory("screenshots"), "plan-verified.png") });

        // The on-call engineer resolves it (an imported bundle's alerts have no live source to resolve them, ADR 036).
        await page.GetByTestId("resolve").ClickAsync();
        await Expect(StateOf(page)).ToContainTextAsync("Resolved", new() { Timeout = 30_000 });
        await Expect(StateOf(viewer)).ToContainTextAsync("Resolved", new() { Timeout = 30_000 });

        var timeline = page.GetByTestId("timeline");
        await Expect(Timeline(page, "Plan").First).ToContainTextAsync("need approval");
        await Expect(Timeline(page, "Approval").Filter(new() { HasText = "Silence QuotaServiceHighErrorRate" })).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await Expect(Timeline(page, "Approval").Filter(new() { HasText = "Roll quota-service back" })).ToContainTextAsync(IncidentHubFactory.AdminEmail);
        await Expect(Timeline(page, "Action").Filter(new() { HasText = "Succeeded: Silence" })).ToHaveCountAsync(1);
        await Expect(Timeline(page, "Action").Filter(new() { HasText = "Succeeded: Roll quota-service back" })).ToHaveCountAsync(1);
        await Expect(timeline).ToContainTextAsync("Monitoring: the actions' postconditions hold");

        // Resolved: the silence it made is expired in Alertmanager, so a recurrence notifies again.
        await Expect(Timeline(page, "Action").Filter(new() { HasText = "expired: the incident resolved" })).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var after = await new HttpClient().GetFromJsonAsync<JsonArray>(new Uri(system.Alertmanager.Address, "/api/v2/silences"));
        Assert.Equal("expired", after!.Single(s => s!["id"]!.GetValue<string>() == made!["id"]!.GetValue<string>())!["status"]!["state"]!.GetValue<string>());
        foreach (var p in new[] { page, viewer })
        {
            Assert.Equal(7, await p.EvaluateAsync<int>("() => window.__marker"));
        }

        await ScreenshotAsync(page, "remediation-incident.png");
    }

    private static ILocator Action(IPage page, string tool) => page.Locator($"[data-testid=plan-panel] > [data-testid=plan-action][data-tool='{tool}']");

    private static ILocator Timeline(IPage page, string kind) => page.Locator($"[data-testid=timeline-entry][data-kind={kind}]");

    private static ILocator StateOf(IPage page) => page.Locator(".ih-incident-meta");

    /// <summary>An Admin sets the rollback's verification window to 1 min (the seed's 5 min would make the test wait 5).</summary>
    private static async Task ShortenTheRollbackWindowAsync(HttpClient admin)
    {
        var seed = await File.ReadAllTextAsync(Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "playbooks.yaml"));
        var start = seed.IndexOf($"  - name: {Playbook}", StringComparison.Ordinal);
        var end = seed.IndexOf("\n  - name:", start + 1, StringComparison.Ordinal);
        var yaml = "playbooks:\n" + seed[start..end].Replace("window_minutes: 5", "window_minutes: 1", StringComparison.Ordinal);
        Assert.Contains("window_minutes: 1", yaml, StringComparison.Ordinal);
        (await admin.PutAsJsonAsync($"/api/playbooks/{Uri.EscapeDataString(Playbook)}", new { yaml })).EnsureSuccessStatusCode();
    }

    private async Task<int> ImportAsync()
    {
        var log = new StringWriter();
        var error = new StringWriter();
        var bundle = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "bundles", Bundle);
        var code = await ImportCommand.RunAsync([bundle, "--url", App.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken], log, error);
        Log(log.ToString());
        Assert.True(code == 0, $"ih import failed ({code}): {error}");
        return int.Parse(Reference().Match(log.ToString()).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The bundle's catalog entry reads its recorded metrics from the bundle's file (history, months old); what the
    /// service does now is in the operator's Prometheus. An Admin adds that query, as in production.
    /// </summary>
    private async Task AddLiveErrorRatioAsync()
    {
        using var scope = App.Services.CreateScope();
        var catalog = scope.ServiceProvider.GetRequiredService<ServiceCatalog>();
        var service = CatalogEntry.Clone(catalog.Find("quota-service") ?? throw new InvalidOperationException("The import added no quota-service."));
        service.Metrics.Add(new MetricQueryConfig
        {
            Role = "error_ratio", Source = "prometheus", Url = system.Prometheus.Address.ToString(), Query = RemediationSystem.ErrorRatioQuery,
        });
        await scope.ServiceProvider.GetRequiredService<CatalogStore>().SaveAsync(service, IncidentHubFactory.Admin, "quota-service");
    }

    /// <summary>The bundle's source says the alert resolved: its notification, status resolved, to the bundles' Alertmanager integration.</summary>
    [GeneratedRegex(@"INC-(\d+)")]
    private static partial Regex Reference();
}
