using System.Globalization;
using System.Text.Json;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Bundles;

/// <summary>
/// The evaluation corpus (scripts/eval/corpus): generates every kind (dev and test) into a temporary directory once,
/// then checks its structure with the generator's own self-check (check.py: repos build, suspect commits exist, stack
/// frames point at real lines, logs and metrics well-formed, category/language/source coverage) and every alert.json
/// with the real source parsers. Reports only counts and failures, never the content of test bundles.
/// </summary>
public sealed class CorpusTests(CorpusTests.GeneratedCorpus corpus) : IClassFixture<CorpusTests.GeneratedCorpus>
{
    [Fact]
    public void Corpus_PassesTheGeneratorsStructuralSelfCheck()
    {
        // check.py exits non-zero (RealProcess.Run throws with its output) on any problem.
        var summary = RealProcess.Run("python3", [Path.Combine(GeneratedCorpus.Scripts, "check.py"), corpus.Dir, "--min-bundles", "60", "--repos", corpus.Repos]);
        Assert.Contains("bundles ", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryAlert_ParsesWithItsSourceParser_IntoOneFiringAlertForTheAlertingService()
    {
        var failures = new List<string>();
        foreach (var dir in corpus.Bundles)
        {
            var name = Path.GetFileName(dir);
            var lines = File.ReadAllLines(Path.Combine(dir, "scenario.yaml"));
            var source = Value(lines, "source");
            var startedAt = DateTimeOffset.Parse(Value(lines, "started_at"), CultureInfo.InvariantCulture);
            // null when the alert names no service at all (a CloudWatch alarm whose only dimensions are a DB instance or a host)
            var alertService = Meta(dir, "alert_service") is { Length: > 0 } named ? named : null;
            var kind = source switch
            {
                "alertmanager" => SourceKind.Alertmanager,
                "grafana" => SourceKind.Grafana,
                "pagerduty" => SourceKind.PagerDuty,
                "cloudwatch" => SourceKind.CloudWatch,
                "datadog" => SourceKind.Datadog,
                "generic" => SourceKind.Generic,
                _ => throw new InvalidOperationException($"{name}: unknown source {source}"),
            };

            var result = AlertSources.Parse(kind, File.ReadAllBytes(Path.Combine(dir, "alert.json")), startedAt);
            if (result.Error is not null || result.Alerts.Count != 1)
            {
                failures.Add($"{name} ({source}): {result.Error ?? $"{result.Alerts.Count} alerts"}");
                continue;
            }

            var alert = result.Alerts[0];
            if (alert.Status != AlertStatus.Firing || string.IsNullOrWhiteSpace(alert.Title)
                || alert.Labels.GetValueOrDefault("service") != alertService
                || alert.StartsAt < startedAt.AddMinutes(-1) || alert.StartsAt > startedAt.AddMinutes(1))
            {
                failures.Add($"{name} ({source}): status {alert.Status}, service '{alert.Labels.GetValueOrDefault("service")}' (want '{alertService}'), starts {alert.StartsAt:O}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(corpus.Bundles.Count >= 60, $"{corpus.Bundles.Count} bundles");
    }

    [Fact]
    public void Split_KeepsWholeKindsApart_AboutAThirdForTest_EachInItsOwnFolder()
    {
        using var split = JsonDocument.Parse(File.ReadAllText(Path.Combine(GeneratedCorpus.Scripts, "split.json")));
        // Dev kinds added after the test split was fixed are numbered after it (dev_numbered_after_test), so the test bundles never change.
        var dev = split.RootElement.GetProperty("dev").EnumerateArray()
            .Concat(split.RootElement.TryGetProperty("dev_numbered_after_test", out var later) ? later.EnumerateArray() : [])
            // ... and the dev kinds added after test_numbered_last (dev_numbered_last_2), numbered after everything.
            .Concat(split.RootElement.TryGetProperty("dev_numbered_last_2", out var last2) ? last2.EnumerateArray() : [])
            .Select(e => e.GetString()!).ToList();
        // Test kinds added later (test_numbered_last) are numbered after everything, so no existing bundle is renumbered.
        var test = split.RootElement.GetProperty("test").EnumerateArray()
            .Concat(split.RootElement.TryGetProperty("test_numbered_last", out var lastTest) ? lastTest.EnumerateArray() : [])
            .Select(e => e.GetString()!).ToList();

        Assert.Empty(dev.Intersect(test));
        Assert.True(dev.Count + test.Count >= 20, $"{dev.Count + test.Count} kinds");
        // About a third held out: dev kinds appended later (dev_numbered_after_test) are balanced by test kinds (test_numbered_last).
        Assert.InRange(test.Count * 1.0 / (dev.Count + test.Count), 0.25, 0.4);
        Assert.All(dev, k => Assert.True(File.Exists(Path.Combine(GeneratedCorpus.Scripts, "kinds", "dev", k.Replace('-', '_') + ".py")), k));
        Assert.All(test, k => Assert.True(File.Exists(Path.Combine(GeneratedCorpus.Scripts, "kinds", "test", k.Replace('-', '_') + ".py")), k));
        var kinds = corpus.Bundles.Select(d => Meta(d, "kind")).ToHashSet();
        Assert.True(kinds.SetEquals(dev.Concat(test)), "generated kinds differ from split.json");
    }

    /// <summary>A field of the bundle's corpus.json (generator metadata that `ih import` does not upload).</summary>
    private static string Meta(string dir, string key)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "corpus.json")));
        return meta.RootElement.GetProperty(key).GetString() ?? "";
    }

    private static string Value(string[] lines, string key)
    {
        var line = lines.FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"scenario.yaml has no '{key.Trim()}'");
        var value = line[(key.Length + 1)..].Trim();
        return value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1].Replace("''", "'", StringComparison.Ordinal) : value;
    }

    /// <summary>The whole corpus (dev and test kinds), generated once for the class into a temporary directory.</summary>
    public sealed class GeneratedCorpus : IDisposable
    {
        private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("ih-corpus-");

        public GeneratedCorpus()
        {
            // --keep-repos: generation already runs every make_repo.sh; check.py reuses those repositories.
            RealProcess.Run("python3", [Path.Combine(Scripts, "generate.py"), Dir, "--split", "all", "--jobs", "2", "--keep-repos", Repos]);
            Bundles = [.. Directory.GetDirectories(Dir).Where(d => File.Exists(Path.Combine(d, "scenario.yaml"))).Order(StringComparer.Ordinal)];
        }

        public static string Scripts => Path.Combine(RepoRoot(), "scripts", "eval", "corpus");

        public string Dir => Path.Combine(temp.FullName, "bundles");

        public string Repos => Path.Combine(temp.FullName, "repos");

        public IReadOnlyList<string> Bundles { get; }

        public void Dispose() => temp.Delete(recursive: true);

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "IncidentHub.sln")) && Directory.Exists(Path.Combine(dir.FullName, "scripts", "eval", "corpus")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"No repository root with scripts/eval/corpus above {AppContext.BaseDirectory}.");
        }
    }
}
