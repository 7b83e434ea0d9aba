using System.Globalization;
using System.Text.RegularExpressions;

namespace IncidentHub.Web.Features.Investigation.Connectors;

/// <summary>
/// Finds the timestamp near the start of a log line in the usual formats: ISO 8601 / RFC 3339
/// (<c>2024-05-01T12:00:00.123Z</c>, <c>2024-05-01 12:00:00,123+02:00</c>), Apache/nginx
/// (<c>[10/Oct/2024:13:55:36 -0700]</c>), syslog (<c>May  1 12:00:00</c>, year taken from the
/// anchor) and epoch seconds/milliseconds in JSON (<c>"ts":1714564800.5</c>). No zone means UTC.
/// </summary>
public static partial class LogTimestamps
{
    /// <summary>Only the head of a line is searched: a timestamp quoted in a message is not the line's time.</summary>
    private const int Head = 80;

    [GeneratedRegex(@"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}:?\d{2})?", RegexOptions.CultureInvariant)]
    private static partial Regex Iso();

    [GeneratedRegex(@"\[(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\]", RegexOptions.CultureInvariant)]
    private static partial Regex Apache();

    [GeneratedRegex(@"^(\w{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\b", RegexOptions.CultureInvariant)]
    private static partial Regex Syslog();

    [GeneratedRegex(@"""(?:ts|time|timestamp|@timestamp)""\s*:\s*(\d{10}(?:\.\d+)?|\d{13})\b", RegexOptions.CultureInvariant)]
    private static partial Regex Epoch();

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static DateTimeOffset? Parse(string line, int yearHint)
    {
        ArgumentNullException.ThrowIfNull(line);
        var head = line.Length > Head ? line[..Head] : line;

        var m = Iso().Match(head);
        if (m.Success)
        {
            return FromIso(m);
        }

        m = Apache().Match(head);
        if (m.Success && Month(m.Groups[2].Value) is { } am)
        {
            var offset = m.Groups[7].Value;
            var span = new TimeSpan(int.Parse(offset[1..3], CultureInfo.InvariantCulture), int.Parse(offset[3..5], CultureInfo.InvariantCulture), 0);
            return Safe(() => new DateTimeOffset(Int(m, 3), am, Int(m, 1), Int(m, 4), Int(m, 5), Int(m, 6), offset[0] == '-' ? -span : span));
        }

        m = Syslog().Match(head);
        if (m.Success && Month(m.Groups[1].Value) is { } sm)
        {
            return Safe(() => new DateTimeOffset(yearHint, sm, Int(m, 2), Int(m, 3), Int(m, 4), Int(m, 5), TimeSpan.Zero));
        }

        m = Epoch().Match(line.Length > 400 ? line[..400] : line);
        if (m.Success)
        {
            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(m.Groups[1].Value.Length == 13 && !m.Groups[1].Value.Contains('.') ? value : value * 1000));
        }

        return null;
    }

    private static DateTimeOffset? FromIso(Match m)
    {
        var fraction = m.Groups[7].Success ? m.Groups[7].Value : "";
        var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
        var offset = TimeSpan.Zero;
        if (m.Groups[8].Success && m.Groups[8].Value != "Z")
        {
            var z = m.Groups[8].Value.Replace(":", "", StringComparison.Ordinal);
            offset = new TimeSpan(int.Parse(z[1..3], CultureInfo.InvariantCulture), int.Parse(z[3..5], CultureInfo.InvariantCulture), 0);
            offset = z[0] == '-' ? -offset : offset;
        }

        return Safe(() => new DateTimeOffset(Int(m, 1), Int(m, 2), Int(m, 3), Int(m, 4), Int(m, 5), Int(m, 6), offset).AddTicks(ticks));
    }

    private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static int? Month(string name)
    {
        var i = Array.IndexOf(Months, name);
        return i < 0 ? null : i + 1;
    }

    private static DateTimeOffset? Safe(Func<DateTimeOffset> make)
    {
        try
        {
            return make();
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
