namespace IncidentHub.Analysis.Ingestion;

/// <summary>The monitoring tools IncidentHub understands; each has its own webhook path (/hooks/{kind}/{token}).</summary>
public enum SourceKind
{
    Alertmanager,
    Grafana,
    PagerDuty,
    CloudWatch,
    Datadog,
    Generic,
}

public enum AlertStatus
{
    Firing,
    Resolved,
}

/// <summary>An alert as every source is turned into before dedup and grouping.</summary>
/// <param name="Fingerprint">The source's own identity for the alert when it has one; otherwise a hash of identifying fields.</param>
/// <param name="GroupKey">The source's own grouping when it has one (Alertmanager groupKey); otherwise derived.</param>
/// <param name="SourceUrl">Where the source shows the alert (Prometheus graph, Grafana panel, PagerDuty incident, AWS console ...).</param>
public sealed record NormalisedAlert(
    string Fingerprint,
    string GroupKey,
    string Title,
    AlertStatus Status,
    Dictionary<string, string> Labels,
    Dictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string? SourceUrl);
