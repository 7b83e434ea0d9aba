using System.Text.Json;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// Grafana unified alerting (9+) webhook contact point: Alertmanager-shaped, keeping Grafana's own fingerprint
/// and groupKey; mapping in docs/alert-sources.md.
/// </summary>
public static class GrafanaSource
{
    /// <summary>Per-alert fields kept as annotations (when not empty), under their Grafana names.</summary>
    private static readonly string[] KeptFields = ["silenceURL", "dashboardURL", "panelURL", "generatorURL", "valueString"];

    public static ParseResult Parse(JsonElement root, DateTimeOffset receivedAt)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid($"A Grafana webhook body must be a JSON object with an 'alerts' array, not {AlertSources.Describe(root.ValueKind)}.");
        }

        if (!root.TryGetProperty("alerts", out var alerts))
        {
            return ParseResult.Invalid(
                "The Grafana webhook body has no 'alerts' array. IncidentHub reads the unified alerting webhook (Grafana 9+, \"version\": \"1\"); legacy dashboard alerts are not supported.");
        }

        if (alerts.ValueKind != JsonValueKind.Array)
        {
            return ParseResult.Invalid($"'alerts' in the Grafana webhook body must be an array, not {AlertSources.Describe(alerts.ValueKind)}.");
        }

        if (alerts.GetArrayLength() == 0)
        {
            return ParseResult.Invalid("The Grafana webhook body has an empty 'alerts' array: there is no alert to record.");
        }

        var groupLabels = AlertSources.StringMap(root.TryGetProperty("groupLabels", out var g) ? g : default);
        var groupKey = AlertSources.String(root, "groupKey");
        if (string.IsNullOrWhiteSpace(groupKey))
        {
            groupKey = "{}:" + AlertSources.FingerprintOf(groupLabels);
        }

        var result = new List<NormalisedAlert>(alerts.GetArrayLength());
        var index = 0;
        foreach (var alert in alerts.EnumerateArray())
        {
            var where = $"alerts[{index}]";
            if (alert.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Invalid($"{where} is {AlertSources.Describe(alert.ValueKind)}, not an object.");
            }

            if (!alert.TryGetProperty("labels", out var labelsElement) || labelsElement.ValueKind == JsonValueKind.Null)
            {
                return ParseResult.Invalid($"{where} has no labels; Grafana alerts always carry at least 'alertname'.");
            }

            if (labelsElement.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Invalid($"{where}.labels must be an object of label name to value, not {AlertSources.Describe(labelsElement.ValueKind)}.");
            }

            var labels = AlertSources.StringMap(labelsElement);
            if (labels.Count == 0)
            {
                return ParseResult.Invalid($"{where} has no labels; Grafana alerts always carry at least 'alertname'.");
            }

            var annotationsElement = alert.TryGetProperty("annotations", out var a) ? a : default;
            if (annotationsElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
            {
                return ParseResult.Invalid($"{where}.annotations must be an object of name to text, not {AlertSources.Describe(annotationsElement.ValueKind)}.");
            }

            var annotations = AlertSources.StringMap(annotationsElement);
            foreach (var field in KeptFields)
            {
                if (AlertSources.String(alert, field) is { Length: > 0 } text && (!field.EndsWith("URL", StringComparison.Ordinal) || WebLinks.IsHttp(text)))
                {
                    Keep(annotations, field, text);
                }
            }

            if (alert.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Object)
            {
                foreach (var (refId, value) in AlertSources.StringMap(values))
                {
                    Keep(annotations, $"value.{refId}", value);
                }
            }

            var status = string.Equals(AlertSources.String(alert, "status"), "resolved", StringComparison.OrdinalIgnoreCase)
                ? AlertStatus.Resolved
                : AlertStatus.Firing;
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
                status == AlertStatus.Resolved ? AlertSources.Time(alert, "endsAt") : null,
                FirstWebLink(alert, "panelURL", "dashboardURL", "generatorURL")));
            index++;
        }

        return ParseResult.Ok(result);
    }

    private static string TitleOf(Dictionary<string, string> labels, Dictionary<string, string> annotations)
    {
        var name = labels.GetValueOrDefault("alertname") is { Length: > 0 } n ? n : null;
        if (annotations.TryGetValue("summary", out var summary) && !string.IsNullOrWhiteSpace(summary))
        {
            return name is null ? summary.Trim() : $"{name}: {summary.Trim()}";
        }

        var service = labels.GetValueOrDefault("service");
        return (name ?? "Grafana alert") + (string.IsNullOrWhiteSpace(service) ? "" : $" on {service}");
    }

    /// <summary>The first of the fields that is an http(s) link: a hostile panelURL does not hide the dashboard's.</summary>
    private static string? FirstWebLink(JsonElement alert, params string[] names) =>
        names.Select(name => WebLinks.HttpOrNull(AlertSources.String(alert, name))).FirstOrDefault(url => url is not null);

    /// <summary>Adds a Grafana field without overwriting a user annotation of the same name.</summary>
    private static void Keep(Dictionary<string, string> annotations, string name, string value)
    {
        if (!annotations.TryAdd(name, value))
        {
            annotations[$"grafana.{name}"] = value;
        }
    }
}
