extern alias cli;

using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.Features.Ai;
using IncidentHub.Web.Tests.Features.Bundles;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.Cli;

/// <summary>`ih eval --compare DIR --ai-url URL`: one bundle through a hub without a model and the hub with the replayed model.</summary>
[Collection(AiCollection.Name)]
public sealed class IhEvalCompareModesTests(AiAppFixture fixture, ITestOutputHelper log)
{
    [Fact]
    public async Task IhEvalCompare_RunsTheBundlesInBothModes_SideBySide_AndSaysAiModeIsNowhereWorse()
    {
        var deterministic = new IncidentHubFactory();
        await ((IAsyncLifetime)deterministic).InitializeAsync();
        var root = Directory.CreateTempSubdirectory("ih-eval-modes-").FullName;
        try
        {
            using var bundle = TinyBundle.Create(parent: root);
            File.WriteAllText(Path.Combine(bundle.Directory, "truth.json"),
                $$"""{"severity": "P1", "service": "{{bundle.Service}}", "category": "bad-deploy-code", "suspect_commit": null}""");
            // The "model" proposes a cause citing evidence it invented: code rejects it, so AI mode answers as the engine does.
            // Keyed on the title: the bare service name is also in every triage prompt's list of catalog services.
            fixture.Model.Script(bundle.Title, call => call.Model == AiAppFixture.InvestigationModel
                ? new TextReply(FakeModelServer.Json(new { hypotheses = new[] { new { category = "config-change", statement = "A flag flipped.", evidenceIds = new[] { "obs-99999999" }, confidence = 1.0 } }, summary = "s" }))
                : new TextReply("{}"));
            var output = new StringWriter();
            var error = new StringWriter();

            var code = await EvalCommand.RunAsync(["--compare", root, "--url", deterministic.ServerAddress.ToString(), "--ai-url", fixture.App.ServerAddress.ToString(),
                "--token", IncidentHubFactory.AdminToken, "--timeout", "60"], output, error);

            var text = output.ToString();
            log.WriteLine(text);
            Assert.True(code == 0, $"exit {code}: {error}\n{text}");
            Assert.Contains("bundles side by side", text, StringComparison.Ordinal);
            // The side-by-side table comes first; the bundle's row there says the modes agree.
            var row = text.Split('\n').First(l => l.TrimStart().StartsWith(Path.GetFileName(bundle.Directory), StringComparison.Ordinal));
            Assert.EndsWith("same", row.TrimEnd(), StringComparison.Ordinal);
            Assert.DoesNotContain("|", row, StringComparison.Ordinal);
            Assert.Contains("figures (deterministic -> AI):", text, StringComparison.Ordinal);
            Assert.EndsWith("AI mode is nowhere worse than deterministic mode.", text.TrimEnd(), StringComparison.Ordinal);
            // The AI mode really talked to the model about this bundle; the deterministic hub has no model at all.
            Assert.NotEmpty(fixture.Model.CallsFor(bundle.Title, AiAppFixture.InvestigationModel));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            await ((IAsyncLifetime)deterministic).DisposeAsync();
        }
    }
}
