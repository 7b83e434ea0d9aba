using System.ComponentModel.DataAnnotations;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Remediation;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>Remediation policy: approval timeouts, which REVERSIBLE actions may run alone, the hourly budget.</summary>
public sealed class RemediationOptions : IValidatableObject
{
    public const string SectionName = "Remediation";

    /// <summary>How long a P0 action waits for approval before it expires and the incident escalates.</summary>
    [Range(1, 1440)]
    public int ApprovalTimeoutP0Minutes { get; set; } = 15;

    /// <summary>The same for P1-P3.</summary>
    [Range(1, 10080)]
    public int ApprovalTimeoutMinutes { get; set; } = 120;

    /// <summary>
    /// Severities whose REVERSIBLE actions run without approval when the diagnosis is at least this confident,
    /// e.g. Remediation:AutoRunReversible:P3 = 0.9. Empty by default: every REVERSIBLE action needs a person.
    /// </summary>
    public Dictionary<string, double> AutoRunReversible { get; set; } = [];

    /// <summary>Executed non-READ actions per service per hour; the next one fails with the reason.</summary>
    [Range(0, 1000)]
    public int MaxExecutionsPerServicePerHour { get; set; } = 5;

    /// <summary>
    /// An action still Running this long after its run started is taken for dead (the process died mid-call) and run
    /// again; before that, another run of it leaves it alone. Above the longest executor call (3 runbook attempts of
    /// RunbookTimeoutSeconds plus backoff).
    /// </summary>
    [Range(5, 3600)]
    public int RunAgainAfterSeconds { get; set; } = 180;

    public TimeSpan RunAgainAfter => TimeSpan.FromSeconds(RunAgainAfterSeconds);

    public TimeSpan ApprovalTimeout(Severity severity) =>
        TimeSpan.FromMinutes(severity == Severity.P0 ? ApprovalTimeoutP0Minutes : ApprovalTimeoutMinutes);

    public AutoRunPolicy Policy() => new(
        AutoRunReversible.ToDictionary(p => Enum.Parse<Severity>(p.Key, ignoreCase: true), p => p.Value),
        MaxExecutionsPerServicePerHour);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (severity, confidence) in AutoRunReversible)
        {
            if (!Enum.TryParse<Severity>(severity, ignoreCase: true, out _))
            {
                yield return new($"Remediation:AutoRunReversible: '{severity}' is not a severity (P0-P3).", [nameof(AutoRunReversible)]);
            }
            else if (confidence is < 0 or > 1)
            {
                yield return new($"Remediation:AutoRunReversible:{severity} is a confidence between 0 and 1, not {confidence}.", [nameof(AutoRunReversible)]);
            }
        }
    }
}
