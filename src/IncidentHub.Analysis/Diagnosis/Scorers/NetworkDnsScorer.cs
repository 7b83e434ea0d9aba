using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class NetworkDnsScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.NetworkDns;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, NetworkErrorRegex(), 0.9, "network/DNS error");
        var health = f.Input.Health.Where(h => h.Fact.Error is { } e && NetworkErrorRegex().IsMatch(e))
            .Select(h => new Signal(EvidenceKind.Health, 0.9, h.EvidenceId, $"health check {h.Fact.Url}: {Clip(h.Fact.Error!)}")).ToList();
        var dns = f.Onsets.Where(x => x.Fact.Direction == "up" && DnsFailureSeriesRegex().IsMatch(x.Fact.SeriesName))
            .Select(x => new Signal(EvidenceKind.Metrics, 0.8, x.EvidenceId, $"{x.Fact.SeriesName} rose from {Num(x.Fact.Before)} to {Num(x.Fact.After)}")).ToList();
        // The target answers probes from elsewhere but not from here: a partition of one zone or subset of hosts.
        health.AddRange(f.ConfinedProbes.Select(c => new Signal(EvidenceKind.Health, 0.9, c.FailingEvidenceId,
            $"{c.Failing} fails while {c.Healthy} passes: {c.Target ?? "the target"} is up, the path from one place is cut")));
        if (text.Count == 0 && health.Count == 0 && dns.Count == 0)
        {
            discard = "no DNS, connection refused/reset or routing errors";
            return "network or DNS failure";
        }

        s.AddRange(text);
        s.AddRange(health);
        s.AddRange(dns);
        s.AddRange(Coincident(f, text));

        // The path from one place is cut, but nobody's requests failed: the partition reaches no user (the probe's own network).
        if (text.Count == 0 && dns.Count == 0 && f.UsersMeasuredFine && !f.UserImpact)
        {
            Scale(s, 0.5);
        }

        // The host the connections go to is down by its own measure (its own probe or health check fails, not from one place
        // only) and names resolve: resets and refusals are what a host that is down answers, not a broken path.
        if (f.DependencyDown && f.ConfinedProbes.Count == 0 && !f.IncidentTexts.Any(t => NameResolutionRegex().IsMatch(t.Text)) && dns.Count == 0)
        {
            Scale(s, 0.6);
            s.Add(new Signal(EvidenceKind.Health, 0, null, "the called host fails its own probe: its connection errors are a host that is down, not the path"));
        }

        return "network/DNS failure: " + FirstFeature(text.Count > 0 ? text : health);
    }
}
