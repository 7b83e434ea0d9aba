using System.Text.RegularExpressions;
using IncidentHub.Web.Features.Catalog;

namespace IncidentHub.Web.Features.Bundles;

/// <summary>
/// Guesses a service's metric queries (series selectors) from the series in an OpenMetrics file:
/// only series carrying a label whose value is the service's name (service, job, app, container,
/// deployment) are used, so one service is never given another's metrics.
/// <list type="bullet">
/// <item>error_ratio: a <c>*requests_total</c> counter with a code/status label, <c>sum(rate(name{service="x",code=~"5.."}[1m])) / sum(rate(name{service="x"}[1m]))</c></item>
/// <item>traffic: the same counter, all codes</item>
/// <item>latency: a gauge whose name has p99, latency or duration</item>
/// <item>saturation: a CPU series, else a queue depth or busy-threads series</item>
/// </list>
/// </summary>
public static partial class MetricQueries
{
    private static readonly string[] ServiceLabels = ["service", "job", "app", "container", "deployment"];
    private static readonly string[] StatusLabels = ["code", "status", "status_code"];

    public static IReadOnlyList<MetricQueryConfig> Guess(string openMetrics, string service, string path)
    {
        // name -> label -> values seen
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

        string? Selector(string name, string? extra = null)
        {
            var labels = series[name];
            var key = ServiceLabels.FirstOrDefault(k => labels.TryGetValue(k, out var values) && values.Contains(service));
            return key is null ? null : $"{name}{{{key}=\"{service}\"{(extra is null ? "" : "," + extra)}}}";
        }

        var queries = new List<MetricQueryConfig>();
        void Add(string role, string? query)
        {
            if (query is not null)
            {
                queries.Add(new MetricQueryConfig { Role = role, Source = "openmetrics", Path = path, Query = query });
            }
        }

        var names = series.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        foreach (var name in names.Where(n => n.EndsWith("requests_total", StringComparison.Ordinal)))
        {
            var status = StatusLabels.FirstOrDefault(k => series[name].TryGetValue(k, out var values) && values.Any(v => v.StartsWith('5') && v.Length == 3));
            if (status is not null && Selector(name) is { } all)
            {
                // A ratio (0..1), not the 5xx rate: the engine reads error_ratio as the share of requests failing.
                Add("error_ratio", $"sum(rate({Selector(name, $"{status}=~\"5..\"")}[1m])) / sum(rate({all}[1m]))");
                Add("traffic", all);
                break;
            }
        }

        Add("latency", names.Where(n => n.Contains("p99", StringComparison.Ordinal) || n.Contains("latency", StringComparison.Ordinal) || n.Contains("duration", StringComparison.Ordinal))
            .Select(n => Selector(n)).FirstOrDefault(s => s is not null));
        Add("saturation", names.Where(n => n.Contains("cpu", StringComparison.Ordinal)).Select(n => Selector(n)).FirstOrDefault(s => s is not null)
            ?? names.Where(n => n.Contains("queue", StringComparison.Ordinal) || n.Contains("busy", StringComparison.Ordinal)).Select(n => Selector(n)).FirstOrDefault(s => s is not null));
        return queries;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<v>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
