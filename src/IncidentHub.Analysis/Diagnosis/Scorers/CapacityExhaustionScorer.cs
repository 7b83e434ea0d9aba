using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class CapacityExhaustionScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.CapacityExhaustion;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var saturation = f.Onsets.Where(x => x.Fact.Role == MetricRole.Saturation && x.Fact.Direction == "up").ToList();
        var text = TextSignals(f, CapacityErrorRegex(), 0.9, "resource exhaustion");
        var atMax = f.AtMaximum.Where(m => !SequenceNameRegex().IsMatch(m.Name)).ToList();
        // Any resource: "limit reached" language in new or surging errors (not a called service's rate limit), and
        // usage series at or near their limit series.
        var limitText = f.IncidentTexts
            .Where(t => LimitLanguageRegex().IsMatch(t.Text) && !CapacityErrorRegex().IsMatch(t.Text) && !DependencyErrorRegex().IsMatch(t.Text))
            .Select(t => new Signal(t.Kind, 0.75 * t.Weight, t.EvidenceId, $"a limit was reached: {Clip(t.Display)} (\"{Clip(LimitLanguageRegex().Match(t.Text).Value, 60)}\")"))
            .ToList();
        // Processes killed or evicted for lack of memory or space (an OOM-kill or eviction counter going up), whatever the resource.
        var killed = f.Onsets.Where(x => x.Fact.Direction == "up" && LimitSeries.Tokens(x.Fact.SeriesName).Any(t => ExhaustionKillTokenRegex().IsMatch(t)))
            .Select(x => new Signal(EvidenceKind.Metrics, 0.9, x.EvidenceId, $"{x.Fact.SeriesName} rose from {Num(x.Fact.Before)} to {Num(x.Fact.After)}: processes killed for lack of a resource")).ToList();
        var nearLimit = f.NearLimit.Select(n => new Signal(EvidenceKind.Metrics, n.Fraction >= 0.999 ? 0.9 : 0.7, n.EvidenceId, n.Feature)).ToList();
        if (saturation.Count == 0 && text.Count == 0 && atMax.Count == 0 && limitText.Count == 0 && nearLimit.Count == 0 && killed.Count == 0)
        {
            discard = "no saturation metric moved, no usage near its limit and no resource-exhaustion errors were logged";
            return "a resource ran out";
        }

        // A queue or pool that filled only after requests had started failing is a consequence of the failure, not its cause.
        s.AddRange(saturation.Select(x => x.Fact.At > f.Anchor + CoincidenceWindow
            ? new Signal(EvidenceKind.Metrics, 0.4, x.EvidenceId, $"{x.Fact.SeriesName} rose from {Num(x.Fact.Before)} to {Num(x.Fact.After)}, after the failures began ({x.Fact.At:HH:mm:ss})")
            : new Signal(EvidenceKind.Metrics, 0.9, x.EvidenceId, $"{x.Fact.SeriesName} rose from {Num(x.Fact.Before)} to {Num(x.Fact.After)}")));
        s.AddRange(atMax.Select(m => new Signal(EvidenceKind.Metrics, 0.9, m.EvidenceId, $"{m.Name} reached its maximum")));
        s.AddRange(text);
        s.AddRange(limitText);
        s.AddRange(nearLimit);
        s.AddRange(killed);
        s.AddRange(Coincident(f, [.. text, .. limitText]));

        // A surge loaded the service: the surge is the cause, even when the resource it loaded reached its limit (the
        // corpus's truths disagree on that case; see docs/decisions/035, "Removed").
        if (f.TrafficSurge is { } surge)
        {
            Scale(s, 0.5);
            s.Add(new Signal(EvidenceKind.Metrics, 0, surge.EvidenceId, "saturation follows a traffic surge"));
        }

        // Saturation that began after a configuration value was set to an extreme, with no usage at its limit and no
        // traffic surge: fewer or slower workers after the change, which is the cause to name (config-change).
        if (f.TrafficSurge is null && !f.ExhaustionShown && f.NearLimit.Count == 0 && atMax.Count == 0
            && f.ConfigSuspect is { LeadTime: not null } change && f.ConfigEdits.Any(e => e.Extreme && e.MadeBy(change)))
        {
            Scale(s, 0.6);
            s.Add(new Signal(EvidenceKind.Changes, 0, change.EvidenceIds.FirstOrDefault(), "saturation follows a configuration change that set a value to an extreme"));
        }

        if (!f.UserImpact)
        {
            // Saturation nobody felt: weaker, and weaker still when it came back down by itself.
            var recovered = saturation.Count > 0 && saturation.All(x => f.Recovered.Contains(x.Fact.SeriesName));
            Scale(s, recovered ? 0.3 : 0.5);
        }

        var first = saturation.FirstOrDefault()?.Fact.SeriesName ?? (atMax.Count > 0 ? atMax[0].Name : null) ?? f.NearLimit.FirstOrDefault()?.Name;
        return first is not null ? $"{first} saturated and requests failed for lack of capacity" : "resources ran out: " + FirstFeature([.. text, .. limitText]);
    }
}
