using System.Globalization;
using System.Text.RegularExpressions;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>Evidence helpers shared by the category scorers: text matches, corroboration in time, scaling, formatting.</summary>
internal static class Evidence
{
    internal static List<Signal> TextSignals(Facts f, Regex regex, double strength, string label)
    {
        var result = new List<Signal>();
        foreach (var t in f.IncidentTexts)
        {
            if (regex.Match(t.Text) is { Success: true } m)
            {
                result.Add(new Signal(t.Kind, strength * t.Weight, t.EvidenceId, $"{label}: {Clip(t.Display)} (matched \"{Clip(m.Value, 60)}\")"));
            }
        }

        return result;
    }

    /// <summary>
    /// Metric corroboration of text evidence: a user-facing metric (error ratio, latency) that rose within
    /// a few minutes of the moment these errors first appeared. Independent of the logs: a different
    /// system (the metrics pipeline) saw the same moment.
    /// </summary>
    internal static List<Signal> Coincident(Facts f, List<Signal> textSignals, double strength = 0.6)
    {
        var ids = textSignals.Where(x => x.Strength > 0 && x.EvidenceId is not null).Select(x => x.EvidenceId!).ToHashSet(StringComparer.Ordinal);
        var firstSeen = f.IncidentTexts.Where(t => ids.Contains(t.EvidenceId) && t.FirstSeen is not null).Select(t => t.FirstSeen!.Value).DefaultIfEmpty().Min();
        if (ids.Count == 0 || firstSeen == default)
        {
            return [];
        }

        var onset = f.ImpactOnsets.FirstOrDefault(x => (x.Fact.At - firstSeen).Duration() <= CoincidenceWindow);
        return onset is null ? [] :
        [
            new Signal(EvidenceKind.Metrics, strength, onset.EvidenceId,
                $"{onset.Fact.SeriesName} rose at {onset.Fact.At:HH:mm:ss}, when these errors first appeared ({firstSeen:HH:mm:ss})"),
        ];
    }

    internal static readonly TimeSpan CoincidenceWindow = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Code and configuration changed in one window: the change hypothesis whose side explains the failure less keeps this
    /// share of its evidence (the timing and the errors after the release fit both; the explanation decides).
    /// </summary>
    internal const double ReleaseAttribution = 0.5;

    internal static string FirstFeature(List<Signal> signals) =>
        signals.OrderByDescending(x => x.Strength).FirstOrDefault()?.Feature ?? "";

    internal static void Scale(List<Signal> signals, double factor, params EvidenceKind[] kinds)
    {
        for (var i = 0; i < signals.Count; i++)
        {
            if (kinds.Length == 0 || kinds.Contains(signals[i].Kind))
            {
                signals[i] = signals[i] with { Strength = signals[i].Strength * factor };
            }
        }
    }

    /// <summary>
    /// A user-facing change worth the name: an error ratio that reached 1% and at least doubled, or a latency
    /// that grew by half and by 50 ms or more (a p99 from 66 to 100 ms is not an incident).
    /// </summary>
    internal static bool IsMaterial(MetricOnset m) => m.Role switch
    {
        MetricRole.ErrorRatio => m.After >= 0.01 && m.After >= 2 * m.Before,
        MetricRole.Latency => m.After >= 1.5 * m.Before && m.After - m.Before >= 0.05,
        _ => false,
    };

    /// <summary>A deploy whose shipped commits touch configuration files only, or a config-kind deploy that shipped no commits we know.</summary>
    /// <summary>
    /// The release shipped no code: every file its commits touch is configuration or documentation (a docs page cannot
    /// fail a request), and at least one is configuration; or, without commits, the deploy is recorded as a config change.
    /// </summary>
    internal static bool OnlyConfiguration(DeployWindow w) =>
        w.Commits.Count > 0
            ? w.Commits.All(c => c.Fact.Files.Count > 0 && c.Fact.Files.All(p => ChangeCorrelator.IsConfigFile(p) || ChangeCorrelator.IsDocumentation(p)))
                && w.Commits.Any(c => c.Fact.Files.Any(ChangeCorrelator.IsConfigFile))
            : IsConfigKind(w.Deploy.Fact.Kind);

    /// <summary>A deploy the deploy system recorded as a change of configuration, not code: config, env, secret, flag, setting, parameter.</summary>
    internal static bool IsConfigKind(string? kind) => kind is not null && ConfigKindRegex().IsMatch(kind);

    internal static bool IsScheduledTask(DeployEvent d) => d.Kind is { } kind && ScheduledKindRegex().IsMatch(kind);

    internal static double Decay(TimeSpan span, TimeSpan scale) => Math.Exp(-Math.Max(0, span.TotalSeconds) / scale.TotalSeconds);

    /// <summary>A failed check: an error, no status, a 5xx, or 429 (the dependency refuses us).</summary>
    internal static bool IsFailing(HealthResult h) => h.Error is not null || h.StatusCode is null or >= 500 or 429;

    internal static bool IsOwnHealth(HealthResult h, string? service) =>
        service is not null && Uri.TryCreate(h.Url, UriKind.Absolute, out var uri) && uri.Host.StartsWith(service, StringComparison.OrdinalIgnoreCase);

    internal static string Clip(string text, int max = 140) => text.Length <= max ? text : text[..max] + "…";

    internal static string Num(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);

    internal static string Hours(TimeSpan span) => $"{span.TotalHours:0} h";
}
