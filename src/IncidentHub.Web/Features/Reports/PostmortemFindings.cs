using System.Globalization;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;

namespace IncidentHub.Web.Features.Reports;

/// <summary>
/// What went well and what did not, derived only from phase times and outcomes (no opinions):
/// each line compares a measured time with the target for the severity.
/// </summary>
public static class PostmortemFindings
{
    /// <summary>A diagnosis at or above this confidence counts as an answer (the investigation's paging threshold).</summary>
    public const double DiagnosisThreshold = 0.7;

    public static TimeSpan AcknowledgeTarget(Severity severity) => severity switch
    {
        Severity.P0 => TimeSpan.FromMinutes(5),
        Severity.P1 => TimeSpan.FromMinutes(5),
        Severity.P2 => TimeSpan.FromMinutes(15),
        _ => TimeSpan.FromMinutes(60),
    };

    public static TimeSpan ResolveTarget(Severity severity) => severity switch
    {
        Severity.P0 => TimeSpan.FromHours(1),
        Severity.P1 => TimeSpan.FromHours(4),
        Severity.P2 => TimeSpan.FromHours(24),
        _ => TimeSpan.FromHours(72),
    };

    public static (IReadOnlyList<string> Well, IReadOnlyList<string> Badly) Derive(
        Severity severity, PhaseTimes p, DateTimeOffset? triagedAt, RootCauseSection rootCause, int flappingAlerts, int actions)
    {
        var well = new List<string>();
        var badly = new List<string>();

        if (triagedAt is { } t)
        {
            well.Add($"Triaged automatically in {Durations.Format(t - p.TriggeredAt)}.");
        }
        else
        {
            badly.Add("Never triaged.");
        }

        var ackTarget = AcknowledgeTarget(severity);
        if (p.AcknowledgedAt is { } ack)
        {
            var took = ack - p.TriggeredAt;
            (took <= ackTarget ? well : badly).Add(
                $"Acknowledged in {Durations.Format(took)} (target {Durations.Format(ackTarget)} for {severity}).");
        }
        else
        {
            badly.Add($"Never acknowledged by a person (target {Durations.Format(ackTarget)} for {severity}).");
        }

        if (rootCause.Diagnosed && rootCause.Confidence >= DiagnosisThreshold)
        {
            var after = rootCause.DiagnosedAt is { } d ? $" {Durations.Format(d - p.TriggeredAt)} after the trigger" : "";
            well.Add($"Root cause diagnosed as {rootCause.Category} (confidence {rootCause.Confidence?.ToString("0.00", CultureInfo.InvariantCulture)}){after}.");
        }
        else
        {
            var best = rootCause.Confidence is { } c ? $" (best {c.ToString("0.00", CultureInfo.InvariantCulture)})" : "";
            var escalated = p.EscalatedAt is not null ? ", escalated" : "";
            badly.Add($"No diagnosis above the {DiagnosisThreshold.ToString("0.00", CultureInfo.InvariantCulture)} threshold{best}{escalated}.");
        }

        if (p.AwaitingApprovalAt is { } asked && p.MitigatingAt is { } approved && approved >= asked)
        {
            well.Add($"The remediation plan was approved {Durations.Format(approved - asked)} after it was proposed.");
        }
        else if (p.AwaitingApprovalAt is not null && p.MitigatingAt is null)
        {
            badly.Add("The remediation plan waited for approval and was never approved.");
        }

        if (actions == 0)
        {
            badly.Add("No remediation actions were recorded.");
        }

        if (p.EscalatedAt is { } esc)
        {
            badly.Add($"Escalated {Durations.Format(esc - p.TriggeredAt)} after the trigger.");
        }

        if (p.ResolvedAt is { } resolved)
        {
            var took = resolved - p.TriggeredAt;
            var target = ResolveTarget(severity);
            (took <= target ? well : badly).Add($"Resolved in {Durations.Format(took)} (target {Durations.Format(target)} for {severity}).");
        }

        if (flappingAlerts > 0)
        {
            badly.Add($"{flappingAlerts} alert(s) flapped: noisy alert rules.");
        }

        return (well, badly);
    }

    /// <summary>The action items a post-mortem starts with; Responders edit them before sending.</summary>
    public static List<string> DefaultActionItems(string? service, PhaseTimes p, Severity severity, RootCauseSection rootCause)
    {
        var items = new List<string>();
        var name = service ?? "the service";
        if (!rootCause.Diagnosed || rootCause.Confidence < DiagnosisThreshold)
        {
            items.Add($"Confirm the root cause of this incident and record it; give {name} logs and metrics in the catalog so the next diagnosis has evidence.");
        }
        else
        {
            items.Add($"Confirm the diagnosed root cause ({rootCause.Category}) and track the permanent fix.");
        }

        if (p.AcknowledgedAt is null || p.AcknowledgedAt - p.TriggeredAt > AcknowledgeTarget(severity))
        {
            items.Add($"Review paging and on-call for {name}: acknowledgement missed its target.");
        }

        items.Add("Add a test or alert that would have caught this earlier.");
        return items;
    }
}

/// <summary>Durations as people read them: "45 s", "3 min", "1 h 12 min", "2 d 3 h".</summary>
public static class Durations
{
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds switch
        {
            < 60 => $"{(int)span.TotalSeconds} s",
            < 3600 => $"{(int)span.TotalMinutes} min",
            < 86400 => span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min",
            _ => span.Hours == 0 ? $"{(int)span.TotalDays} d" : $"{(int)span.TotalDays} d {span.Hours} h",
        };
    }
}
