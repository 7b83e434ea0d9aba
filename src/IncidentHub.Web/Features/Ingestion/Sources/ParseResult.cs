using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace IncidentHub.Web.Features.Ingestion.Sources;

/// <summary>Either the alerts a payload carried, or what was wrong with it (said to the sender as-is).</summary>
public sealed record ParseResult(IReadOnlyList<NormalisedAlert> Alerts, string? Error)
{
    public static ParseResult Invalid(string error) => new([], error);

    public static ParseResult Ok(IReadOnlyList<NormalisedAlert> alerts) => new(alerts, null);
}

/// <summary>Turns one source's payload into normalised alerts. Pure: no database, no clock.</summary>
public static class AlertSources
{
    public static ParseResult Parse(SourceKind kind, byte[] body, DateTimeOffset receivedAt)
    {
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

    internal static Dictionary<string, string> StringMap(JsonElement element)
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

    internal static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    internal static DateTimeOffset? Time(JsonElement obj, string name)
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
