using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class DependencyFailureScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.DependencyFailure;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, DependencyErrorRegex(), 0.9, "upstream error");
        var health = f.Input.Health.Where(h => IsFailing(h.Fact) && !IsOwnHealth(h.Fact, f.Input.Service))
            .Select(h => new Signal(EvidenceKind.Health, 0.9, h.EvidenceId, $"dependency health check {h.Fact.Url} failed ({h.Fact.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? h.Fact.Error})")).ToList();
        var metrics = f.Onsets.Where(x => x.Fact.Direction == "up" && x.Fact.Role is MetricRole.ErrorRatio or MetricRole.Latency or MetricRole.Other
                && UpstreamSeriesRegex().IsMatch(x.Fact.SeriesName))
            .Select(x => new Signal(EvidenceKind.Metrics, 0.7, x.EvidenceId, $"{x.Fact.SeriesName} rose")).ToList();
        // A blackbox probe of something other than this service that started failing.
        // A probe that fails only from one zone or host while the same target answers from elsewhere is not this: the
        // dependency is up, the path to it is cut (network/dns).
        var confined = f.ConfinedProbes.Select(c => c.Failing).ToHashSet(StringComparer.Ordinal);
        health.AddRange(f.Onsets.Where(x => x.Fact.Direction == "down" && ProbeSeriesRegex().IsMatch(x.Fact.SeriesName) && !confined.Contains(x.Fact.SeriesName)
                && (f.Input.Service is null || !x.Fact.SeriesName.Contains(f.Input.Service, StringComparison.OrdinalIgnoreCase)))
            .Select(x => new Signal(EvidenceKind.Health, 0.9, x.EvidenceId, $"{x.Fact.SeriesName} fell from {Num(x.Fact.Before)} to {Num(x.Fact.After)} (the dependency's probe fails)")));
        if (text.Count == 0 && health.Count == 0 && metrics.Count == 0)
        {
            discard = "no errors from an upstream dependency and no failing dependency health check";
            return "an upstream dependency failed";
        }

        s.AddRange(text);
        s.AddRange(health);
        s.AddRange(metrics);
        s.AddRange(Coincident(f, text));
        if (f.TrafficSurge is not null)
        {
            Scale(s, 0.6);
        }

        if (f.ConfinedProbes.Count > 0)
        {
            Scale(s, 0.5);
        }

        var host = f.IncidentTexts.Select(t => HostRegex().Match(t.Text)).FirstOrDefault(m => m.Success)?.Value;
        return $"an upstream dependency{(host is null ? "" : $" ({host})")} is failing: " + FirstFeature(text.Count > 0 ? text : health);
    }
}
