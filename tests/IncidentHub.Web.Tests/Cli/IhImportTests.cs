extern alias cli;

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using cli::IncidentHub.Cli.Commands;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Tests.Features.Bundles;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Cli;

/// <summary>The ih CLI's own code against the real server on its Kestrel port.</summary>
[Collection(AppCollection.Name)]
public sealed class IhImportTests(IncidentHubFactory app)
{
    [Fact]
    public async Task IhImport_RunsMakeRepoOnTheClient_UploadsTheBundle_AndPrintsTheIncident()
    {
        using var bundle = TinyBundle.Create(withMakeRepoScript: true);
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await ImportCommand.RunAsync([bundle.Directory, "--url", app.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken], output, error);

        Assert.True(code == 0, $"exit {code}: {error}");
        var line = output.ToString().Split('\n').Single(l => l.StartsWith("INC-", StringComparison.Ordinal)).Trim();
        var reference = line.Split(' ')[0];
        Assert.EndsWith($"/incidents/{reference[4..]}", line, StringComparison.Ordinal);
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var incident = await admin.GetFromJsonAsync<JsonObject>($"/api/incidents/{reference[4..]}");
        Assert.Equal(bundle.Title, incident!["summary"]!["title"]!.GetValue<string>());

        // The repository make_repo.sh built on the client reached the hub as a clone with its history.
        var repo = app.Services.GetRequiredService<ServiceCatalog>().Find(bundle.Service)!.Repository!;
        Assert.Equal("v1.0.0", RealProcess.Run("git", ["describe", "--tags"], repo.Path!).Trim());
    }

