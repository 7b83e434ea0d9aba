using System.Globalization;
using System.Text.Json;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// PagerDuty v3 webhooks: each incident event becomes one alert keyed on the PagerDuty incident id, so every
/// later event updates the same alert; mapping in docs/alert-sources.md.
/// </summary>
public static class PagerDutySource
{
    public static ParseResult Parse(JsonElement root, DateTimeOffset receivedAt)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid("A PagerDuty webhook body must be a JSON object with an 'event' object (v3 webhook subscription).");
        }

        if (!root.TryGetProperty("event", out var evt) || evt.ValueKind != JsonValueKind.Object)
        {
            return root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array
                ? ParseResult.Invalid("This is a PagerDuty v1/v2 webhook ('messages' array); only v3 webhook subscriptions (an 'event' object) are supported.")
                : ParseResult.Invalid("The PagerDuty webhook body has no 'event' object; expected a v3 webhook: {\"event\": {\"event_type\": ..., \"data\": {...}}}.");
        }

        var eventType = AlertSources.String(evt, "event_type");
        if (string.IsNullOrWhiteSpace(eventType))
        {
            return ParseResult.Invalid("The PagerDuty event has no 'event.event_type' (e.g. \"incident.triggered\").");
        }

        // pagey.ping, service.created ... are fine to receive but are not alerts.
        var resourceType = AlertSources.String(evt, "resource_type");
        if (resourceType != "incident" || !eventType.StartsWith("incident.", StringComparison.Ordinal))
        {
            return ParseResult.Ok([]);
        }

        if (!evt.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid($"The PagerDuty '{AlertSources.Excerpt(eventType)}' event has no 'event.data' object.");
        }

        // incident.annotated, incident.responder.*, incident.status_update_published: data is a note,
        // a responder request or a status update that only references the incident.
        var dataType = AlertSources.String(data, "type");
        if (dataType is not null && dataType != "incident")
        {
            return ParseResult.Ok([]);
        }

        var id = AlertSources.String(data, "id")?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            return ParseResult.Invalid($"The PagerDuty '{AlertSources.Excerpt(eventType)}' event has no 'event.data.id' (the incident id, e.g. \"PT4KHLK\").");
        }

        var title = AlertSources.String(data, "title")?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            return ParseResult.Invalid($"The PagerDuty '{AlertSources.Excerpt(eventType)}' event for incident {AlertSources.Excerpt(id)} has no 'event.data.title'.");
        }

        var incidentStatus = AlertSources.String(data, "status");
        var status = eventType == "incident.resolved" || incidentStatus == "resolved" ? AlertStatus.Resolved : AlertStatus.Firing;

        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = title,
            ["event_type"] = eventType,
        };
        Put(labels, "service", Summary(data, "service"));
        Put(labels, "severity", SeverityOf(data));
        Put(labels, "pagerduty_incident_number", NumberText(data, "number"));
        Put(labels, "pagerduty_status", incidentStatus);

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        Put(annotations, "pagerduty_event_id", AlertSources.String(evt, "id"));
        Put(annotations, "incident_key", AlertSources.String(data, "incident_key"));
        Put(annotations, "urgency", AlertSources.String(data, "urgency"));
        Put(annotations, "priority", Summary(data, "priority"));
        Put(annotations, "assignees", Summaries(data, "assignees"));
        Put(annotations, "escalation_policy", Summary(data, "escalation_policy"));
        Put(annotations, "teams", Summaries(data, "teams"));
        Put(annotations, "resolve_reason", ResolveReason(data));
        Put(annotations, "agent", Summary(evt, "agent"));
        Put(annotations, "client", evt.TryGetProperty("client", out var client) ? AlertSources.String(client, "name") : null);
        if (data.TryGetProperty("conference_bridge", out var bridge))
        {
            Put(annotations, "conference_url", WebUrl(AlertSources.String(bridge, "conference_url")));
            Put(annotations, "conference_number", AlertSources.String(bridge, "conference_number"));
        }

        var occurredAt = AlertSources.Time(evt, "occurred_at");
        var startsAt = AlertSources.Time(data, "created_at") ?? occurredAt ?? receivedAt;
        DateTimeOffset? endsAt = status == AlertStatus.Resolved ? occurredAt ?? receivedAt : null;

        return ParseResult.Ok([
            new NormalisedAlert(id, "pd:" + id, title, status, labels, annotations, startsAt, endsAt, WebUrl(AlertSources.String(data, "html_url"))),
        ]);
    }

    /// <summary>Priority name when the account uses priorities, else the urgency in the words triage knows.</summary>
    private static string? SeverityOf(JsonElement data)
    {
        var priority = Summary(data, "priority");
        if (!string.IsNullOrWhiteSpace(priority))
        {
            return priority;
        }

        return AlertSources.String(data, "urgency")?.ToLowerInvariant() switch
        {
            "high" => "critical",
            "low" => "warning",
            _ => null,
        };
    }

    private static string? Summary(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var reference) ? AlertSources.String(reference, "summary")?.Trim() : null;

    private static string? Summaries(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var names = array.EnumerateArray()
            .Select(item => AlertSources.String(item, "summary")?.Trim())
            .Where(s => !string.IsNullOrEmpty(s))
            .ToList();
        return names.Count == 0 ? null : string.Join(", ", names);
    }

    private static string? NumberText(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
    }

    /// <summary>null, or an object such as {"type": "merge_resolve_reason", "incident": {...}}.</summary>
    private static string? ResolveReason(JsonElement data)
    {
        if (!data.TryGetProperty("resolve_reason", out var reason))
        {
            return null;
        }

        switch (reason.ValueKind)
        {
            case JsonValueKind.String:
                return reason.GetString();
            case JsonValueKind.Object:
                var type = AlertSources.String(reason, "type");
                var into = reason.TryGetProperty("incident", out var incident)
                    ? AlertSources.String(incident, "summary") ?? AlertSources.String(incident, "id")
                    : null;
                if (type == "merge_resolve_reason" && into is not null)
                {
                    return $"Merged into {into}";
                }

                return type ?? reason.GetRawText();
            default:
                return null;
        }
    }

    /// <summary>Only http(s) links are kept: they end up as clickable links in the UI.</summary>
    private static string? WebUrl(string? url) => WebLinks.HttpOrNull(url);

    private static void Put(Dictionary<string, string> map, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            map[key] = value;
        }
    }
}
