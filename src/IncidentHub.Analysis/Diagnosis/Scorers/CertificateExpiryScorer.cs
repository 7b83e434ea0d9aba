using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class CertificateExpiryScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.CertificateExpiry;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, CertificateErrorRegex(), 1.0, "certificate/TLS error");
        var health = f.Input.Health.Where(h => h.Fact.Error is { } e && CertificateErrorRegex().IsMatch(e))
            .Select(h => new Signal(EvidenceKind.Health, 0.9, h.EvidenceId, $"health check {h.Fact.Url}: {Clip(h.Fact.Error!)}")).ToList();
        var metrics = new List<Signal>();
        foreach (var series in f.Input.Series.Where(x => CertificateSeriesRegex().IsMatch(x.Fact.Name) && x.Fact.Points.Count > 0))
        {
            var last = series.Fact.Points[^1].Value;
            if (series.Fact.Name.Contains("expir", StringComparison.OrdinalIgnoreCase) && last > 1e9 && last < 1e11)
            {
                var expiry = DateTimeOffset.FromUnixTimeSeconds((long)last);
                if (expiry <= f.Input.AlertAt)
                {
                    metrics.Add(new Signal(EvidenceKind.Metrics, 1.0, series.EvidenceId, $"{series.Fact.Name} says a certificate expired at {expiry:yyyy-MM-ddTHH:mm:ssZ}"));
                }
                else if (expiry - f.Input.AlertAt < TimeSpan.FromDays(2))
                {
                    metrics.Add(new Signal(EvidenceKind.Metrics, 0.5, series.EvidenceId, $"{series.Fact.Name}: a certificate expires at {expiry:yyyy-MM-ddTHH:mm:ssZ}"));
                }
            }
        }

        metrics.AddRange(f.Onsets.Where(x => x.Fact.Direction == "up" && CertificateSeriesRegex().IsMatch(x.Fact.SeriesName))
            .Select(x => new Signal(EvidenceKind.Metrics, 0.8, x.EvidenceId, $"{x.Fact.SeriesName} rose")));
        if (text.Count == 0 && health.Count == 0 && metrics.Count == 0)
        {
            discard = "no certificate or TLS errors";
            return "a certificate expired";
        }

        s.AddRange(text);
        s.AddRange(health);
        s.AddRange(metrics);
        s.AddRange(Coincident(f, text));
        return "a TLS certificate expired or is invalid: " + FirstFeature(text.Count > 0 ? text : metrics.Count > 0 ? metrics : health);
    }
}
