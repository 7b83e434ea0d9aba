using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class BadDeployScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.BadDeployCode;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var window = f.Correlation.RecentDeploys.FirstOrDefault();
        var blame = f.CodeSuspect;
        if (window is null && blame is null)
        {
            discard = $"no deploy of {f.ServiceName} in the {Hours(f.Options.DeployLookback)} before the onset";
            return "a recent deploy introduced a code defect";
        }

        // A scheduled task, or a redeploy of the commit already running, ships no new code.
        if (blame is null && window is not null && (IsScheduledTask(window.Deploy.Fact)
                || (window.Previous?.Fact.Commit is { } before && window.Deploy.Fact.Commit is { } now && ChangeCorrelator.ShaMatches(before, now))))
        {
            discard = $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} shipped no new code ({window.Deploy.Fact.Kind ?? "same commit as " + window.Previous?.Fact.Version})";
            return "a recent deploy introduced a code defect";
        }

        // A release that changed only configuration (settings files, or a config-kind deploy) shipped no code defect.
        if (blame is null && window is not null && OnlyConfiguration(window))
        {
            discard = $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} changed only configuration, no code (see config-change)";
            return "a recent deploy introduced a code defect";
        }

        if (blame is not null)
        {
            s.Add(new Signal(EvidenceKind.Changes, blame.Score, blame.EvidenceIds.FirstOrDefault(), blame.Reason));
            s.AddRange(blame.EvidenceIds.Skip(1).Select(id => new Signal(EvidenceKind.Changes, blame.Score, id, "blamed change")));
        }

        if (window is not null)
        {
            s.Add(new Signal(EvidenceKind.Changes, 0.6 * window.Proximity, window.Deploy.EvidenceId,
                $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} deployed {ChangeCorrelator.Minutes(window.LeadTime)} before the onset"));
        }

        var deployAt = window?.Deploy.Fact.At ?? f.Anchor;
        foreach (var t in f.IncidentTraces)
        {
            var after = t.Fact.FirstSeen is not { } seen || seen >= deployAt - TimeSpan.FromMinutes(2);
            var hasApp = t.Fact.Frames.Any(fr => fr.IsApplicationCode);
            if (!after || !hasApp)
            {
                continue;
            }

            var codeBug = CodeBugRegex().IsMatch(t.Fact.ExceptionType) || CodeBugRegex().IsMatch(t.Fact.Message);
            var proximity = t.Fact.FirstSeen is { } first ? Decay(first - deployAt, f.Options.ProximityScale) : 0.5;
            s.Add(new Signal(EvidenceKind.Traces, (codeBug ? 1.0 : 0.6) * proximity, t.EvidenceId,
                $"{t.Fact.ExceptionType} in application code ({t.Fact.Count}x) first seen after the deploy"));
        }

        foreach (var t in f.IncidentTemplates.Where(t => t.Fact.IsNew && t.Fact.FirstSeen is { } seen && seen >= deployAt - TimeSpan.FromMinutes(2)))
        {
            var proximity = Decay(t.Fact.FirstSeen!.Value - deployAt, f.Options.ProximityScale);
            var codeBug = CodeBugRegex().IsMatch(t.Fact.Template);
            s.Add(new Signal(EvidenceKind.Logs, (codeBug ? 0.8 : 0.5) * proximity, t.EvidenceId, $"new error template after the deploy: {Clip(t.Fact.Template)}"));
        }

        foreach (var onset in f.ImpactOnsets.Where(x => x.Fact.At >= deployAt - TimeSpan.FromMinutes(2)))
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.7 * Decay(onset.Fact.At - deployAt, f.Options.ProximityScale), onset.EvidenceId,
                $"{onset.Fact.SeriesName} went {onset.Fact.Direction} after the deploy"));
        }

        // The failing lines were blamed, and no change of the window touches their files: the code that fails did not
        // change, so the errors say little about the deploy's code (a changed setting or input reaches unchanged code).
        if (blame is null && f.Input.Blame.Count > 0 && f.Correlation.BestExplained is not { Explanation: >= 0.4 })
        {
            Scale(s, 0.5, EvidenceKind.Traces, EvidenceKind.Logs);
        }

        // A better explanation in the errors themselves (an expired certificate, a full sequence) weakens "the code changed".
        if (f.NonCodeErrorText && !f.DataWrittenByCode)
        {
            Scale(s, 0.5, EvidenceKind.Traces, EvidenceKind.Logs);
        }

        // A non-code mechanism shown twice over and no failing frame blamed: the deploy shipped a migration and queries
        // wait on a lock or the read replicas fell behind, or the errors say a limit was reached and a usage series sits
        // at it. The deploy led there at most through the schema or the resource, which is the cause to name.
        if (blame is null && (f.MigrationMechanismShown || f.ExhaustionShown))
        {
            Scale(s, 0.6, EvidenceKind.Changes, EvidenceKind.Metrics);
        }
        else if (f.Poison.Count > 0 && f.CodeExplanation < 0.4)
        {
            // One message fails again and again and no change of the window touches the failing code: the input, not
            // the deploy, is what changed on the failing path.
            Scale(s, 0.5);
        }
        else if (blame is null && f.NonCodeErrorText && f.Correlation.BestExplained is not { Explanation: >= 0.4 })
        {
            // The errors name another cause (a certificate, a dependency, the network, the data) and no change of the
            // window explains the failing code: the deploy is only close in time.
            Scale(s, 0.6, EvidenceKind.Changes, EvidenceKind.Metrics);
        }

        // The called service fails its own probe and our errors are its answers: a change of ours may sit on the failing
        // path (even touch the failing call), but it did not take the other service down.
        if (f.DependencyDown)
        {
            Scale(s, 0.6);
        }

        // We fail to verify a peer's certificate and no change of ours touched certificates, trust or TLS: the peer's
        // certificate changed (a rotation, an expiry), not our code, even when our deploy sits on the failing call.
        if (f.PeerCertificateChanged)
        {
            Scale(s, 0.6);
        }

        // One window, code and configuration both changed: when the configuration side explains the failure better (a
        // value set to an extreme, a changed key the errors name) than any code change explains the failing frames, the
        // deploy's timing, its errors and its impact belong to the configuration change.
        if (f.ConfigExplanation > f.CodeExplanation)
        {
            Scale(s, ReleaseAttribution);
        }

        var what = blame is not null ? $"{blame.File}:{blame.Line} changed by {ChangeCorrelator.Short(blame.Commit)}" : "the deployed code";
        return window is not null
            ? $"{window.Deploy.Fact.Service} {window.Deploy.Fact.Version} introduced a defect ({what}) that fails requests since the deploy"
            : $"a recent commit ({what}) introduced a defect";
    }
}
