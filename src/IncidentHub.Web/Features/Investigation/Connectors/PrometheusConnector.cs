using System.Globalization;
using System.Text.Json;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>
/// Read-only client of the Prometheus HTTP API: instant queries (<c>/api/v1/query</c>) and range
/// queries (<c>/api/v1/query_range</c>), results as <see cref="MetricSeries"/>. The answer is read up to
/// <see cref="OutboundOptions.MaxResponseBytes"/>; an error's body goes to the server log, not into the
/// evidence every Viewer reads.
/// </summary>
public sealed class PrometheusConnector(HttpClient http, IOptions<OutboundOptions> outbound, ILogger<PrometheusConnector> logger)
{
    public Task<IReadOnlyList<MetricSeries>> QueryRangeAsync(Uri baseUrl, string query, MetricRole role, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken ct)
    {
        var url = new Uri(baseUrl, "api/v1/query_range?" + Form(
            ("query", query),
            ("start", Seconds(from)),
            ("end", Seconds(to)),
            ("step", step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture))));
        return GetAsync(url, query, role, ct);
    }

    public Task<IReadOnlyList<MetricSeries>> QueryAsync(Uri baseUrl, string query, MetricRole role, DateTimeOffset at, CancellationToken ct)
    {
        var url = new Uri(baseUrl, "api/v1/query?" + Form(("query", query), ("time", Seconds(at))));
        return GetAsync(url, query, role, ct);
    }

    /// <summary>A step that keeps a range query around 300 points (at least 15 s).</summary>
    public static TimeSpan StepFor(DateTimeOffset from, DateTimeOffset to) =>
        TimeSpan.FromSeconds(Math.Max(15, Math.Ceiling((to - from).TotalSeconds / 300)));

    private async Task<IReadOnlyList<MetricSeries>> GetAsync(Uri url, string query, MetricRole role, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        var limit = outbound.Value.MaxResponseBytes;
        await using var body = new BoundedStream(await response.Content.ReadAsStreamAsync(ct), limit, $"The Prometheus answer from {url.Host}",
            $"{OutboundOptions.SectionName}:MaxResponseBytes");
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        var root = json.RootElement;
        if (!response.IsSuccessStatusCode || root.GetProperty("status").GetString() != "success")
        {
            var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
            logger.LogWarning("Prometheus {Host} answered {Status} to {Query}: {Error}", url.Host, (int)response.StatusCode, query, error);
            throw new HttpRequestException($"Prometheus answered {(int)response.StatusCode} (its message is in the server log).");
        }

        return Parse(root.GetProperty("data"), query, role);
    }

    /// <summary>Reads a <c>data</c> object of type matrix, vector or scalar.</summary>
    public static IReadOnlyList<MetricSeries> Parse(JsonElement data, string query, MetricRole role)
    {
        var type = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        if (type == "scalar")
        {
            return [new MetricSeries(query, query, role, new Dictionary<string, string>(), [Point(result)])];
        }

        var series = new List<MetricSeries>();
        foreach (var item in result.EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
            var name = labels.TryGetValue("__name__", out var n) ? n : query;
            labels.Remove("__name__");
            IReadOnlyList<MetricPoint> points = type == "matrix"
                ? item.GetProperty("values").EnumerateArray().Select(Point).Where(p => double.IsFinite(p.Value)).ToList()
                : [Point(item.GetProperty("value"))];
            series.Add(new MetricSeries(labels.Count == 0 ? name : $"{name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}", query, role, labels, points));
        }

        return series;
    }

    private static MetricPoint Point(JsonElement pair)
    {
        var seconds = pair[0].GetDouble();
        var value = double.Parse(pair[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
        return new MetricPoint(DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)), value);
    }

    private static string Seconds(DateTimeOffset at) => (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Form(params (string Key, string Value)[] pairs) =>
        string.Join("&", pairs.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
}
