namespace IncidentHub.Analysis.Incidents;

/// <summary>The phases of an incident. Stored by name, so the order here is free to change.</summary>
public enum IncidentState
{
    Triggered,
    Investigating,
    AwaitingApproval,
    Mitigating,
    Monitoring,
    Resolved,
    Escalated,
    Suppressed,
}

/// <summary>P0 is the worst: customer-facing outage of a critical service.</summary>
public enum Severity
{
    P0,
    P1,
    P2,
    P3,
}
