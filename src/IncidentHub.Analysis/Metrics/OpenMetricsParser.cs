using System.Globalization;
using System.Text;
using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Metrics;

/// <summary>One sample line: <c>name{labels} value [timestamp]</c>. <see cref="At"/> is null when the line has no timestamp.</summary>
public sealed record OpenMetricsSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, DateTimeOffset? At);

/// <summary>A parsed exposition: the declared family types (<c># TYPE</c>) and every sample, in file order.</summary>
public sealed record OpenMetricsDocument(IReadOnlyDictionary<string, string> Types, IReadOnlyList<OpenMetricsSample> Samples, bool SawEof, IReadOnlyList<string> Errors)
{
    /// <summary>The declared type of the family a sample name belongs to ("counter", "gauge", ...), or "unknown".</summary>
    public string TypeOf(string sampleName)
    {
        if (Types.TryGetValue(sampleName, out var type))
        {
            return type;
        }

        foreach (var suffix in (string[])["_total", "_created", "_count", "_sum", "_bucket"])
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && Types.TryGetValue(sampleName[..^suffix.Length], out type))
            {
                return type;
            }
        }

        return "unknown";
    }
}

/// <summary>
/// Parses the OpenMetrics text format (and the Prometheus text format it extends): <c># TYPE</c>
/// lines, samples with labels, explicit timestamps in seconds (fractions allowed), <c># EOF</c>.
/// A bad line is skipped and reported in <see cref="OpenMetricsDocument.Errors"/>; the rest is kept.
/// </summary>
public static class OpenMetricsParser
{
    private const int MaxErrors = 20;

    public static OpenMetricsDocument Parse(string text) => Parse(text.Split('\n'));

    public static OpenMetricsDocument Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<OpenMetricsSample>();
        var errors = new List<string>();
        var eof = false;
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                if (line.Trim() == "# EOF")
                {
                    eof = true;
                    break;
                }

                var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 4 && parts[1] == "TYPE")
                {
                    types[parts[2]] = parts[3].Trim().ToLowerInvariant();
                }

                continue;
            }

            if (TryParseSample(line, out var sample, out var error))
            {
                samples.Add(sample);
            }
            else if (errors.Count < MaxErrors)
            {
                errors.Add($"line {number}: {error}");
            }
        }

        return new OpenMetricsDocument(types, samples, eof, errors);
    }

    private static bool TryParseSample(string line, out OpenMetricsSample sample, out string error)
    {
        sample = default!;
        var i = 0;
        while (i < line.Length && (char.IsLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }

        if (i == 0)
        {
            error = "no metric name";
            return false;
        }

        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            if (!TryParseLabels(line, ref i, labels, '}', out error))
            {
                return false;
            }
        }

        var rest = line[i..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // An exemplar (" # {...} v") follows the value and timestamp; it is not part of the sample.
        var hash = Array.IndexOf(rest, "#");
        if (hash >= 0)
        {
            rest = rest[..hash];
        }

        if (rest.Length is < 1 or > 2 || !TryParseValue(rest[0], out var value))
        {
            error = "expected a value and an optional timestamp";
            return false;
        }

        DateTimeOffset? at = null;
        if (rest.Length == 2)
        {
            if (!double.TryParse(rest[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || double.IsNaN(seconds) || Math.Abs(seconds) > 1e11)
            {
                error = $"bad timestamp '{rest[1]}'";
                return false;
            }

            at = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
        }

        sample = new OpenMetricsSample(name, labels, value, at);
        error = "";
        return true;
    }

    /// <summary>Reads <c>a="x",b="y"</c> up to <paramref name="close"/>; values may hold \" \\ \n escapes.</summary>
    internal static bool TryParseLabels(string text, ref int i, Dictionary<string, string> labels, char close, out string error)
    {
        while (true)
        {
            while (i < text.Length && text[i] is ' ' or ',')
            {
                i++;
            }

            if (i < text.Length && text[i] == close)
            {
                i++;
                error = "";
                return true;
            }

            var start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }

            if (i == start || i >= text.Length || text[i] != '=')
            {
                error = "bad label name";
                return false;
            }

            var key = text[start..i];
            i++;
            if (!TryReadQuoted(text, ref i, out var value))
            {
                error = $"bad value for label {key}";
                return false;
            }

            labels[key] = value;
        }
    }

    internal static bool TryReadQuoted(string text, ref int i, out string value)
    {
        value = "";
        if (i >= text.Length || text[i] != '"')
        {
            return false;
        }

        i++;
        var sb = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i++];
            if (c == '"')
            {
                value = sb.ToString();
                return true;
            }

            if (c == '\\' && i < text.Length)
            {
                var next = text[i++];
                sb.Append(next switch { 'n' => '\n', _ => next });
                continue;
            }

            sb.Append(c);
        }

        return false;
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "NaN": value = double.NaN; return true;
            case "+Inf" or "Inf": value = double.PositiveInfinity; return true;
            case "-Inf": value = double.NegativeInfinity; return true;
            default: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    /// <summary>Groups samples by name and label set into series (points in time order), for one role.</summary>
    public static IReadOnlyList<MetricSeries> ToSeries(IEnumerable<OpenMetricsSample> samples, string query, MetricRole role)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return samples
            .Where(s => s.At is not null)
            .GroupBy(s => SeriesKey(s.Name, s.Labels))
            .Select(g =>
            {
                var first = g.First();
                var points = g.Select(s => new MetricPoint(s.At!.Value, s.Value)).OrderBy(p => p.At).ToList();
                return new MetricSeries(g.Key, query, role, first.Labels, points);
            })
            .ToList();
    }

    public static string SeriesKey(string name, IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0 ? name : $"{name}{{{string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
}
