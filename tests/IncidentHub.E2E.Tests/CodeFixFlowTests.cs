extern alias cli;

using System.Text.RegularExpressions;
using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// The code-fix path in a real browser: a config-caused bundle (a prod timeout cut below the dependency's p99) is imported;
/// the code-analysis panel and the plan's config.change action appear live with the side-by-side diff and the repository's
/// own test run (base: 1 failing, with the patch: 0 failing); Approve opens a draft pull request on the loopback GitHub and
/// its link appears on the timeline without a reload.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class CodeFixFlowTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    private const string Bundle = "102-inventory-timeout-config";
    private const string Owner = "harbor";

    [Fact]
    public async Task ImportedConfigIncident_TestedDiffShownLive_Approve_DraftPullRequestLinkAppears()
    {
        var work = Directory.CreateTempSubdirectory("ih-e2e-codefix-").FullName;
        try
        {
            var repo = $"pricing-api-{Guid.NewGuid():N}"[..20];
            var origin = Path.Combine(work, "origin");
            RealProcess.Run("bash", [Path.Combine(Source(), "repo", "make_repo.sh"), origin]);
            await App.GitHub.SeedFromGitAsync(Owner, repo, origin, "main");

            var page = await NewPageAsync("codefix");
            await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
            var number = await ImportAsync(work, repo);
            await page.GotoAsync($"/incidents/{number}");
            await WaitForCircuitAsync(page);
            await page.EvaluateAsync("() => { window.__marker = 15; }");

            // The agent's entry and panel arrive live, with the repository's own tests on the base and with the patch.
            var panel = page.GetByTestId("code-analysis-panel");
            await Expect(panel).ToBeVisibleAsync(new() { Timeout = 150_000 });
            var proposed = panel.Locator("[data-testid=code-candidate][data-accepted=yes]").First;
            await Expect(proposed).ToContainTextAsync("inventory.client.read-timeout back to 2000ms");
            await Expect(proposed.GetByTestId("tests-base")).ToContainTextAsync("base: 1 failing");
            await Expect(proposed.GetByTestId("tests-patched")).ToContainTextAsync("with patch: 0 failing");
            await Expect(proposed.Locator("tr.ih-diff-changed .ih-diff-old")).ToContainTextAsync("read-timeout: 200ms");
            await Expect(proposed.Locator("tr.ih-diff-changed .ih-diff-new")).ToContainTextAsync("read-timeout: 2000ms");
            await Expect(page.Locator("[data-testid=timeline-entry][data-kind=CodeAnalysis]")).ToHaveCountAsync(1);

            // The plan's action carries that patch; approving it opens the draft pull request.
            var action = page.Locator("[data-testid=plan-action][data-tool='config.change']");
            await Expect(action).ToHaveAttributeAsync("data-state", "proposed", new() { Timeout = 60_000 });

            await Expect(action.GetByTestId("tests-patched")).ToContainTextAsync("0 failing");
            await page.GetByTestId("code-analysis-panel").ScreenshotAsync(new() { Path = Path.Combine(OutputDirectory("screenshots"), "code-fix.png") });
            await action.GetByTestId("approve").ClickAsync();

            var link = page.GetByTestId("timeline-link");
            await Expect(link).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            await Expect(action).ToHaveAttributeAsync("data-state", "succeeded");
            Assert.Equal(15, await page.EvaluateAsync<int>("() => window.__marker"));

            var pr = Assert.Single(App.GitHub.PullRequests, p => p.Repo == repo);
            Assert.True(pr.Draft);
            Assert.Equal($"{App.GitHub.Url}{Owner}/{repo}/pull/{pr.Number}", await link.GetAttributeAsync("href"));
            var prod = App.GitHub.FilesAt(pr.HeadSha)["src/main/resources/application-prod.yml"];
            Assert.Contains("read-timeout: 2000ms", prod, StringComparison.Ordinal);
            Assert.Contains("connect-timeout: 100ms", prod, StringComparison.Ordinal);
            await ScreenshotAsync(page, "code-fix-approved.png");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Source() => Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "bundles", Bundle);

    /// <summary>The bundle as shipped, its catalog part naming the (loopback) GitHub repository.</summary>
    private async Task<int> ImportAsync(string work, string repo)
    {
        var bundle = Path.Combine(work, "bundle");
        RealProcess.Run("cp", ["-r", Source(), bundle]);
        var catalog = Path.Combine(bundle, "catalog.yaml");
        var text = await File.ReadAllTextAsync(catalog);
        await File.WriteAllTextAsync(catalog, text.Replace("  repository:\n", $"  repository:\n    github: {Owner}/{repo}\n", StringComparison.Ordinal));
        var log = new StringWriter();
        var error = new StringWriter();
        // The bundle points the seeded inventory service at its own repository: confirmed, as an Admin would after the diff.
        var code = await ImportCommand.RunAsync([bundle, "--url", App.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken, "--confirm", "inventory"], log, error);
        Log(log.ToString());
        Assert.True(code == 0, $"ih import failed ({code}): {error}");
        return int.Parse(IncidentReference().Match(log.ToString()).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"INC-(\d+)")]
    private static partial Regex IncidentReference();
}
