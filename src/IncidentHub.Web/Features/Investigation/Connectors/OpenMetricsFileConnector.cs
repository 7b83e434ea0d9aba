using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Metrics;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>An OpenMetrics file (catalog <c>source: openmetrics</c>) as a metrics source; queries are the subset <see cref="MetricQuery"/> knows.</summary>
public sealed class OpenMetricsFileConnector
{
    public async Task<IReadOnlyList<MetricSeries>> QueryAsync(string path, string query, MetricRole role, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var parsed = MetricQuery.Parse(query);
        var lines = await File.ReadAllLinesAsync(path, ct);
        var document = OpenMetricsParser.Parse(lines);
        return parsed.Evaluate(document, query, role, from, to);
    }
}
