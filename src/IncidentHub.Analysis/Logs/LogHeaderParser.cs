using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Logs;

/// <summary>A log line split into its header fields and the message the miner should see.</summary>
public sealed record ParsedLogLine(DateTimeOffset? At, string? Level, string? Logger, string Content, string Format);

/// <summary>
/// Strips log headers (timestamp, level, logger, pid, thread) so only the message is mined: a named format, a
/// logparser-style format string, or <c>auto</c> (the shapes are listed in decision 008). Unmatched lines stay whole.
/// </summary>
public sealed partial class LogHeaderParser
{
    /// <summary>The names accepted by <see cref="Create"/> besides a format string.</summary>
    public static readonly IReadOnlyList<string> FormatNames = ["auto", "raw", "json", "slog", "spring", "python", "aspnet", "syslog", "iso", "node"];

    private const string Iso = @"\d{4}[-/]\d{2}[-/]\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?";
    private const string Levels = "TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC|trace|debug|info|notice|warn|warning|error|fatal|critical|panic";

    private static readonly (string Name, Regex Pattern)[] Known =
    [
        ("slog", new Regex("""^time=(?<ts>\S+) level=(?<level>\S+) msg=(?:"(?<msg>(?:[^"\\]|\\.)*)"|(?<msg>\S*))(?<rest>.*)$""", RegexOptions.Compiled)),
        ("spring", new Regex($@"^(?<ts>{Iso})\s+(?<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+\d+\s+---\s+(?:\[[^\]]*\]\s+)*(?<logger>\S+)\s+:\s(?<msg>.*)$", RegexOptions.Compiled)),
        ("python", new Regex($@"^(?<ts>{Iso}) - (?<logger>\S+) - (?<level>[A-Z]+) - (?<msg>.*)$", RegexOptions.Compiled)),
        ("python", new Regex(@"^(?<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?<logger>[^:\s]+):(?<msg>.*)$", RegexOptions.Compiled)),
        ("aspnet", new Regex($@"^(?:\[?(?<ts>{Iso})\]?\s+)?(?<level>trce|dbug|info|warn|fail|crit): (?<logger>[^\[\s]+)\[\d+\]\s*(?<msg>.*)$", RegexOptions.Compiled)),
        ("syslog", new Regex(@"^(?:<\d+>)?(?<ts>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (?<host>\S+) (?<logger>[^:\[\s]+)(?:\[\d+\])?: (?<msg>.*)$", RegexOptions.Compiled)),
        ("syslog", new Regex(@"^<\d+>1 (?<ts>\S+) (?<host>\S+) (?<logger>\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(?<msg>.*)$", RegexOptions.Compiled)),
        ("iso", new Regex($@"^\[?(?<ts>{Iso})\]?\s+(?:\[?(?<level>{Levels})\]?:?\s+)?(?:\[(?<logger>[^\]]+)\]:?\s+)?(?<msg>.*)$", RegexOptions.Compiled)),
        ("node", new Regex(@"^(?<level>error|warn|info|http|verbose|debug|silly): (?<msg>.*)$", RegexOptions.Compiled)),
    ];

    private readonly (string Name, Regex Pattern)[] candidates;
    private readonly bool json;
    private int sticky;

    private LogHeaderParser((string Name, Regex Pattern)[] candidates, bool json)
    {
        this.candidates = candidates;
        this.json = json;
    }

    /// <summary>
    /// <paramref name="format"/>: null or <c>auto</c>, <c>raw</c> (keep lines whole), one of
    /// <see cref="FormatNames"/>, or a format string with <c>&lt;Field&gt;</c> placeholders that must
    /// include <c>&lt;Content&gt;</c> (<c>Level</c>, <c>Component</c>/<c>Logger</c> and
    /// <c>Date</c>/<c>Time</c>/<c>Timestamp</c> fill the other fields).
    /// </summary>
    public static LogHeaderParser Create(string? format)
    {
        format = string.IsNullOrWhiteSpace(format) ? "auto" : format.Trim();
        return format switch
        {
            "auto" => new LogHeaderParser(Known, json: true),
            "raw" => new LogHeaderParser([], json: false),
            "json" => new LogHeaderParser([], json: true),
            _ when Known.Any(k => k.Name == format) => new LogHeaderParser([.. Known.Where(k => k.Name == format)], json: false),
            _ when format.Contains("<Content>", StringComparison.Ordinal) => new LogHeaderParser([("custom", FromTemplate(format))], json: false),
            _ => throw new ArgumentException(
                $"Unknown log format '{format}': use one of {string.Join(", ", FormatNames)} or a format string with a <Content> placeholder.", nameof(format)),
        };
    }

