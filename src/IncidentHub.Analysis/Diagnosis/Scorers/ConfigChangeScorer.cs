using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class ConfigChangeScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.ConfigChange;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var candidate = f.Correlation.BestConfig;
        var textHits = TextSignals(f, ConfigErrorRegex(), 0.9, "configuration error");
        if (candidate is null && textHits.Count == 0)
        {
            discard = "no deploy or commit touched configuration and no configuration errors were logged";
            return "a configuration change broke the service";
        }

        if (candidate is not null)
        {
            var lead = candidate.LeadTime ?? TimeSpan.Zero;
            s.Add(new Signal(EvidenceKind.Changes, 0.3 + 0.7 * Decay(lead, f.Options.ProximityScale), candidate.EvidenceIds.FirstOrDefault(), candidate.Reason));
            if (f.Correlation.RecentDeploys.FirstOrDefault() is { } latest && OnlyConfiguration(latest)
                && string.Equals(latest.Deploy.Fact.Version, candidate.Version, StringComparison.OrdinalIgnoreCase))
            {
                s.Add(new Signal(EvidenceKind.Changes, 1.0, latest.Deploy.EvidenceId, $"{latest.Deploy.Fact.Version} changed only configuration"));
            }

            s.AddRange(candidate.EvidenceIds.Skip(1).Select(id => new Signal(EvidenceKind.Changes, 0.3, id, "configuration change")));
            foreach (var onset in f.UserOnsets.Where(x => x.Fact.At >= f.Anchor - lead - TimeSpan.FromMinutes(2)))
            {
                s.Add(new Signal(EvidenceKind.Metrics, 0.6 * Decay(lead, f.Options.ProximityScale), onset.EvidenceId, $"{onset.Fact.SeriesName} went {onset.Fact.Direction} after the change"));
            }
        }

        s.AddRange(textHits);
        s.AddRange(Coincident(f, textHits));
        return candidate?.File is { } file ? $"the change to {file} ({candidate.Version}) broke the service" : "a configuration problem: " + FirstFeature(textHits);
    }
}
