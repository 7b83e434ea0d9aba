using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class TrafficSpikeScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.TrafficSpike;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        if (f.TrafficSurge is not { } surge)
        {
            discard = f.TrafficEcho is { } echo ? $"{echo.Surge.Fact.SeriesName} rose, but not as a cause: {echo.Why}" : "traffic did not rise";
            return "a traffic spike overloaded the service";
        }

        var ratio = surge.Fact.After / Math.Max(Math.Abs(surge.Fact.Before), 1e-9);
        s.Add(new Signal(EvidenceKind.Metrics, Math.Clamp((ratio - 1) / 1.5, 0.3, 1.0), surge.EvidenceId,
            $"{surge.Fact.SeriesName} rose {ratio:0.0}x from {Num(surge.Fact.Before)} to {Num(surge.Fact.After)}"));
        foreach (var onset in f.Onsets.Where(x => x.Fact.Direction == "up" && x.Fact.Role is MetricRole.Latency or MetricRole.ErrorRatio or MetricRole.Saturation
                     && x.Fact.At >= surge.Fact.At - TimeSpan.FromMinutes(2) && x.Fact.At <= surge.Fact.At + TimeSpan.FromMinutes(30)))
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.8, onset.EvidenceId, $"{onset.Fact.SeriesName} followed the surge"));
        }

        s.AddRange(TextSignals(f, OverloadErrorRegex(), 0.7, "overload symptom"));
        var recentDeploy = f.Correlation.RecentDeploys.FirstOrDefault(w => w.LeadTime < TimeSpan.FromHours(6));
        if (recentDeploy is null)
        {
            s.Add(new Signal(EvidenceKind.Changes, 0.5, null, "no deploy of the service in the 6 h before the surge"));
        }
        else
        {
            Scale(s, 0.7);
        }

        return $"a traffic surge ({surge.Fact.SeriesName} x{ratio:0.0}) overloaded {f.ServiceName}";
    }
}
