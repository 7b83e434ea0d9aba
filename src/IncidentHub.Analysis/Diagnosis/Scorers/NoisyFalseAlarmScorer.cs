using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class NoisyFalseAlarmScorer : ICategoryScorer
{
    /// <summary>A change of the service this close before the onset is what a responder suspects first.</summary>
    private static readonly TimeSpan RecentChange = TimeSpan.FromHours(2);

    public HypothesisCategory Category => HypothesisCategory.NoisyFalseAlarm;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        if (f.UserImpact)
        {
            discard = "users are affected: " + f.ImpactReason;
            return "the alert is noise";
        }

        var userSeries = f.Input.Series.Where(x => x.Fact.Role is MetricRole.ErrorRatio or MetricRole.Latency).ToList();
        if (userSeries.Count > 0)
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.8, userSeries[0].EvidenceId, "no user-facing metric (error ratio, latency) changed"));
        }
        else if (f.Input.Series.Any(x => x.Fact.Role is MetricRole.Saturation) && f.Input.Series.All(x => x.Fact.Role is not MetricRole.Traffic)
                 && (f.Input.ServiceTier is null or >= 3))
        {
            var sat = f.Input.Series.First(x => x.Fact.Role is MetricRole.Saturation);
            s.Add(new Signal(EvidenceKind.Metrics, 0.6, sat.EvidenceId, "only a saturation metric, on a host that serves no user traffic"));
        }

        foreach (var name in f.Recovered)
        {
            var series = f.Input.Series.FirstOrDefault(x => x.Fact.Name == name);
            s.Add(new Signal(EvidenceKind.Metrics, 0.8, series?.EvidenceId, $"{name} went back down on its own (flapping)"));
        }

        // Known messages at a changed rate are what a busy batch looks like; a new error or a stack trace is not.
        if (f.Input.Templates.Count > 0 && !f.IncidentTemplates.Any(t => t.Fact.IsNew) && f.IncidentTraces.Count == 0)
        {
            s.Add(new Signal(EvidenceKind.Logs, 0.8, f.Input.Templates[0].EvidenceId,
                f.IncidentTemplates.Count == 0 ? "no new or surging error templates in the logs" : "no new error templates or stack traces in the logs, only known messages"));
        }
        else if (f.IncidentTraces.Count == 0 && f.IncidentTemplates.Where(t => t.Fact.IsNew).ToList() is { Count: > 0 } sporadic
                 && sporadic.All(t => t.Fact.IncidentCount < Facts.RepeatedErrors))
        {
            // A new message seen a handful of times in the whole window is what a rare, pre-existing warning looks like
            // when the window is short; an outage repeats its error.
            s.Add(new Signal(EvidenceKind.Logs, 0.6, sporadic[0].EvidenceId,
                $"the only new errors are sporadic ({sporadic.Sum(t => t.Fact.IncidentCount)} line(s) in the window), no stack traces"));
        }

        // The alarm fired during a scheduled batch of the same service: expected load.
        foreach (var task in f.Input.Deploys.Where(d => IsScheduledTask(d.Fact) && d.Fact.At <= f.Input.AlertAt && f.Input.AlertAt - d.Fact.At <= TimeSpan.FromHours(2)
                     && (f.Input.Service is null || string.Equals(d.Fact.Service, f.Input.Service, StringComparison.OrdinalIgnoreCase))))
        {
            s.Add(new Signal(EvidenceKind.Changes, 0.7, task.EvidenceId,
                $"scheduled {task.Fact.Kind} {task.Fact.Version} started {ChangeCorrelator.Minutes(f.Input.AlertAt - task.Fact.At)} before the alarm: expected load"));
        }

        // A probe fails from one place while the target answers from elsewhere and users' requests are served: the
        // probe's own path is what broke.
        foreach (var probe in f.ConfinedProbes.Where(_ => f.UsersMeasuredFine).Take(1))
        {
            s.Add(new Signal(EvidenceKind.Health, 0.8, probe.FailingEvidenceId,
                $"{probe.Failing} fails while {probe.Healthy} passes and users' requests are served: the probe's own path failed"));
        }

        var healthy = f.Input.Health.Where(h => !IsFailing(h.Fact)).ToList();
        if (healthy.Count > 0 && healthy.Count == f.Input.Health.Count)
        {
            s.Add(new Signal(EvidenceKind.Health, 0.7, healthy[0].EvidenceId, "all health checks pass"));
        }

        if (FlappingRegex().IsMatch(f.Input.Title) || f.Input.AlertLabels.Values.Any(v => FlappingRegex().IsMatch(v)))
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.6, null, "the alert is described as flapping"));
        }

        // A change of the service shortly before the alert, and nothing that shows noise of its own (a series that came back
        // down, a flapping alert, a scheduled task, a probe failing from one place only): the quiet is not yet noise. The
        // alert is the impact reading a responder trusts until something shows it is wrong.
        var change = f.Correlation.RecentDeploys.FirstOrDefault(w => w.LeadTime <= RecentChange && !IsScheduledTask(w.Deploy.Fact));
        if (change is not null && f.Recovered.Count == 0 && !(f.ConfinedProbes.Count > 0 && f.UsersMeasuredFine)
            && !FlappingRegex().IsMatch(f.Input.Title) && !f.Input.AlertLabels.Values.Any(v => FlappingRegex().IsMatch(v))
            && !s.Any(x => x.Kind == EvidenceKind.Changes))
        {
            Scale(s, 0.6);
            s.Add(new Signal(EvidenceKind.Changes, 0, change.Deploy.EvidenceId,
                $"{change.Deploy.Fact.Version} went live {ChangeCorrelator.Minutes(change.LeadTime)} before the onset and nothing shows the alert is noise"));
        }

        return "the alert fired without user impact (noisy threshold)";
    }
}