    [Fact]
    public async Task IhImport_RunsMakeRepo_WithACleanEnvironment_WithoutTheToken()
    {
        using var bundle = TinyBundle.Create(withMakeRepoScript: true);
        var dump = Path.Combine(bundle.Directory, "script-env.txt");
        var script = Path.Combine(bundle.Directory, "repo", "make_repo.sh");
        var lines = File.ReadAllLines(script).ToList();
        lines.Insert(1, $"env > '{dump}'");
        File.WriteAllLines(script, lines);
        const string secret = "ih_secret_token_the_script_must_not_see_0123";
        Environment.SetEnvironmentVariable("IH_TOKEN", secret);
        Environment.SetEnvironmentVariable("IH_URL", app.ServerAddress.ToString());
        try
        {
            var error = new StringWriter();
            var code = await ImportCommand.RunAsync([bundle.Directory, "--token", IncidentHubFactory.AdminToken], new StringWriter(), error);

            Assert.True(code == 0, $"exit {code}: {error}");
        }
        finally
        {
            Environment.SetEnvironmentVariable("IH_TOKEN", null);
            Environment.SetEnvironmentVariable("IH_URL", null);
        }

        var seen = File.ReadAllLines(dump).Select(l => l.Split('=')[0]).ToHashSet(StringComparer.Ordinal);
        var text = File.ReadAllText(dump);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(IncidentHubFactory.AdminToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain("IH_TOKEN", seen);
        Assert.Contains("PATH", seen);
        // bash itself adds PWD, SHLVL and _; nothing else of ours is there.
        Assert.Empty(seen.Except(["PATH", "HOME", "LANG", "PWD", "SHLVL", "_", "OLDPWD"]));
    }

    [Fact]
    public void HubClient_WithoutToken_SaysHowToGetOne_AndReadsIhUrlAndIhToken()
    {
        var (none, error) = HubClient.Create(new CliArgs(["x"]), _ => null);
        var (fromEnv, _) = HubClient.Create(new CliArgs(["x"]), n => n == "IH_URL" ? "http://hub.example:81" : "ih_token_from_env");

        Assert.Null(none);
        Assert.Contains("IH_TOKEN", error, StringComparison.Ordinal);
        using (fromEnv)
        {
            Assert.Equal("http://hub.example:81/incidents/1042", fromEnv!.IncidentUrl("INC-1042"));
            Assert.Equal("ih_token_from_env", fromEnv.Http.DefaultRequestHeaders.Authorization!.Parameter);
        }
    }

    [Fact]
    public async Task IhImport_RefusedBundle_Exits1_WithTheHubsReason()
    {
        using var bundle = TinyBundle.Create();
        File.Delete(Path.Combine(bundle.Directory, "logs", bundle.Service + ".log"));
        File.WriteAllText(Path.Combine(bundle.Directory, "logs", "Bad Name.log"), "x");
        var error = new StringWriter();

        var code = await ImportCommand.RunAsync([bundle.Directory, "--url", app.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken], new StringWriter(), error);

        Assert.Equal(1, code);
        Assert.Contains("400", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("<service>.log", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IhEval_ImportsEachBundleInTheDirectory_PrintsTheTableAndFigures_AndWritesJson()
    {
        var root = Directory.CreateTempSubdirectory("ih-eval-").FullName;
        try
        {
            using var bundle = TinyBundle.Create(withMakeRepoScript: true, parent: root);
            File.WriteAllText(Path.Combine(bundle.Directory, "truth.json"),
                $$"""{"severity": "P1", "service": "{{bundle.Service}}", "category": "bad-deploy-code", "suspect_commit": null}""");
            Directory.CreateDirectory(Path.Combine(root, "not-a-bundle"));
            var output = new StringWriter();
            var error = new StringWriter();

            var json = Path.Combine(Path.GetTempPath(), $"ih-eval-{Guid.NewGuid():N}.json");

            var code = await EvalCommand.RunAsync([root, "--timeout", "2", "--json", json, "--url", app.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken], output, error);

            Assert.True(code == 0, $"exit {code}: {error}");
            var text = output.ToString();
            var row = text.Split('\n').Single(l => l.StartsWith(Path.GetFileName(bundle.Directory), StringComparison.Ordinal));
            Assert.Matches(@"INC-[0-9]+", row);
            Assert.Contains("n/a", row, StringComparison.Ordinal);
            Assert.DoesNotContain("not-a-bundle", text, StringComparison.Ordinal);
            Assert.Contains("confusion matrix", text, StringComparison.Ordinal);
            Assert.Contains("figures (hits/bundles where it applies):", text, StringComparison.Ordinal);
            Assert.Contains("  suspect commit        n/a", text, StringComparison.Ordinal);
            Assert.Contains("calibration", text, StringComparison.Ordinal);
            Assert.Equal(Path.GetFileName(bundle.Directory), Assert.Single(EvalScoring.FromJson(File.ReadAllText(json))).Bundle);
            File.Delete(json);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task IhEval_ADiagnosisMadeBeforeTheImport_IsNotScored_AndSaysSo()
    {
        // A hub from before imports were scoped could answer an import with an earlier import's incident; its old
        // diagnosis must not be scored as this bundle's answer.
        using var bundle = TinyBundle.Create();
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        var response = await admin.PostAsync("/api/bundles", bundle.Form());
        var incident = Assert.Single((await response.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]!.AsArray())!.GetValue<string>();
        using var hub = HubClient.Create(new CliArgs(["--url", app.ServerAddress.ToString(), "--token", IncidentHubFactory.AdminToken])).Client!;

        var (fresh, _) = await EvalCommand.WaitForDiagnosisAsync(hub, incident, TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200), CancellationToken.None,
            notBefore: DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.NotNull(fresh);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (later, stale) = await EvalCommand.WaitForDiagnosisAsync(hub, incident, TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200), CancellationToken.None,
            notBefore: DateTimeOffset.UtcNow.AddMinutes(5), staleWait: TimeSpan.FromSeconds(1));

        Assert.Null(later);
        Assert.True(stale);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"gave up on the stale incident after {clock.Elapsed}, not at the timeout");
    }

    [Fact]
    public async Task IhEval_HubUnreachable_Exits3()
    {
        var root = Directory.CreateTempSubdirectory("ih-eval-").FullName;
        try
        {
            using var bundle = TinyBundle.Create(parent: root);
            var error = new StringWriter();

            var code = await EvalCommand.RunAsync([root, "--url", "http://127.0.0.1:1", "--token", "ih_x_0123456789abcdefghij"], new StringWriter(), error);

            Assert.Equal(3, code);
            Assert.Contains("cannot reach http://127.0.0.1:1/", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
