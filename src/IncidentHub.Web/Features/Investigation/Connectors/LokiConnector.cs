using System.Globalization;
using System.Text.Json;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>
/// Read-only client of Loki's <c>/loki/api/v1/query_range</c> (LogQL, streams result). Lines come
/// back in time order; a line without its own timestamp text keeps Loki's nanosecond time. The answer
/// is read up to <see cref="OutboundOptions.MaxResponseBytes"/>; an error's body goes to the server log only.
/// </summary>
public sealed class LokiConnector(HttpClient http, IOptions<OutboundOptions> outbound, ILogger<LokiConnector> logger)
{
    public async Task<LogRead> QueryRangeAsync(Uri baseUrl, string query, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct)
    {
        var url = new Uri(baseUrl, "loki/api/v1/query_range?" + string.Join("&",
            $"query={Uri.EscapeDataString(query)}",
            $"start={Nanos(from)}",
            $"end={Nanos(to)}",
            $"limit={limit.ToString(CultureInfo.InvariantCulture)}",
            "direction=forward"));
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var body = new BoundedStream(await response.Content.ReadAsStreamAsync(ct), outbound.Value.MaxResponseBytes, $"The Loki answer from {baseUrl.Host}",
            $"{OutboundOptions.SectionName}:MaxResponseBytes");
        if (!response.IsSuccessStatusCode)
        {
            var buffer = new char[300];
            using var reader = new StreamReader(body);
            var read = await reader.ReadBlockAsync(buffer, ct);
            logger.LogWarning("Loki {Host} answered {Status}: {Body}", baseUrl.Host, (int)response.StatusCode, new string(buffer, 0, read));
            throw new HttpRequestException($"Loki answered {(int)response.StatusCode} (its message is in the server log).");
        }

        using var json = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new HttpRequestException("Loki answered a status other than success.");
        }

        var data = root.GetProperty("data");
        if (data.GetProperty("resultType").GetString() != "streams")
        {
            throw new HttpRequestException($"Loki answered {data.GetProperty("resultType").GetString()}, not streams: the query must select log lines.");
        }

        var source = $"loki:{baseUrl}";
        var entries = new List<(long Nanos, string Stream, string Line)>();
        foreach (var stream in data.GetProperty("result").EnumerateArray())
        {
            var labels = stream.GetProperty("stream").EnumerateObject().Select(p => $"{p.Name}=\"{p.Value.GetString()}\"");
            var name = "{" + string.Join(",", labels) + "}";
            foreach (var value in stream.GetProperty("values").EnumerateArray())
            {
                entries.Add((long.Parse(value[0].GetString()!, CultureInfo.InvariantCulture), name, value[1].GetString() ?? ""));
            }
        }

        var lines = entries
            .OrderBy(e => e.Nanos)
            .Take(limit)
            .Select((e, i) => new LogLine($"{source}{e.Stream}", i + 1, DateTimeOffset.FromUnixTimeMilliseconds(e.Nanos / 1_000_000), e.Line))
            .ToList();
        return new LogRead(lines, [source], entries.Count >= limit);
    }

    private static string Nanos(DateTimeOffset at) => (at.ToUnixTimeMilliseconds() * 1_000_000).ToString(CultureInfo.InvariantCulture);
}
