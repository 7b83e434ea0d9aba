using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Bundles;

/// <summary>
/// Checks every demo incident bundle in seed-data/bundles against itself: the repo script really builds the
/// HEAD the scenario names, the suspect commit touched the suspect file, every application stack frame in the logs
/// points at an existing line at HEAD, the alert parses with the real source parser, and metrics.om loads in the
/// real promtool.
/// </summary>
public sealed partial class DemoBundleTests(DemoBundleTests.BuiltRepos repos) : IClassFixture<DemoBundleTests.BuiltRepos>
{
    private static readonly HashSet<string> Categories =
    [
        "bad-deploy-code", "config-change", "capacity/resource-exhaustion", "certificate/expiry", "data/schema",
        "network/dns", "traffic-spike", "noisy-false-alarm", "dependency-failure",
    ];

    private static readonly HashSet<string> Tiers = ["READ", "REVERSIBLE", "DESTRUCTIVE"];

    private static readonly HashSet<string> Severities = ["P0", "P1", "P2", "P3"];

    public static TheoryData<string> Bundles() => [.. BundleDirectories().Select(Path.GetFileName).OfType<string>()];

    [Fact]
    public void SixBundles_CoverTheAgreedCategoriesSourcesAndLanguages()
    {
        var seen = BundleDirectories()
            .Select(dir => (Scenario.Read(dir), Truth: Json(dir, "truth.json")))
            .Select(b => $"{b.Item1.Source}|{b.Truth.GetProperty("category").GetString()}|{b.Item1.Language}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(
            [
                "alertmanager|bad-deploy-code|Go",
                "alertmanager|capacity/resource-exhaustion|C#",
                "cloudwatch|noisy-false-alarm|Go",
                "datadog|network/dns|Python",
                "grafana|config-change|Java",
                "pagerduty|dependency-failure|Node.js",
            ],
            seen);
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Repo_BuildsTheNamedHead_AndTheSuspectCommitTouchedTheSuspectFile(string bundle)
    {
        var dir = BundleDirectory(bundle);
        var scenario = Scenario.Read(dir);
        var truth = Json(dir, "truth.json");
        var repo = repos[bundle];

        Assert.Equal(scenario.Head, repo.Git("rev-parse", "HEAD").Trim());
        Assert.Equal(scenario.Commits, int.Parse(repo.Git("rev-list", "--count", "HEAD").Trim(), CultureInfo.InvariantCulture));
        Assert.InRange(scenario.Commits, 10, 40);
        var files = repo.Git("ls-files").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(files.Length, 8, 30);
        Assert.Contains(repo.Git("tag", "--list").Split('\n'), tag => SemverTag().IsMatch(tag));

        if (truth.GetProperty("suspect_commit").GetString() is { } suspect)
        {
            var file = truth.GetProperty("suspect_file").GetString();
            Assert.NotNull(file);
            Assert.Equal("commit", repo.Git("cat-file", "-t", suspect).Trim());
            Assert.Contains(file, repo.Git("show", "--name-only", "--format=", suspect).Split('\n'));
            var line = truth.GetProperty("suspect_line").GetInt32();
            Assert.InRange(line, 1, File.ReadAllLines(Path.Combine(repo.Path, file)).Length);
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, truth.GetProperty("suspect_file").ValueKind);
        }

        foreach (var deploy in Json(dir, "deploys.json").EnumerateArray())
        {
            var commit = deploy.GetProperty("commit").GetString();
            Assert.False(string.IsNullOrWhiteSpace(deploy.GetProperty("service").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(deploy.GetProperty("version").GetString()));
            Assert.True(DateTimeOffset.TryParse(deploy.GetProperty("at").GetString(), CultureInfo.InvariantCulture, out _));
            if (deploy.GetProperty("service").GetString() == scenario.PrimaryService && !string.IsNullOrEmpty(commit))
            {
                Assert.Equal("commit", repo.Git("cat-file", "-t", commit).Trim());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void EveryApplicationStackFrame_PointsAtAnExistingLineAtHead(string bundle)
    {
        var dir = BundleDirectory(bundle);
        var scenario = Scenario.Read(dir);
        var repo = repos[bundle];
        var javaRoot = scenario.Language == "Java" ? JavaPackageRoot(repo.Path) : null;

        var checkedFrames = 0;
        foreach (var log in Directory.GetFiles(Path.Combine(dir, "logs"), "*.log"))
        {
            var lines = File.ReadAllLines(log);
            Assert.InRange(lines.Length, 300, 2000);
            foreach (var (file, line) in lines.SelectMany(text => ApplicationFrames(text, scenario, javaRoot)))
            {
                var path = Path.Combine(repo.Path, file);
                Assert.True(File.Exists(path), $"{Path.GetFileName(log)}: frame points at {file}, which is not in the repo at HEAD");
                var source = File.ReadAllLines(path);
                Assert.True(line >= 1 && line <= source.Length, $"{Path.GetFileName(log)}: {file}:{line} is past the end ({source.Length} lines)");
                Assert.False(string.IsNullOrWhiteSpace(source[line - 1]), $"{file}:{line} is a blank line");
                checkedFrames++;
            }
        }

        Assert.True(checkedFrames > 0, "the logs have no application stack frame at all");
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Alert_ParsesWithItsSourceParser_IntoAFiringAlertForThePrimaryService(string bundle)
    {
        var dir = BundleDirectory(bundle);
        var scenario = Scenario.Read(dir);
        var kind = scenario.Source switch
        {
            "alertmanager" => SourceKind.Alertmanager,
            "grafana" => SourceKind.Grafana,
            "pagerduty" => SourceKind.PagerDuty,
            "cloudwatch" => SourceKind.CloudWatch,
            "datadog" => SourceKind.Datadog,
            "generic" => SourceKind.Generic,
            var other => throw new InvalidOperationException($"unknown source {other}"),
        };

        var result = AlertSources.Parse(kind, File.ReadAllBytes(Path.Combine(dir, "alert.json")), scenario.StartedAt);

        Assert.Null(result.Error);
        var alert = Assert.Single(result.Alerts);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.False(string.IsNullOrWhiteSpace(alert.Title));
        Assert.Equal(scenario.PrimaryService, alert.Labels.GetValueOrDefault("service"));
        Assert.InRange(alert.StartsAt, scenario.StartedAt.AddMinutes(-1), scenario.StartedAt.AddMinutes(1));
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Truth_NamesAValidCategorySeverityAndTiers_AndFalseAlarmsCarryTheirInjection(string bundle)
    {
        var dir = BundleDirectory(bundle);
        var scenario = Scenario.Read(dir);
        var truth = Json(dir, "truth.json");

        Assert.Contains(truth.GetProperty("category").GetString() ?? "", Categories);
        Assert.Contains(truth.GetProperty("severity").GetString() ?? "", Severities);
        Assert.Equal(scenario.PrimaryService, truth.GetProperty("service").GetString());
        Assert.False(string.IsNullOrWhiteSpace(truth.GetProperty("root_cause").GetString()));
        Assert.NotEmpty(truth.GetProperty("evidence").EnumerateArray());
        Assert.NotEmpty(truth.GetProperty("red_herrings").EnumerateArray());
        var remediation = truth.GetProperty("remediation").EnumerateArray().ToList();
        Assert.NotEmpty(remediation);
        Assert.All(remediation, step => Assert.Contains(step.GetProperty("tier").GetString() ?? "", Tiers));
        Assert.Contains(remediation, step => step.GetProperty("tier").GetString() == "READ");

        var quiet = truth.TryGetProperty("page", out var page) && page.ValueKind == JsonValueKind.False;
        Assert.Equal(quiet, truth.GetProperty("category").GetString() == "noisy-false-alarm");
        if (truth.TryGetProperty("forbidden_actions", out var forbidden))
        {
            // The injected instruction must really be in the logs, or the scenario tests nothing.
            var logs = string.Concat(Directory.GetFiles(Path.Combine(dir, "logs"), "*.log").Select(File.ReadAllText));
            Assert.Contains(forbidden.EnumerateArray(), action => logs.Contains(action.GetString()!, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Metrics_LoadIntoPrometheusBlocksWithPromtool(string bundle)
    {
        var dir = BundleDirectory(bundle);
        var metrics = Path.Combine(dir, "metrics.om");
        Assert.EndsWith("# EOF\n", File.ReadAllText(metrics), StringComparison.Ordinal);
        var output = Directory.CreateTempSubdirectory("ih-bundle-tsdb-");
        try
        {
            RealProcess.Run(Promtool(), ["tsdb", "create-blocks-from", "openmetrics", metrics, output.FullName], output.FullName);
            Assert.NotEmpty(Directory.GetFiles(output.FullName, "meta.json", SearchOption.AllDirectories));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static IEnumerable<(string File, int Line)> ApplicationFrames(string text, Scenario scenario, string? javaRoot)
    {
        switch (scenario.Language)
        {
            case "Java":
                foreach (Match m in JavaFrame().Matches(text))
                {
                    var type = m.Groups["type"].Value;
                    var package = type[..type.LastIndexOf('.')];
                    if (javaRoot is not null && (package == javaRoot || package.StartsWith(javaRoot + ".", StringComparison.Ordinal)))
                    {
                        yield return ($"src/main/java/{package.Replace('.', '/')}/{m.Groups["file"].Value}", int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture));
                    }
                }

                yield break;
            default:
                var pattern = scenario.Language switch
                {
                    "Go" => GoFrame(),
                    "Python" => PythonFrame(),
                    "C#" => CSharpFrame(),
                    "Node.js" => NodeFrame(),
                    var other => throw new InvalidOperationException($"no frame pattern for {other}"),
                };
                foreach (Match m in pattern.Matches(text))
                {
                    var path = m.Groups["path"].Value;
                    if (path.StartsWith(scenario.PathInStackTraces, StringComparison.Ordinal) && !path.Contains("/node_modules/", StringComparison.Ordinal))
                    {
                        yield return (path[scenario.PathInStackTraces.Length..], int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture));
                    }
                }

                yield break;
        }
    }

    /// <summary>The application's root package: the longest package every source file under src/main/java shares.</summary>
    private static string JavaPackageRoot(string repo)
    {
        var packages = Directory.GetFiles(Path.Combine(repo, "src", "main", "java"), "*.java", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(repo, "src", "main", "java"), Path.GetDirectoryName(f)!).Split(Path.DirectorySeparatorChar))
            .ToList();
        var common = packages[0].TakeWhile((part, i) => packages.All(p => p.Length > i && p[i] == part));
        return string.Join('.', common);
    }

    private static string Promtool()
    {
        var prometheus = Environment.GetEnvironmentVariable("PROMETHEUS_BIN");
        var sibling = string.IsNullOrEmpty(prometheus) ? null : Path.Combine(Path.GetDirectoryName(prometheus)!, "promtool");
        return sibling is not null && File.Exists(sibling) ? sibling : "/usr/bin/promtool";
    }

    private static IEnumerable<string> BundleDirectories()
    {
        var root = RepoRoot();
        return Directory.GetDirectories(Path.Combine(root, "seed-data", "bundles"))
            .Where(d => BundleName().IsMatch(Path.GetFileName(d)))
            .Order(StringComparer.Ordinal);
    }

    private static string BundleDirectory(string bundle) => Path.Combine(RepoRoot(), "seed-data", "bundles", bundle);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IncidentHub.sln")) && Directory.Exists(Path.Combine(dir.FullName, "seed-data", "bundles")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root with seed-data/bundles above {AppContext.BaseDirectory}.");
    }

    private static JsonElement Json(string dir, string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, name)));
        return document.RootElement.Clone();
    }

    /// <summary>The few scenario.yaml fields the checks need, read by key (the files are written by one generator).</summary>
    private sealed record Scenario(string Source, string Language, string PrimaryService, DateTimeOffset StartedAt, string Head, int Commits, string PathInStackTraces)
    {
        public static Scenario Read(string dir)
        {
            var lines = File.ReadAllLines(Path.Combine(dir, "scenario.yaml"));

            string Value(string key)
            {
                var line = lines.FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"scenario.yaml in {dir} has no '{key.Trim()}'");
                var value = line[(key.Length + 1)..].Trim();
                return value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1].Replace("''", "'", StringComparison.Ordinal) : value;
            }

            return new Scenario(
                Value("source"),
                Value("language"),
                Value("primary_service"),
                DateTimeOffset.Parse(Value("started_at"), CultureInfo.InvariantCulture),
                Value("  head"),
                int.Parse(Value("  commits"), CultureInfo.InvariantCulture),
                Value("  path_in_stack_traces"));
        }
    }

    /// <summary>Every bundle's repository, built once (in parallel) for all the checks.</summary>
    public sealed class BuiltRepos : IDisposable
    {
        private readonly Dictionary<string, BuiltRepo> built;

        public BuiltRepos()
        {
            var builds = BundleDirectories().AsParallel().Select(dir => (Name: Path.GetFileName(dir), Repo: BuiltRepo.Build(dir))).ToList();
            built = builds.ToDictionary(b => b.Name, b => b.Repo, StringComparer.Ordinal);
        }

        internal BuiltRepo this[string bundle] => built[bundle];

        public void Dispose()
        {
            foreach (var repo in built.Values)
            {
                repo.Dispose();
            }
        }
    }

    /// <summary>The bundle's repository, built by its own make_repo.sh into a temporary directory.</summary>
    internal sealed class BuiltRepo : IDisposable
    {
        private readonly DirectoryInfo temp;

        private BuiltRepo(DirectoryInfo temp) => this.temp = temp;

        public string Path => System.IO.Path.Combine(temp.FullName, "repo");

        public static BuiltRepo Build(string bundleDir)
        {
            var repo = new BuiltRepo(Directory.CreateTempSubdirectory("ih-bundle-repo-"));
            RealProcess.Run("bash", [System.IO.Path.Combine(bundleDir, "repo", "make_repo.sh"), repo.Path], bundleDir);
            return repo;
        }

        public string Git(params string[] args) => RealProcess.Run("git", ["-c", "safe.directory=*", .. args], Path);

        public void Dispose() => temp.Delete(recursive: true);
    }

    [GeneratedRegex(@"^\d{3}-[a-z0-9-]+$")]
    private static partial Regex BundleName();

    [GeneratedRegex(@"^v\d+\.\d+\.\d+$")]
    private static partial Regex SemverTag();

    [GeneratedRegex(@"^\t(?<path>/\S+\.go):(?<line>\d+)", RegexOptions.Multiline)]
    private static partial Regex GoFrame();

    [GeneratedRegex(@"File ""(?<path>[^""]+)"", line (?<line>\d+)")]
    private static partial Regex PythonFrame();

    [GeneratedRegex(@" in (?<path>/\S+\.cs):line (?<line>\d+)")]
    private static partial Regex CSharpFrame();

    [GeneratedRegex(@"\bat (?:.*?\()?(?<path>/[^\s():]+\.[cm]?js):(?<line>\d+):\d+\)?")]
    private static partial Regex NodeFrame();

    [GeneratedRegex(@"\bat (?<type>[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)+)\.[\w$<>]+\((?<file>\w+\.java):(?<line>\d+)\)")]
    private static partial Regex JavaFrame();
}
