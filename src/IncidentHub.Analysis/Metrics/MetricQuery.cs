using System.Globalization;
using System.Text.RegularExpressions;
using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Metrics;

/// <summary>One label matcher of a selector: <c>=</c>, <c>!=</c>, <c>=~</c>, <c>!~</c> (regexes are anchored, as in PromQL).</summary>
public sealed record LabelMatcher(string Name, string Op, string Value)
{
    private readonly Regex? _regex = Op is "=~" or "!~" ? new Regex($"^(?:{Value})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)) : null;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var actual = labels.TryGetValue(Name, out var v) ? v : "";
        return Op switch
        {
            "=" => actual == Value,
            "!=" => actual != Value,
            "=~" => _regex!.IsMatch(actual),
            _ => !_regex!.IsMatch(actual),
        };
    }
}

/// <summary>A series selector <c>name{label="v",...}</c>; the name may also come as <c>__name__</c>.</summary>
public sealed record SeriesSelector(string? Name, IReadOnlyList<LabelMatcher> Matchers)
{
    public bool Matches(OpenMetricsSample sample) =>
        (Name is null || Name == sample.Name) && Matchers.All(m => m.Name == "__name__" ? m.Matches(new Dictionary<string, string> { ["__name__"] = sample.Name }) : m.Matches(sample.Labels));
}

/// <summary>
/// The subset of PromQL a catalog can run against an OpenMetrics file: a selector, <c>rate(sel[5m])</c>,
/// <c>sum(...)</c> and one division <c>a / b</c> (for error ratios). A plain selector on a counter is
/// turned into a per-second rate, because a raw counter's level means nothing for onsets.
/// </summary>
public abstract record MetricQuery
{
    public sealed record Select(SeriesSelector Selector) : MetricQuery;

    public sealed record Rate(SeriesSelector Selector, TimeSpan Window) : MetricQuery;

    public sealed record Sum(MetricQuery Inner) : MetricQuery;

    public sealed record Ratio(MetricQuery Numerator, MetricQuery Denominator) : MetricQuery;

    /// <summary>Parses a query or throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static MetricQuery Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Reader(text);
        var query = reader.ParseExpression();
        reader.SkipSpaces();
        if (!reader.AtEnd)
        {
            throw new FormatException($"Unexpected '{text[reader.Position..]}' in metric query '{text}'.");
        }

