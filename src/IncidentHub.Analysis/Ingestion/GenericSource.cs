using System.Text.Json;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// Any JSON object (or array of objects) with at least a "title". Optional: "timestamp"
/// (ISO 8601 or Unix time), "status" (firing/resolved), "service", "severity", "fingerprint",
/// "url", "labels" (object). Every other field is kept as an annotation.
/// </summary>
public static class GenericSource
{
    private static readonly HashSet<string> Known =
        ["title", "timestamp", "status", "service", "severity", "fingerprint", "url", "labels"];

    private static readonly HashSet<string> ResolvedWords =
        new(["resolved", "ok", "recovered", "closed", "normal"], StringComparer.OrdinalIgnoreCase);

    public static ParseResult Parse(JsonElement root, DateTimeOffset receivedAt)
    {
        var items = root.ValueKind switch
        {
            JsonValueKind.Object => [root],
            JsonValueKind.Array => root.EnumerateArray().ToList(),
            _ => null,
        };
        if (items is null || items.Count == 0)
        {
            return ParseResult.Invalid("The body must be a JSON object with a 'title', or a non-empty array of such objects.");
        }

        var result = new List<NormalisedAlert>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var where = items.Count == 1 ? "The alert" : $"Item [{i}]";
            var item = items[i];
            if (item.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Invalid($"{where} is not a JSON object.");
            }

            var title = AlertSources.String(item, "title")?.Trim();
            if (string.IsNullOrEmpty(title))
            {
                return ParseResult.Invalid($"{where} has no 'title': a non-empty string field 'title' is required.");
            }

            var labels = AlertSources.StringMap(item.TryGetProperty("labels", out var l) ? l : default);
            var service = AlertSources.String(item, "service");
            if (!string.IsNullOrWhiteSpace(service))
            {
                labels["service"] = service.Trim();
            }

            var severity = AlertSources.String(item, "severity");
            if (!string.IsNullOrWhiteSpace(severity))
            {
                labels["severity"] = severity.Trim();
            }

            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in item.EnumerateObject().Where(p => !Known.Contains(p.Name)))
            {
                annotations[property.Name] = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString() ?? ""
                    : property.Value.GetRawText();
            }

            var status = AlertSources.String(item, "status") is { } s && ResolvedWords.Contains(s) ? AlertStatus.Resolved : AlertStatus.Firing;
            var fingerprint = AlertSources.String(item, "fingerprint");
            if (string.IsNullOrWhiteSpace(fingerprint))
            {
                fingerprint = AlertSources.FingerprintOf(labels.Where(p => p.Key != "severity").Append(new("title", title)));
            }

            var groupKey = $"{labels.GetValueOrDefault("service", "").ToLowerInvariant()}|{title.ToLowerInvariant()}";
            var at = AlertSources.Time(item, "timestamp") ?? receivedAt;
            result.Add(new NormalisedAlert(fingerprint, groupKey, title, status, labels, annotations, at, status == AlertStatus.Resolved ? at : null, AlertSources.String(item, "url")));
        }

        return ParseResult.Ok(result);
    }
}
