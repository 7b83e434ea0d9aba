using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Architecture;

/// <summary>
/// The house rules of the feature folders, read from the source as a newcomer would read the <c>using</c> lines
/// (and fully qualified names): no feature needs a feature that needs it, and Infrastructure knows no feature
/// (the DbContext and its migrations, which map every feature's entities, excepted).
/// </summary>
public sealed partial class FeatureDependencyTests
{
    private static readonly string Web = Path.Combine(IncidentHubFactory.RepositoryRoot(), "src", "IncidentHub.Web");

    [Fact]
    public void NoFeature_NeedsAFeatureThatNeedsIt()
    {
        var graph = FeatureGraph();

        var cycles = new List<string>();
        foreach (var start in graph.Keys)
        {
            FindCycles(graph, start, [start], cycles);
        }

        Assert.True(cycles.Count == 0, "Feature cycles:\n" + string.Join("\n", cycles.Distinct()));
    }

    [Fact]
    public void Infrastructure_KnowsNoFeature_ExceptTheDbContext()
    {
        var offenders = SourceFiles(Path.Combine(Web, "Infrastructure"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && Path.GetFileName(f) != "AppDbContext.cs")
            .Select(f => (File: Path.GetRelativePath(Web, f), Features: ReferencedFeatures(File.ReadAllText(f)).ToList()))
            .Where(f => f.Features.Count > 0)
            .Select(f => $"{f.File} -> {string.Join(", ", f.Features)}")
            .ToList();

        Assert.True(offenders.Count == 0, "Infrastructure refers to features:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheCheck_FindsACycle_WhenOneIsThere()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        var cycles = new List<string>();

        FindCycles(graph, "D", ["D"], cycles);
        FindCycles(graph, "A", ["A"], cycles);

        Assert.Equal(["A -> B -> C -> A"], cycles.Distinct());
    }

    private static Dictionary<string, HashSet<string>> FeatureGraph()
    {
        var features = Directory.GetDirectories(Path.Combine(Web, "Features")).Select(Path.GetFileName).OfType<string>().ToHashSet();
        Assert.Contains("Incidents", features);
        return features.ToDictionary(
            feature => feature,
            feature => SourceFiles(Path.Combine(Web, "Features", feature))
                .SelectMany(f => ReferencedFeatures(File.ReadAllText(f)))
                .Where(other => other != feature && features.Contains(other))
                .ToHashSet());
    }

    private static void FindCycles(Dictionary<string, HashSet<string>> graph, string node, List<string> path, List<string> cycles)
    {
        foreach (var next in graph.GetValueOrDefault(node) ?? [])
        {
            if (next == path[0])
            {
                cycles.Add(string.Join(" -> ", path.Append(next)));
            }
            else if (!path.Contains(next) && string.CompareOrdinal(next, path[0]) > 0)
            {
                // Each cycle is reported once, from its smallest member.
                FindCycles(graph, next, [.. path, next], cycles);
            }
        }
    }

    private static IEnumerable<string> SourceFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>Features this source names; `http.Features.Get&lt;T&gt;()` (ASP.NET's request features) is not one.</summary>
    private static IEnumerable<string> ReferencedFeatures(string source) =>
        FeatureReference().Matches(source).Select(m => m.Groups[1].Value).Where(FeatureNames.Contains).Distinct();

    private static readonly HashSet<string> FeatureNames =
        Directory.GetDirectories(Path.Combine(Web, "Features")).Select(Path.GetFileName).OfType<string>().ToHashSet();

    [GeneratedRegex(@"\bFeatures\.([A-Z][A-Za-z]+)\b")]
    private static partial Regex FeatureReference();
}
