using System.Text.RegularExpressions;
using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Logs;

public sealed record TemplateShiftOptions
{
    /// <summary>How long the incident window runs from the incident start; null: to the last line.</summary>
    public TimeSpan? IncidentWindow { get; init; }

    /// <summary>Smoothed rate ratio (incident over baseline) from which a known template counts as surging.</summary>
    public double MinSurge { get; init; } = 2.0;

    /// <summary>Most templates returned (new and surging, best first).</summary>
    public int MaxResults { get; init; } = 20;

    /// <summary>Example lines kept per template (distinct texts, earliest first).</summary>
    public int MaxExamples { get; init; } = 3;

    /// <summary>Header format for <see cref="LogHeaderParser.Create"/>: the header is stripped before mining.</summary>
    public string? Format { get; init; }

    public LogMinerOptions Miner { get; init; } = new();
}

/// <summary>
/// Turns raw log lines into <see cref="TemplateShift"/> facts: which message templates are new in the
/// incident window or come much more often than in the baseline window before it.
/// </summary>
public static partial class LogTemplateAnalysis
{
    /// <summary>
    /// Templates new in the incident window or surging against the baseline, ranked by smoothed surge (formula in
    /// decision 008). A line without a timestamp takes the time of the line before it in the same source.
    /// </summary>
    public static IReadOnlyList<TemplateShift> Compare(IEnumerable<LogLine> lines, DateTimeOffset incidentStart, TimeSpan baseline, TemplateShiftOptions? options = null)
    {
        if (baseline <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(baseline), "The baseline window must be longer than zero.");
        }

        options ??= new TemplateShiftOptions();
        var baselineStart = incidentStart - baseline;
        var sources = new Dictionary<string, SourceState>(StringComparer.Ordinal);
        DateTimeOffset? lastSeen = null;
        foreach (var line in lines)
        {
            if (!sources.TryGetValue(line.Source, out var source))
            {
                source = new SourceState(new LogMiner(options.Miner), LogHeaderParser.Create(options.Format));
                sources[line.Source] = source;
            }

            var parsed = source.Parser.Parse(line.Text);
            var at = line.At ?? parsed.At ?? source.LastAt;
            if (at is null)
            {
                continue;
            }

            source.LastAt = at;
            if (at < baselineStart || (options.IncidentWindow is { } window && at >= incidentStart + window))
            {
                continue;
            }

            lastSeen = lastSeen is null || at > lastSeen ? at : lastSeen;
            var id = source.Miner.Add(parsed.Content);
            if (!source.Counts.TryGetValue(id, out var counts))
            {
                counts = new Counts(at.Value);
                source.Counts[id] = counts;
            }

            if (at < counts.FirstSeen)
            {
                counts.FirstSeen = at.Value;
            }

            if (at < incidentStart)
            {
                counts.Baseline++;
            }
            else
            {
                counts.Incident++;
                if (counts.Examples.Count < options.MaxExamples && !counts.Examples.Contains(line.Text))
                {
                    counts.Examples.Add(line.Text);
                }
            }
        }

        var incidentLength = options.IncidentWindow ?? (lastSeen is { } end && end > incidentStart ? end - incidentStart : TimeSpan.Zero);
        var incidentMinutes = Math.Max(incidentLength.TotalMinutes, 1);
        var baselineMinutes = Math.Max(baseline.TotalMinutes, 1);

        var shifts = new List<TemplateShift>();
        foreach (var (name, source) in sources)
        {
            // Ids merged later count toward their surviving cluster.
            foreach (var group in source.Counts.GroupBy(p => source.Miner.Resolve(p.Key).Id))
            {
                var incident = group.Sum(p => p.Value.Incident);
                if (incident == 0)
                {
                    continue;
                }

                var before = group.Sum(p => p.Value.Baseline);
                var surge = ((incident + 1) / incidentMinutes) / ((before + 1) / baselineMinutes);
                var isNew = before == 0;
                if (!isNew && surge < options.MinSurge)
                {
                    continue;
                }

                var template = source.Miner.Resolve(group.Key).Template;
                var examples = group.OrderBy(p => p.Value.FirstSeen).SelectMany(p => p.Value.Examples).Distinct().Take(options.MaxExamples).ToList();
                shifts.Add(new TemplateShift(name, template, before, incident, group.Min(p => p.Value.FirstSeen), examples, isNew, Math.Round(surge, 3), LooksLikeError(template) || examples.Any(LooksLikeError)));
            }
        }

        return [.. shifts
            .OrderByDescending(s => s.Surge)
            .ThenByDescending(s => s.IncidentCount)
            .ThenBy(s => s.Source, StringComparer.Ordinal)
            .ThenBy(s => s.Template, StringComparer.Ordinal)
            .Take(options.MaxResults)];
    }

    /// <summary>
    /// True when a template (or line) reads like a failure: error/exception/fail/fatal/panic/timeout
    /// words, refused/denied/unavailable/unreachable, an out-of-memory, a traceback, or an HTTP 5xx status.
    /// Whole words only, so "errorless" or "failover-ready" style identifiers do not count.
    /// </summary>
    public static bool LooksLikeError(string text) => ErrorWords().IsMatch(text);

    [GeneratedRegex(
        @"(?ix)
        \b(error|errors|err|exception|fail|failed|failure|failing|fatal|panic|panicked|crash|crashed|critical|
           timeout|timed\s+out|refused|denied|unauthori[sz]ed|forbidden|unavailable|unreachable|abort|aborted|
           traceback|segfault|deadlock|oom|out\s+of\s+memory|cannot|can't|could\s+not|unable)\b
        | \w+(Exception|Error)\b
        | \b(status|code|HTTP/\d(\.\d)?""?)[\s:=]+5\d\d\b",
        RegexOptions.CultureInvariant)]
    private static partial Regex ErrorWords();

    private sealed class SourceState(LogMiner miner, LogHeaderParser parser)
    {
        public LogMiner Miner { get; } = miner;

        public LogHeaderParser Parser { get; } = parser;

        public Dictionary<int, Counts> Counts { get; } = [];

        public DateTimeOffset? LastAt { get; set; }
    }

    private sealed class Counts(DateTimeOffset firstSeen)
    {
        public DateTimeOffset FirstSeen { get; set; } = firstSeen;

        public int Baseline { get; set; }

        public int Incident { get; set; }

        public List<string> Examples { get; } = [];
    }
}
