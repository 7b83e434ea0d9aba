using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// Datadog Webhooks (one JSON object per notification, from Datadog's payload template). Keyed on aggreg_key,
/// not the event id, because the trigger and the recovery get different ids; mapping in docs/alert-sources.md.
/// </summary>
public static partial class DatadogSource
{
    private const int MaxFingerprint = AlertLimits.Fingerprint;
    private const int MaxGroupKey = AlertLimits.GroupKey;
    private const int MaxTitle = AlertLimits.Title;

    /// <summary>
    /// Datadog puts a priority and a transition (with its scope) in front of a title; brackets after the
    /// first few are title text. The bound also keeps a title of a million "[P1] " linear.
    /// </summary>
    private const int MaxPrefixes = 4;

    /// <summary>Fields read into the title, the description and the link instead of annotations.</summary>
    private static readonly HashSet<string> Consumed = ["title", "body", "link"];

    private static readonly HashSet<string> Transitions = new(
        ["Triggered", "Re-Triggered", "Recovered", "Warn", "Re-Warn", "No Data", "Re-No Data", "Renotify", "Re-Notify"],
        StringComparer.OrdinalIgnoreCase);

    public static ParseResult Parse(JsonElement root, DateTimeOffset receivedAt)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid($"A Datadog webhook body must be a JSON object with at least a 'title' ($EVENT_TITLE), not {AlertSources.Describe(root.ValueKind)}.");
        }

        if (!root.TryGetProperty("title", out var titleElement) || titleElement.ValueKind == JsonValueKind.Null)
        {
            return ParseResult.Invalid("The Datadog webhook body needs a 'title' field: keep \"title\": \"$EVENT_TITLE\" in the webhook's payload template.");
        }

        if (titleElement.ValueKind != JsonValueKind.String)
        {
            return ParseResult.Invalid($"The Datadog webhook body's 'title' must be a string ($EVENT_TITLE), not {AlertSources.Describe(titleElement.ValueKind)}.");
        }

        var rawTitle = Text(root, "title");
        if (rawTitle is null)
        {
            return ParseResult.Invalid("The Datadog webhook body needs a non-empty 'title' ($EVENT_TITLE); it was empty or an unfilled template variable.");
        }

        foreach (var name in (string[])["tags", "alert_scope"])
        {
            if (root.TryGetProperty(name, out var list) && list.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null))
            {
                return ParseResult.Invalid(
                    $"The Datadog webhook body's '{name}' must be a comma-separated string like \"service:checkout,env:prod\" (or an array of such strings), not {AlertSources.Describe(list.ValueKind)}.");
            }
        }

        var prefix = StripPrefixes(rawTitle);
        var transition = Text(root, "alert_transition") ?? prefix.Transition;
        var priority = Text(root, "alert_priority") ?? prefix.Priority;
        var scopeTags = Tags(root, "alert_scope") ?? prefix.Scope ?? [];
        scopeTags = [.. scopeTags.Where(t => t != "*")];
        var scope = string.Join(',', scopeTags.Order(StringComparer.Ordinal));
        var alertType = Text(root, "alert_type");

        var title = prefix.Title.Length > 0 ? prefix.Title : Text(root, "alert_metric") ?? "Datadog alert";
        title = AlertLimits.Truncate(title, MaxTitle);

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in Tags(root, "tags") ?? [])
        {
            var (key, value) = SplitTag(tag);
            labels.TryAdd(key, value);
        }

        foreach (var tag in scopeTags)
        {
            var (key, value) = SplitTag(tag);
            labels[key] = value;
        }

        labels["alertname"] = title;
        if (SeverityOf(priority, alertType) is { } severity)
        {
            labels["severity"] = severity;
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Text(root, "body") is { } body)
        {
            annotations["description"] = body;
        }

        foreach (var property in root.EnumerateObject().Where(p => !Consumed.Contains(p.Name)))
        {
            Flatten(annotations, property.Name, property.Value);
        }

        // What the title's prefixes said, under the names the extended template would have used.
        if (transition is not null)
        {
            annotations.TryAdd("alert_transition", transition);
        }

        if (priority is not null)
        {
            annotations.TryAdd("alert_priority", priority);
        }

        if (prefix.Scope is not null)
        {
            annotations.TryAdd("alert_scope", string.Join(',', prefix.Scope));
        }

        var alertId = Text(root, "alert_id");
        var fingerprint = Text(root, "aggreg_key")
            ?? (alertId is null ? null : $"{alertId}|{scope}")
            ?? AlertSources.FingerprintOf([new("title", title), new("scope", scope), new("org", Text(root, "org", "id") ?? "")]);
        if (fingerprint.Length > MaxFingerprint)
        {
            fingerprint = AlertSources.FingerprintOf([new("fingerprint", fingerprint)]);
        }

        var groupKey = alertId is null ? fingerprint : scope.Length == 0 ? alertId : $"{alertId}|{scope}";
        if (groupKey.Length > MaxGroupKey)
        {
            groupKey = AlertSources.FingerprintOf([new("groupKey", groupKey)]);
        }

        var resolved = string.Equals(transition, "Recovered", StringComparison.OrdinalIgnoreCase)
            || string.Equals(alertType, "success", StringComparison.OrdinalIgnoreCase);
        var at = TimeOf(root, "date") ?? TimeOf(root, "last_updated") ?? receivedAt;

        return ParseResult.Ok([new NormalisedAlert(
            fingerprint,
            groupKey,
            title,
            resolved ? AlertStatus.Resolved : AlertStatus.Firing,
            labels,
            annotations,
            at,
            resolved ? at : null,
            Text(root, "link"))]);
    }

    private sealed record Prefixes(string Title, string? Transition, string? Priority, List<string>? Scope);

    /// <summary>Removes Datadog's leading "[P1] [Triggered on {service:checkout}] " prefixes, and reads them.</summary>
    private static Prefixes StripPrefixes(string title)
    {
        string? transition = null, priority = null;
        List<string>? scope = null;
        var rest = title.Trim();
        for (var i = 0; i < MaxPrefixes && LeadingBracket().Match(rest) is { Success: true } bracket; i++)
        {
            var content = bracket.Groups["content"].Value.Trim();
            if (PriorityPattern().IsMatch(content))
            {
                priority ??= content.ToUpperInvariant();
            }
            else if (TransitionPattern().Match(content) is { Success: true } t && Transitions.Contains(t.Groups["transition"].Value))
            {
                transition ??= t.Groups["transition"].Value;
                if (t.Groups["scope"].Success)
                {
                    scope ??= SplitList(t.Groups["scope"].Value);
                }
            }
            else
            {
                break;
            }

            rest = rest[bracket.Length..];
        }

        return new Prefixes(rest.Trim(), transition, priority, scope);
    }

    private static string? SeverityOf(string? priority, string? alertType) =>
        priority?.Trim().ToUpperInvariant() switch
        {
            "P1" => "critical",
            "P2" => "error",
            "P3" => "warning",
            "P4" or "P5" => "info",
            _ => alertType?.Trim().ToLowerInvariant() switch
            {
                "error" => "error",
                "warning" => "warning",
                "info" => "info",
                _ => null,
            },
        };

    private static (string Key, string Value) SplitTag(string tag)
    {
        var colon = tag.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? (tag[..colon].Trim(), tag[(colon + 1)..].Trim()) : ($"tag_{tag.TrimStart(':').Trim()}", "true");
    }

    /// <summary>A tag list, as Datadog's comma-separated string or a JSON array of strings; null when absent.</summary>
    private static List<string>? Tags(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var items = value.EnumerateArray()
                .Where(v => v.ValueKind == JsonValueKind.String)
                .SelectMany(v => SplitList(v.GetString() ?? ""))
                .ToList();
            return items.Count == 0 ? null : items;
        }

        return Text(root, name) is { } text ? SplitList(text) : null;
    }

    private static List<string> SplitList(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(t => t.Trim(':').Length > 0)];

    /// <summary>Unix milliseconds or seconds (number or numeric string), or ISO 8601.</summary>
    private static DateTimeOffset? TimeOf(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        double? number = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) ? n
            : value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s
            : null;
        if (number is { } unix)
        {
            if (unix <= 0 || double.IsNaN(unix) || double.IsInfinity(unix))
            {
                return null;
            }

            try
            {
                return unix > 1e11 ? DateTimeOffset.FromUnixTimeMilliseconds((long)unix) : DateTimeOffset.FromUnixTimeMilliseconds((long)(unix * 1000));
            }
            catch (ArgumentOutOfRangeException)
            {
                return null;
            }
        }

        return Text(root, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUniversalTime()
            : null;
    }

    /// <summary>A string or number field (nested with a second name), trimmed; null when absent, empty or an unfilled "$VARIABLE".</summary>
    private static string? Text(JsonElement root, string name, string? child = null)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (child is not null && (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(child, out value)))
        {
            return null;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()?.Trim(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return string.IsNullOrEmpty(text) || UnfilledVariable().IsMatch(text) ? null : text;
    }

    private static void Flatten(Dictionary<string, string> annotations, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    Flatten(annotations, $"{name}.{property.Name}", property.Value);
                }

                break;
            case JsonValueKind.String:
                var text = value.GetString()?.Trim() ?? "";
                if (text.Length > 0 && !UnfilledVariable().IsMatch(text))
                {
                    annotations[name] = text;
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                annotations[name] = value.GetRawText();
                break;
        }
    }


    /// <summary>A bracket of at most 1000 characters: a Datadog prefix is short, and the bound keeps the transition pattern (which backtracks) fast.</summary>
    [GeneratedRegex(@"^\[(?<content>[^\[\]]{0,1000})\]\s*")]
    private static partial Regex LeadingBracket();

    [GeneratedRegex(@"^P[1-5]$", RegexOptions.IgnoreCase)]
    private static partial Regex PriorityPattern();

    [GeneratedRegex(@"^(?<transition>[A-Za-z][A-Za-z -]*?)(?:\s+on\s+\{(?<scope>[^{}]*)\})?$")]
    private static partial Regex TransitionPattern();

    [GeneratedRegex(@"^\$[A-Z][A-Z0-9_]*$")]
    private static partial Regex UnfilledVariable();
}
