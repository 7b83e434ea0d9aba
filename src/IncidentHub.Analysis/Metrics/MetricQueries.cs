using System.Text.RegularExpressions;
using IncidentHub.Analysis.Triage;

namespace IncidentHub.Analysis.Metrics;

/// <summary>A query the bundle importer guessed for one role of a service (error_ratio, traffic, latency, saturation, other).</summary>
public sealed record GuessedMetricQuery(string Role, string Query);

/// <summary>
/// Guesses a service's metric queries from the series of a bundle's OpenMetrics file, by which labels
/// name the service; the mapping is specified in README.md ("Incident bundles", POST /api/bundles).
/// </summary>
public static partial class MetricQueries
{
    private const int MaxOther = 12;
    private static readonly string[] ServiceLabels = ["service", "job", "app", "container", "deployment"];
    private static readonly string[] StatusLabels = ["code", "status", "status_code"];
    private static readonly string[] ResultLabels = ["result", "outcome", "status", "state"];

    /// <param name="bundleServices">Every service of the bundle, so a family naming another one is not taken for this one.</param>
    public static IReadOnlyList<GuessedMetricQuery> Guess(string openMetrics, string service, IReadOnlyCollection<string> bundleServices)
    {
        var series = Read(openMetrics);

        // Decided once per family: the label (and value) that ties it to this service, ("", "") when it
        // names no bundle service (context for all), null when it names another one.
        var candidates = bundleServices.Append(service).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var owners = series.ToDictionary(f => f.Key, f => OwnerOf(f.Value, service, candidates), StringComparer.Ordinal);
        (string Key, string Value)? Owner(string name) => owners[name];

        string? Selector(string name, string? extra = null)
        {
            if (Owner(name) is not { } owner)
            {
                return null;
            }

            var matchers = new List<string>();
            if (owner.Key.Length > 0)
            {
                matchers.Add($"{owner.Key}=\"{Escape(owner.Value)}\"");
            }

            if (extra is not null)
            {
                matchers.Add(extra);
            }

            return matchers.Count == 0 ? name : $"{name}{{{string.Join(",", matchers)}}}";
        }

        var queries = new List<GuessedMetricQuery>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        void Add(string role, string? family, string? query)
        {
            if (family is not null && query is not null)
            {
                queries.Add(new GuessedMetricQuery(role, query));
                used.Add(family);
            }
        }

        var names = series.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var errorRatioAdded = false;
        foreach (var name in names.Where(n => n.EndsWith("requests_total", StringComparison.Ordinal)))
        {
            var status = StatusLabels.FirstOrDefault(k => series[name].TryGetValue(k, out var values) && values.Any(v => v.StartsWith('5') && v.Length == 3));
            if (status is not null && Owner(name) is { Key.Length: > 0 } && Selector(name) is { } all)
            {
                // A ratio (0..1), not the 5xx rate: the engine reads error_ratio as the share of requests failing.
                Add("error_ratio", name, $"sum(rate({Selector(name, $"{status}=~\"5..\"")}[1m])) / sum(rate({all}[1m]))");
                Add("traffic", name, $"sum(rate({all}[1m]))");
                errorRatioAdded = true;
                break;
            }
        }

        if (!errorRatioAdded)
        {
            // No HTTP counter: a counter of this service's work with a failed/error outcome (push sends, jobs, uploads).
            foreach (var name in names.Where(n => n.EndsWith("_total", StringComparison.Ordinal) && Owner(n) is { Key.Length: > 0 }))
            {
                // Every outcome that means a failed attempt (a retried task failed once too).
                var result = ResultLabels.Select(k => (Key: k, Values: series[name].TryGetValue(k, out var values) ? values.Where(v => ErrorValue().IsMatch(v)).Order(StringComparer.Ordinal).ToList() : []))
                    .FirstOrDefault(r => r.Values.Count > 0);
                if (result.Values is { Count: > 0 } failed && Selector(name) is { } all)
                {
                    var matcher = failed.Count == 1 ? $"{result.Key}=\"{Escape(failed[0])}\"" : $"{result.Key}=~\"{string.Join("|", failed.Select(v => Regex.Escape(v)))}\"";
                    Add("error_ratio", name, $"sum(rate({Selector(name, matcher)}[1m])) / sum(rate({all}[1m]))");
                    Add("traffic", name, $"sum(rate({all}[1m]))");
                    break;
                }
            }
        }

        var latency = names.FirstOrDefault(n => !used.Contains(n) && LatencyName().IsMatch(n) && Owner(n) is { Key.Length: > 0 });
        Add("latency", latency, latency is null ? null : Selector(latency));
        foreach (var name in names.Where(n => !used.Contains(n) && SaturationName().IsMatch(n)).ToList())
        {
            Add("saturation", name, Selector(name));
        }

        foreach (var name in names.Where(n => !used.Contains(n)).Take(MaxOther).ToList())
        {
            Add("other", name, Selector(name));
        }

        return queries;
    }

    private static (string Key, string Value)? OwnerOf(Dictionary<string, HashSet<string>> labels, string service, List<string> candidates)
    {
        var exact = ServiceLabels.FirstOrDefault(k => labels.TryGetValue(k, out var values) && values.Contains(service));
        if (exact is not null)
        {
            return (exact, service);
        }

        var namesOther = false;
        foreach (var (key, values) in labels)
        {
            foreach (var value in values)
            {
                var named = ServiceNameMatcher.Longest(candidates, value);
                if (named == service)
                {
                    return (key, value);
                }

                namesOther |= named is not null;
            }
        }

        return namesOther ? null : ("", "");
    }

    /// <summary>name -> label -> values seen (at most 64 per label).</summary>
    private static Dictionary<string, Dictionary<string, HashSet<string>>> Read(string openMetrics)
    {
        var series = new Dictionary<string, Dictionary<string, HashSet<string>>>(StringComparer.Ordinal);
        foreach (var line in openMetrics.AsSpan().EnumerateLines())
        {
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line.ToString());
            if (!match.Success)
            {
                continue;
            }

            var labels = series.TryGetValue(match.Groups["name"].Value, out var known) ? known : series[match.Groups["name"].Value] = [];
            foreach (Match label in Label().Matches(match.Groups["labels"].Value))
            {
                var values = labels.TryGetValue(label.Groups["k"].Value, out var v) ? v : labels[label.Groups["k"].Value] = [];
                if (values.Count < 64)
                {
                    values.Add(label.Groups["v"].Value);
                }
            }
        }

        return series;
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<v>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();

    [GeneratedRegex(@"^(?:error|errors|failed|failure|fail|retried|retry|timeout|timed_out)$", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorValue();

    [GeneratedRegex(@"p99|p95|latency|duration", RegexOptions.IgnoreCase)]
    private static partial Regex LatencyName();

    [GeneratedRegex(@"cpu|memory|queue|depth|queued|busy|replicas$|_pool|pool_|connections|filesystem|disk|load\d*$|saturation|utili[sz]ation", RegexOptions.IgnoreCase)]
    private static partial Regex SaturationName();
}
