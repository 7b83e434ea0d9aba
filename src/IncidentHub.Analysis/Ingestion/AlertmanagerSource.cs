using System.Text.Json;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// Prometheus Alertmanager webhook, version 4
/// (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). Keeps
/// Alertmanager's own fingerprint for dedup and its groupKey for grouping.
/// </summary>
public static class AlertmanagerSource
{
    public static ParseResult Parse(JsonElement root, DateTimeOffset receivedAt)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid("An Alertmanager webhook body must be a JSON object with an 'alerts' array.");
        }

        if (!root.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
        {
            return ParseResult.Invalid("The Alertmanager webhook body has no 'alerts' array.");
        }

        var groupLabels = AlertSources.StringMap(root.TryGetProperty("groupLabels", out var g) ? g : default);
        var groupKey = AlertSources.String(root, "groupKey");
        if (string.IsNullOrWhiteSpace(groupKey))
        {
            groupKey = "{}:" + AlertSources.FingerprintOf(groupLabels);
        }

        var result = new List<NormalisedAlert>();
        var index = 0;
        foreach (var alert in alerts.EnumerateArray())
        {
            if (alert.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Invalid($"alerts[{index}] is not an object.");
            }

            var labels = AlertSources.StringMap(alert.TryGetProperty("labels", out var l) ? l : default);
            if (labels.Count == 0)
            {
                return ParseResult.Invalid($"alerts[{index}] has no labels; Alertmanager alerts always carry at least 'alertname'.");
            }

            var annotations = AlertSources.StringMap(alert.TryGetProperty("annotations", out var a) ? a : default);
            var status = AlertSources.String(alert, "status") == "resolved" ? AlertStatus.Resolved : AlertStatus.Firing;
            var fingerprint = AlertSources.String(alert, "fingerprint");
            if (string.IsNullOrWhiteSpace(fingerprint))
            {
                fingerprint = AlertSources.FingerprintOf(labels);
            }

            result.Add(new NormalisedAlert(
                fingerprint,
                groupKey,
                TitleOf(labels, annotations),
                status,
                labels,
                annotations,
                AlertSources.Time(alert, "startsAt") ?? receivedAt,
                AlertSources.Time(alert, "endsAt"),
                AlertSources.String(alert, "generatorURL")));
            index++;
        }

        return result.Count == 0 ? ParseResult.Invalid("The Alertmanager webhook body has an empty 'alerts' array.") : ParseResult.Ok(result);
    }

    private static string TitleOf(Dictionary<string, string> labels, Dictionary<string, string> annotations)
    {
        // An empty alertname, service or job counts as absent: a title must say something.
        var name = labels.GetValueOrDefault("alertname") is { } n && !string.IsNullOrWhiteSpace(n) ? n : null;
        if (annotations.TryGetValue("summary", out var summary) && !string.IsNullOrWhiteSpace(summary))
        {
            return name is null ? summary : $"{name}: {summary}";
        }

        var service = new[] { labels.GetValueOrDefault("service"), labels.GetValueOrDefault("job") }.FirstOrDefault(s => !string.IsNullOrWhiteSpace(s));
        return (name ?? "Alert") + (service is null ? "" : $" on {service}");
    }
}
