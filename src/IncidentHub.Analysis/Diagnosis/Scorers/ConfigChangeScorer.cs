using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class ConfigChangeScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.ConfigChange;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var candidate = f.ConfigSuspect;
        var textHits = TextSignals(f, ConfigErrorRegex(), 0.9, "configuration error");
        // From the diffs: a value set to an extreme (0, negative, 10x away from before), and errors that name a changed key.
        var extreme = f.ConfigEdits.Where(e => e.Extreme)
            .Select(e => new Signal(EvidenceKind.Changes, 0.9, e.EvidenceId,
                $"{ChangeCorrelator.Short(e.Sha)} sets {e.Key} in {e.File} to {e.NewValue}" + (e.OldValue is null ? "" : $" (was {e.OldValue})"))).ToList();
        var named = new List<Signal>();
        foreach (var e in f.ConfigEdits)
        {
            var word = ConfigDiff.KeyWord(e.Key);
            if (word.Length < 5)
            {
                continue;
            }

            named.AddRange(f.IncidentTexts.Where(t => ConfigDiff.Normalise(t.Text).Contains(word, StringComparison.Ordinal))
                .Select(t => new Signal(t.Kind, 0.9 * t.Weight, t.EvidenceId, $"the error names {e.Key}, changed by {ChangeCorrelator.Short(e.Sha)}: {Clip(t.Display)}")));
        }

        textHits.AddRange(named);
        s.AddRange(extreme);
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
            else if (f.Correlation.RecentDeploys.FirstOrDefault() is { Deploy.Fact.Kind: { } kind } recorded && kind.Contains("config", StringComparison.OrdinalIgnoreCase)
                && string.Equals(recorded.Deploy.Fact.Version, candidate.Version, StringComparison.OrdinalIgnoreCase))
            {
                // The deploy system recorded the release as a configuration change.
                s.Add(new Signal(EvidenceKind.Changes, 0.8, recorded.Deploy.EvidenceId, $"{recorded.Deploy.Fact.Version} was deployed as a {kind} change"));
            }

            s.AddRange(candidate.EvidenceIds.Skip(1).Select(id => new Signal(EvidenceKind.Changes, 0.3, id, "configuration change")));
            foreach (var onset in f.ImpactOnsets.Where(x => x.Fact.At >= f.Anchor - lead - TimeSpan.FromMinutes(2)))
            {
                s.Add(new Signal(EvidenceKind.Metrics, 0.6 * Decay(lead, f.Options.ProximityScale), onset.EvidenceId, $"{onset.Fact.SeriesName} went {onset.Fact.Direction} after the change"));
            }
        }

        s.AddRange(textHits);
        s.AddRange(Coincident(f, textHits));
        if (f.ConfigEdits.FirstOrDefault(e => e.Extreme) is { } edit)
        {
            return $"{edit.Key} set to {edit.NewValue} in {edit.File} ({ChangeCorrelator.Short(edit.Sha)}) broke the service";
        }

        return candidate?.File is { } file ? $"the change to {file} ({candidate.Version}) broke the service" : "a configuration problem: " + FirstFeature(textHits);
    }
}