        return query;
    }

    /// <summary>Evaluates the query over a parsed document, keeping points within [from, to].</summary>
    public IReadOnlyList<MetricSeries> Evaluate(OpenMetricsDocument document, string query, MetricRole role, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Eval(this, document, query, role)
            .Select(s => s with { Points = s.Points.Where(p => p.At >= from && p.At <= to).ToList() })
            .Where(s => s.Points.Count > 0)
            .ToList();
    }

    private static List<MetricSeries> Eval(MetricQuery q, OpenMetricsDocument doc, string query, MetricRole role)
    {
        switch (q)
        {
            case Select s:
                return OpenMetricsParser.ToSeries(doc.Samples.Where(s.Selector.Matches), query, role)
                    .Select(series => doc.TypeOf(series.Name.Split('{')[0]) == "counter"
                        ? series with { Points = PerSecond(series.Points, null) }
                        : series)
                    .ToList();
            case Rate r:
                return OpenMetricsParser.ToSeries(doc.Samples.Where(r.Selector.Matches), query, role)
                    .Select(series => series with { Points = PerSecond(series.Points, r.Window) })
                    .ToList();
            case Sum sum:
                var inner = Eval(sum.Inner, doc, query, role);
                if (inner.Count == 0)
                {
                    return [];
                }

                var points = inner.SelectMany(s => s.Points).GroupBy(p => p.At).OrderBy(g => g.Key)
                    .Select(g => new MetricPoint(g.Key, g.Sum(p => p.Value))).ToList();
                return [new MetricSeries($"sum({inner[0].Name.Split('{')[0]})", query, role, new Dictionary<string, string>(), points)];
            case Ratio ratio:
                var top = Collapse(Eval(ratio.Numerator, doc, query, role));
                var bottom = Collapse(Eval(ratio.Denominator, doc, query, role));
                if (top is null || bottom is null)
                {
                    return [];
                }

                var denominators = bottom.Points.ToDictionary(p => p.At, p => p.Value);
                var divided = top.Points
                    .Where(p => denominators.TryGetValue(p.At, out var d) && d != 0)
                    .Select(p => new MetricPoint(p.At, p.Value / denominators[p.At]))
                    .ToList();
                return [new MetricSeries(query, query, role, new Dictionary<string, string>(), divided)];
            default:
                throw new InvalidOperationException($"Unknown query node {q.GetType().Name}.");
        }
    }

    /// <summary>A division needs one series on each side: several are summed.</summary>
    private static MetricSeries? Collapse(List<MetricSeries> series) =>
        series.Count switch
        {
            0 => null,
            1 => series[0],
            _ => series[0] with
            {
                Points = series.SelectMany(s => s.Points).GroupBy(p => p.At).OrderBy(g => g.Key).Select(g => new MetricPoint(g.Key, g.Sum(p => p.Value))).ToList(),
            },
        };

    /// <summary>
    /// Per-second increase of a counter at each point: over the look-back window when given (the
    /// oldest point inside it), else since the previous point. A drop is a counter reset: the new
    /// value counts as the increase.
    /// </summary>
    public static IReadOnlyList<MetricPoint> PerSecond(IReadOnlyList<MetricPoint> points, TimeSpan? window)
    {
        ArgumentNullException.ThrowIfNull(points);
        var result = new List<MetricPoint>(points.Count);
        var start = 0;
        for (var i = 1; i < points.Count; i++)
        {
            if (window is { } w)
            {
                while (start < i - 1 && points[i].At - points[start].At > w)
                {
                    start++;
                }
            }
            else
            {
                start = i - 1;
            }

            double increase = 0;
            for (var k = start + 1; k <= i; k++)
            {
                var delta = points[k].Value - points[k - 1].Value;
                increase += delta >= 0 ? delta : points[k].Value;
            }

            var seconds = (points[i].At - points[start].At).TotalSeconds;
            if (seconds > 0)
            {
                result.Add(new MetricPoint(points[i].At, increase / seconds));
            }
        }

        return result;
    }

    private sealed class Reader(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public void SkipSpaces()
        {
            while (Position < text.Length && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        public MetricQuery ParseExpression()
        {
            var left = ParseTerm();
            SkipSpaces();
            if (!AtEnd && text[Position] == '/')
            {
                Position++;
                var right = ParseTerm();
                return new Ratio(left, right);
            }

            return left;
        }

        private MetricQuery ParseTerm()
        {
            SkipSpaces();
            if (!AtEnd && text[Position] == '(')
            {
                Position++;
                var inner = ParseExpression();
                Expect(')');
                return inner;
            }

            var word = ReadName();
            SkipSpaces();
            if (word is "sum" && Peek('('))
            {
                Position++;
                var inner = ParseExpression();
                Expect(')');
                return new Sum(inner);
            }

            if (word is "rate" or "increase" && Peek('('))
            {
                Position++;
                var selector = ParseSelector(ReadName());
                Expect('[');
                var start = Position;
                while (!AtEnd && text[Position] != ']')
                {
                    Position++;
                }

                var window = ParseDuration(text[start..Position]);
                Expect(']');
                Expect(')');
                return new Rate(selector, window);
            }

            return new Select(ParseSelector(word));
        }

        private SeriesSelector ParseSelector(string name)
        {
            SkipSpaces();
            var matchers = new List<LabelMatcher>();
            if (Peek('{'))
            {
                Position++;
                while (true)
                {
                    SkipSpaces();
                    if (Peek('}'))
                    {
                        Position++;
                        break;
                    }

                    if (Peek(','))
                    {
                        Position++;
                        continue;
                    }

                    var label = ReadName();
                    SkipSpaces();
                    var op = !AtEnd && Position + 1 < text.Length && text.Substring(Position, 2) is "=~" or "!~" or "!="
                        ? text.Substring(Position, 2)
                        : Peek('=') ? "=" : throw new FormatException($"Expected a matcher after '{label}' in '{text}'.");
                    Position += op.Length;
                    SkipSpaces();
                    var at = Position;
                    if (!OpenMetricsParser.TryReadQuoted(text, ref at, out var value))
                    {
                        throw new FormatException($"Expected a quoted value for '{label}' in '{text}'.");
                    }

                    Position = at;
                    matchers.Add(new LabelMatcher(label, op, value));
                }
            }

            if (name.Length == 0 && matchers.Count == 0)
            {
                throw new FormatException($"Expected a metric name or selector in '{text}'.");
            }

            return new SeriesSelector(name.Length == 0 ? null : name, matchers);
        }

        private string ReadName()
        {
            SkipSpaces();
            var start = Position;
            while (!AtEnd && (char.IsLetterOrDigit(text[Position]) || text[Position] is '_' or ':'))
            {
                Position++;
            }

            return text[start..Position];
        }

        private bool Peek(char c) => !AtEnd && text[Position] == c;

        private void Expect(char c)
        {
            SkipSpaces();
            if (!Peek(c))
            {
                throw new FormatException($"Expected '{c}' at position {Position} in '{text}'.");
            }

            Position++;
        }

        private TimeSpan ParseDuration(string value)
        {
            var match = Regex.Match(value.Trim(), "^([0-9]+)(ms|s|m|h|d)$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            if (!match.Success)
            {
                throw new FormatException($"Bad range '{value}' in '{text}' (use 30s, 1m, 5m, 1h).");
            }

            var n = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }
    }
}
