using System.Text;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Metrics;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>
/// An OpenMetrics file (catalog <c>source: openmetrics</c>) as a metrics source; queries are the subset <see cref="MetricQuery"/> knows.
/// The file must really be under Catalog:AllowedFileRoots and is read up to Investigation:MaxFileBytes.
/// </summary>
public sealed class OpenMetricsFileConnector(CatalogFileRoots roots, IOptions<InvestigationOptions> options)
{
    public async Task<IReadOnlyList<MetricSeries>> QueryAsync(string path, string query, MetricRole role, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var parsed = MetricQuery.Parse(query);
        roots.ThrowIfOutside(path, "metrics file");
        var limits = options.Value;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        await using var bounded = new BoundedStream(file, limits.MaxFileBytes, $"The metrics file {path}", $"{InvestigationOptions.SectionName}:MaxFileBytes", leaveOpen: true);
        using var reader = new StreamReader(bounded, Encoding.UTF8);
        var lines = new List<string>();
        await foreach (var line in BoundedLines.ReadAsync(reader, limits.MaxLineChars, ct))
        {
            lines.Add(line);
        }

        var document = OpenMetricsParser.Parse(lines);
        return parsed.Evaluate(document, query, role, from, to);
    }
}
