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
        // The credential we send is configuration: a called service rejecting it (401/403, a revoked or expired key) points
        // at the secret, and at the change that rotated it when there is one.
        textHits.AddRange(TextSignals(f, CredentialRejectedRegex(), 0.8, "our credentials are rejected").Where(x => textHits.All(t => t.EvidenceId != x.EvidenceId)));
        // From the diffs: a value set to an extreme (0, negative, 10x away from before), and errors that name a changed key.
        var extreme = f.ConfigEdits.Where(e => e.Extreme)
            .Select(e => new Signal(EvidenceKind.Changes, 0.9, e.EvidenceId,
                $"{ChangeCorrelator.Short(e.Sha)} sets {e.Key} in {e.File} to {e.NewValue}" + (e.OldValue is null ? "" : $" (was {e.OldValue})"))).ToList();
        var named = f.NamedConfigKeys.Select(x => new Signal(x.Text.Kind, 0.9 * x.Text.Weight, x.Text.EvidenceId,
            $"the error names {x.Edit.Key}, changed by {ChangeCorrelator.Short(x.Edit.Sha)}: {Clip(x.Text.Display)}")).ToList();

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
            else if (f.Correlation.RecentDeploys.FirstOrDefault() is { Deploy.Fact.Kind: { } kind } recorded && IsConfigKind(kind)
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

            // The same timing evidence a code deploy gets: new errors that began after the change went live, when the
            // change is tied to the failure (a value set to an extreme, or a changed key the errors name).
            if (candidate.LeadTime is { } live && f.ConfigExplanation > 0)
            {
                var liveAt = f.Anchor - live;
                foreach (var t in f.IncidentTemplates.Where(t => t.Fact.IsNew && t.Fact.FirstSeen is { } seen && seen >= liveAt - TimeSpan.FromMinutes(2)))
                {
                    s.Add(new Signal(EvidenceKind.Logs, 0.5 * Decay(t.Fact.FirstSeen!.Value - liveAt, f.Options.ProximityScale), t.EvidenceId,
                        $"new error template after the change: {Clip(t.Fact.Template)}"));
                }
            }
        }

        s.AddRange(textHits);
        s.AddRange(Coincident(f, textHits));

        // Nothing in the configuration change explains the failure (no value set to an extreme, no changed key the errors
        // name, no configuration error) while the errors name another mechanism (a resource ran out, a dependency, the
        // network, the data): the change is only close in time.
        if (f.ConfigExplanation == 0 && textHits.Count == 0 && f.NonCodeErrorText)
        {
            Scale(s, 0.6, EvidenceKind.Changes, EvidenceKind.Metrics);
        }

        // One window, code and configuration both changed: the side that explains the failure less is only close in time.
        if (f.CodeExplanation > f.ConfigExplanation && f.CodeExplanation >= 0.4)
        {
            Scale(s, ReleaseAttribution, EvidenceKind.Changes, EvidenceKind.Metrics, EvidenceKind.Logs);
        }

        if (f.ConfigEdits.FirstOrDefault(e => e.Extreme) is { } edit)
        {
            return $"{edit.Key} set to {edit.NewValue} in {edit.File} ({ChangeCorrelator.Short(edit.Sha)}) broke the service";
        }

        return candidate?.File is { } file ? $"the change to {file} ({candidate.Version}) broke the service" : "a configuration problem: " + FirstFeature(textHits);
    }
}
