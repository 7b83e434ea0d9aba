using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace IncidentHub.Analysis.Ingestion;

/// <summary>
/// Either the alerts a payload carried, or what was wrong with it (said to the sender as-is), or
/// a notice that carries no alert but needs a person (an SNS subscription to confirm).
/// </summary>
public sealed record ParseResult(IReadOnlyList<NormalisedAlert> Alerts, string? Error, SourceNotice? Notice = null)
{
    public static ParseResult Invalid(string error) => new([], error);

    public static ParseResult Ok(IReadOnlyList<NormalisedAlert> alerts) => new(alerts, null);

    public static ParseResult NoticeOnly(SourceNotice notice) => new([], null, notice);
}

/// <summary>Something a source sent that is not an alert, for an Admin to act on.</summary>
/// <param name="Kind">e.g. "SubscriptionConfirmation".</param>
/// <param name="Text">What it is, in words.</param>
/// <param name="ActionUrl">The URL the Admin may choose to visit (never followed automatically).</param>
public sealed record SourceNotice(string Kind, string Text, string? ActionUrl);

/// <summary>Turns one source's payload into normalised alerts. Pure: no database, no clock.</summary>
public static class AlertSources
{
    /// <param name="headers">Request headers (case-insensitive); SNS says what a message is in a header.</param>
    public static ParseResult Parse(SourceKind kind, byte[] body, DateTimeOffset receivedAt, IReadOnlyDictionary<string, string>? headers = null)
    {
        headers ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            return ParseResult.Invalid($"The body is not valid JSON: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            return ParseResult.Invalid($"The body is not valid UTF-8 JSON: {ex.Message}");
        }

        using (document)
        {
            return kind switch
            {
                SourceKind.Alertmanager => AlertmanagerSource.Parse(document.RootElement, receivedAt),
                SourceKind.Grafana => GrafanaSource.Parse(document.RootElement, receivedAt),
                SourceKind.PagerDuty => PagerDutySource.Parse(document.RootElement, receivedAt),
                SourceKind.CloudWatch => CloudWatchSource.Parse(document.RootElement, receivedAt, headers),
                SourceKind.Datadog => DatadogSource.Parse(document.RootElement, receivedAt),
                SourceKind.Generic => GenericSource.Parse(document.RootElement, receivedAt),
                _ => ParseResult.Invalid($"Source kind {kind} is not supported."),
            };
        }
    }

    /// <summary>A stable fingerprint from a label set, for sources that do not send one.</summary>
    public static string FingerprintOf(IEnumerable<KeyValuePair<string, string>> parts)
    {
        var text = string.Join('\n', parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    public static Dictionary<string, string> StringMap(JsonElement element)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object)
        {
            return map;
        }

        foreach (var property in element.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString() ?? "",
                JsonValueKind.Null => "",
                _ => property.Value.GetRawText(),
            };
        }

        return map;
    }

    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static DateTimeOffset? Time(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds))
        {
            // Unix time: seconds, or milliseconds when it is too large to be seconds.
            return seconds > 1e11 ? DateTimeOffset.FromUnixTimeMilliseconds((long)seconds) : DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
        }

        if (value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
        {
            // Alertmanager sends 0001-01-01 for "no end time".
            return parsed.Year <= 1 ? null : parsed.ToUniversalTime();
        }

        return null;
    }
}
