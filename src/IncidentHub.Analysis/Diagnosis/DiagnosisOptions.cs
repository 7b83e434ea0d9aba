using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>
/// Tuning of <see cref="DiagnosisEngine"/>, bound from configuration section "Diagnosis" (e.g.
/// <c>Diagnosis:ConfidenceThreshold</c>) by <c>AddInvestigation</c> and passed to the pure engine.
/// </summary>
public sealed class DiagnosisOptions
{
    public const string SectionName = "Diagnosis";

    /// <summary>
    /// The one confidence threshold: below it the answer is Unknown, the investigation widens its window,
    /// and when attempts run out the incident escalates. 0.5 lets two independent evidence kinds pass, never one (<see cref="KindWeight"/>).
    /// </summary>
    [Range(0.0, 1.0)]
    public double ConfidenceThreshold { get; set; } = 0.5;

    /// <summary>A known template counts as incident evidence when its rate grew at least this much.</summary>
    [Range(1.0, 1000.0)]
    public double SurgeThreshold { get; set; } = 3.0;

    /// <summary>Traffic counts as a surge when its rate grew at least this much over a non-zero baseline.</summary>
    [Range(1.1, 100.0)]
    public double TrafficSurgeRatio { get; set; } = 2.0;

    /// <summary>How far before the onset a deploy or commit may be and still be suspected.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan DeployLookback { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Time scale of the deploy proximity score: a deploy this long before the onset scores e^-1.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan ProximityScale { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Most each independent evidence kind can add (noisy-OR), so no single kind reaches the threshold alone.</summary>
    [Range(0.05, 0.95)]
    public double KindWeight { get; set; } = 0.45;
}
