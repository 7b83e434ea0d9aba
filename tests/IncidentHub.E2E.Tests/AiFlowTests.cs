extern alias cli;

using System.Text.RegularExpressions;
using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.Features.Ai;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>The app with Ai:Provider=OpenAICompatible pointed at the replaying model server (an investigation model only).</summary>
public sealed class AiSystem : IAsyncLifetime
{
    public const string InvestigationModel = "e2e-investigation-model";

    public FakeModelServer Model { get; private set; } = default!;

    public IncidentHubFactory App { get; } = new();

    public async Task InitializeAsync()
    {
        Model = await FakeModelServer.StartAsync();
        App.Settings["Ai:Provider"] = "OpenAICompatible";
        App.Settings["Ai:BaseUrl"] = new Uri(Model.Address, "v1").ToString();
        App.Settings["Ai:Models:Investigation"] = InvestigationModel;
        App.Settings["Ai:TimeoutSeconds"] = "20";
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Model.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AiCollection : ICollectionFixture<AiSystem>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "e2e-ai";
}

/// <summary>
/// One demo bundle in AI mode, in a real browser: the incident page is open while the jobs run, and the model's checked
/// cause and its rejected claim (evidence it invented) arrive on the timeline live, beside the engine's diagnosis, which stands.
/// </summary>
[Collection(AiCollection.Name)]
public sealed class AiFlowTests(AiSystem system, BrowserFixture browser, ITestOutputHelper output) : BrowserTest(system.App, browser, output)
{
    [Fact]
    public async Task BundleInAiMode_TheEnrichedDiagnosisAndTheRejectedClaimAppearLiveInTheTimeline()
    {
        system.Model.Script("quota-service", call => new TextReply(FakeModelServer.Json(new
        {
            hypotheses = new object[]
            {
                new { category = "bad-deploy-code", statement = "v2.14.0 dereferences a nil burst allowance.", evidenceIds = new[] { FakeModelServer.EvidenceIds(call)[0] }, confidence = 0.9 },
                new { category = "capacity-exhaustion", statement = "The quota database is full.", evidenceIds = new[] { "obs-77777777" }, confidence = 0.9 },
            },
            summary = "nil pointer after the release",
        })));
        var bundle = Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "bundles", "101-quota-burst-nil-panic");
        var page = await NewPageAsync("ai");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);

        var log = new StringWriter();
        var error = new StringWriter();
        var code = await ImportCommand.RunAsync([bundle, "--url", App.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken], log, error);
        Log(log.ToString());
        Assert.True(code == 0, $"ih import failed ({code}): {error}");
        var number = int.Parse(Regex.Match(log.ToString(), @"INC-(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        await page.GotoAsync($"/incidents/{number}");
        await WaitForCircuitAsync(page);
        await page.EvaluateAsync("() => { window.__marker = 1; }");

        // The engine's diagnosis, then the model's lines, pushed to the open page.
        await Expect(page.GetByTestId("diagnosis-category")).ToHaveTextAsync("bad-deploy-code", new() { Timeout = 90_000 });
        await Expect(page.Locator("body")).ToContainTextAsync("AI investigation agent added: bad-deploy-code: v2.14.0 dereferences a nil burst allowance.", new() { Timeout = 60_000 });
        await Expect(page.Locator("body")).ToContainTextAsync("rejected \"The quota database is full.\": cites evidence that does not exist on this incident: obs-77777777");
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__marker"));
        // The engine's answer stands: the diagnosis panel still names the engine's category.
        await Expect(page.GetByTestId("diagnosis-category")).ToHaveTextAsync("bad-deploy-code");
        await ScreenshotAsync(page, "ai-bundle-timeline.png");
    }
}
