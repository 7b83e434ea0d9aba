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
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Never throws: whatever the body is, the result is alerts (each within <see cref="AlertLimits"/>),
    /// a notice, or an error to say to the sender. A leading UTF-8 byte order mark is ignored.
    /// </summary>
    /// <param name="headers">Request headers (case-insensitive); SNS says what a message is in a header.</param>
    public static ParseResult Parse(SourceKind kind, byte[] body, DateTimeOffset receivedAt, IReadOnlyDictionary<string, string>? headers = null) =>
        AlertLimits.Bound(ParseUnbounded(kind, body, receivedAt, headers));

    private static ParseResult ParseUnbounded(SourceKind kind, byte[] body, DateTimeOffset receivedAt, IReadOnlyDictionary<string, string>? headers)
    {
        ArgumentNullException.ThrowIfNull(body);
        headers ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var json = body.AsMemory();
        if (json.Span.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
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
            if (UnreadableTextIn(document.RootElement, "$") is { } unreadable)
            {
                return ParseResult.Invalid($"The body is not valid JSON text: {unreadable}.");
            }

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

    /// <summary>
    /// What is wrong with the first string or property name that cannot be read as text, or null when
    /// all can: bytes that are not UTF-8 inside a string, or a \u escape that is not valid UTF-16 (an
    /// unpaired surrogate such as "\ud800"). The parser accepts both; reading the string throws. So the
    /// whole document is checked before any source parser reads it.
    /// </summary>
    /// <param name="path">Where <paramref name="element"/> is, for the message ("$" for the body).</param>
    public static string? UnreadableTextIn(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Unreadable(() => element.GetString()) is { } why ? $"the string at {path} {why}" : null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (Unreadable(() => property.Name) is { } nameProblem)
                    {
                        return $"a property name in {path} {nameProblem}";
                    }

                    if (UnreadableTextIn(property.Value, $"{path}.{Excerpt(property.Name, 40)}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (UnreadableTextIn(item, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The start of a sender's text for an error message; never cuts a surrogate pair in two.</summary>
    public static string Excerpt(string text, int max = 80) => AlertLimits.Truncate(text, max);

    private static string? Unreadable(Func<string?> read)
    {
        try
        {
            _ = read();
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.InnerException is DecoderFallbackException
                ? "is not valid UTF-8"
                : "has a \\u escape that is not valid UTF-16 (an unpaired surrogate such as \\ud800)";
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

    /// <summary>What a JSON value is, for an error that says what was sent instead ("not an array").</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        _ => "missing",
    };

    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static readonly double MinUnixMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly double MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static DateTimeOffset? Time(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds))
        {
            // Unix time: seconds, or milliseconds when it is too large to be seconds. 1e400 reads as infinity;
            // anything outside what DateTimeOffset can hold counts as absent.
            var milliseconds = Math.Truncate(seconds > 1e11 ? seconds : seconds * 1000);
            return double.IsFinite(milliseconds) && milliseconds >= MinUnixMilliseconds && milliseconds <= MaxUnixMilliseconds
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds)
                : null;
        }

        if (value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
        {
            // Alertmanager sends 0001-01-01 for "no end time".
            return parsed.Year <= 1 ? null : parsed.ToUniversalTime();
        }

        return null;
    }
}