    public ParsedLogLine Parse(string line)
    {
        if (json && line.StartsWith('{') && ParseJson(line) is { } structured)
        {
            return structured;
        }

        for (var k = 0; k < candidates.Length; k++)
        {
            var index = (k + sticky) % candidates.Length;
            var (name, pattern) = candidates[index];
            var match = pattern.Match(line);
            if (!match.Success)
            {
                continue;
            }

            sticky = index;
            var content = match.Groups["msg"] is { Success: true } msg ? msg.Value : match.Groups["Content"].Value;
            if (match.Groups["rest"] is { Success: true, Length: > 0 } rest)
            {
                content += rest.Value;
            }

            return new ParsedLogLine(
                ParseTime(Field(match, "ts") ?? Join(Field(match, "Date"), Field(match, "Time")) ?? Field(match, "Timestamp")),
                Field(match, "level") ?? Field(match, "Level"),
                Field(match, "logger") ?? Field(match, "Component") ?? Field(match, "Logger"),
                content,
                name);
        }

        return new ParsedLogLine(null, null, null, line, "raw");
    }

    private static string? Field(Match match, string name) =>
        match.Groups[name] is { Success: true, Length: > 0 } group ? group.Value : null;

    private static string? Join(string? date, string? time) => date is null ? null : time is null ? date : $"{date} {time}";

    /// <summary>Parses ISO-like timestamps (with a year); others (syslog has none) give null.</summary>
    public static DateTimeOffset? ParseTime(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length < 10 || !char.IsAsciiDigit(text[0]))
        {
            return null;
        }

        var normalised = text.Replace(',', '.').Replace('/', '-');
        return DateTimeOffset.TryParse(normalised, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;
    }

    private static ParsedLogLine? ParseJson(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var message = Text(root, "msg", "message", "@m", "@mt", "Message", "MessageTemplate");
            if (message is null)
            {
                return null;
            }

            DateTimeOffset? at = null;
            if (Property(root, "time", "ts", "timestamp", "@t", "Timestamp") is { } time)
            {
                at = time.ValueKind switch
                {
                    JsonValueKind.String => ParseTime(time.GetString()),
                    JsonValueKind.Number when time.TryGetDouble(out var epoch) => epoch > 1e11
                        ? DateTimeOffset.FromUnixTimeMilliseconds((long)epoch)
                        : DateTimeOffset.FromUnixTimeMilliseconds((long)(epoch * 1000)),
                    _ => null,
                };
            }

            var level = Property(root, "level", "lvl", "severity", "@l", "Level") is { } l
                ? l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out var pino) ? PinoLevel(pino) : l.ToString()
                : null;
            return new ParsedLogLine(at, level, Text(root, "logger", "name", "SourceContext", "source"), message, "json");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string PinoLevel(int level) => level switch
    {
        >= 60 => "fatal",
        >= 50 => "error",
        >= 40 => "warn",
        >= 30 => "info",
        >= 20 => "debug",
        _ => "trace",
    };

    private static JsonElement? Property(JsonElement root, params string[] names)
    {
        foreach (var name in names)
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                return value;
            }
        }

        return null;
    }

    private static string? Text(JsonElement root, params string[] names) =>
        Property(root, names) is { } value ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString() : null;

    /// <summary>logparser's generate_logformat_regex: literal text between placeholders, runs of spaces as \s+.</summary>
    private static Regex FromTemplate(string format)
    {
        var pattern = new System.Text.StringBuilder("^");
        var parts = Placeholder().Split(format);
        for (var i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 0)
            {
                pattern.Append(Spaces().Replace(parts[i], @"\s+"));
            }
            else
            {
                var name = parts[i];
                pattern.Append(name == "Content" ? "(?<Content>.*)" : $"(?<{name}>.*?)");
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.Compiled);
    }

    [GeneratedRegex("<([A-Za-z][A-Za-z0-9]*)>")]
    private static partial Regex Placeholder();

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();
}
