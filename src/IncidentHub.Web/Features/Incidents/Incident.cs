using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Triage;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>
/// The unit of response. State changes only through the methods below, each of which asks
/// <see cref="IncidentStateMachine"/> first and stamps the time the phase began, so MTTA, MTTR and
/// time per phase are real numbers.
/// </summary>
public sealed class Incident
{
    private Incident()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>Human handle, shown as INC-1042; assigned by a database sequence.</summary>
    public int Number { get; private set; }

    public string Reference => $"INC-{Number}";

    public string Title { get; private set; } = "";
    public string? Service { get; private set; }
    public Severity Severity { get; private set; } = Severity.P3;
    public IncidentState State { get; private set; } = IncidentState.Triggered;

    public Guid IntegrationId { get; private set; }

    /// <summary>Where the incident came from: a real alert, the generated demo history, or an imported bundle (see <see cref="IncidentOrigin"/>).</summary>
    public IncidentOrigin Origin { get; private set; } = IncidentOrigin.Live;

    /// <summary>The grouping key alerts were matched on (Alertmanager groupKey; generic: service + title).</summary>
    public string GroupKey { get; private set; } = "";

    public double? TriageConfidence { get; private set; }
    public string? TriageReason { get; private set; }
    public DateTimeOffset? TriagedAt { get; private set; }

    public DateTimeOffset TriggeredAt { get; private set; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public string? AcknowledgedBy { get; private set; }
    public DateTimeOffset? InvestigatingAt { get; private set; }
    public DateTimeOffset? AwaitingApprovalAt { get; private set; }
    public DateTimeOffset? MitigatingAt { get; private set; }
    public DateTimeOffset? MonitoringAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public string? ResolvedBy { get; private set; }
    public DateTimeOffset? EscalatedAt { get; private set; }
    public DateTimeOffset? SuppressedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>PostgreSQL xmin: two writers cannot overwrite each other's transition.</summary>
    public uint Version { get; private set; }

    /// <summary>
    /// The wall's figures, kept with the incident (decision 026): distinct alerts, those firing, notifications
    /// received (repeats included) and flapping alerts. Written set-based by whatever writes alerts, in its
    /// transaction (<see cref="IncidentCounts"/>), so the wall never counts alerts.
    /// </summary>
    public int AlertCount { get; private set; }
    public int FiringCount { get; private set; }
    public long NotificationCount { get; private set; }
    public int FlappingCount { get; private set; }

    /// <summary>A person set the severity (it then wins over triage and the investigation, whose findings stay on record).</summary>
    public string? SeveritySetBy { get; private set; }

    /// <summary>A person set the service (it then wins over triage and the investigation).</summary>
    public string? ServiceSetBy { get; private set; }

    /// <summary>The person who owns the follow-through (an IncidentHub user's email).</summary>
    public string? Owner { get; private set; }

    /// <summary>The incident commander: coordinates the response (an IncidentHub user's email).</summary>
    public string? Commander { get; private set; }

    /// <summary>A person declared it by hand, with no alert.</summary>
    public string? DeclaredBy { get; private set; }

    /// <summary>Merged into this incident (its alerts moved there); it is resolved and stays resolved.</summary>
    public int? MergedInto { get; private set; }

    /// <summary>The last time a person reopened it after it was resolved.</summary>
    public DateTimeOffset? ReopenedAt { get; private set; }

    public List<Alert> Alerts { get; private set; } = [];
    public List<TimelineEntry> Timeline { get; private set; } = [];

    public bool IsOpen => IncidentStateMachine.IsOpen(State);

    public static Incident Open(Guid integrationId, string groupKey, string title, string? service, Severity severity, DateTimeOffset at) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            IntegrationId = integrationId,
            GroupKey = groupKey,
            Title = Truncate(title, 300),
            Service = service is null ? null : Truncate(service, 200),
            Severity = severity,
            State = IncidentState.Triggered,
            TriggeredAt = at,
            UpdatedAt = at,
        };

    /// <summary>A person opens an incident with no alert behind it: it starts under investigation, with the severity they chose.</summary>
    public static Incident Declare(string title, string? service, Severity severity, string by, DateTimeOffset at)
    {
        var incident = Open(Guid.Empty, $"declared:{Guid.CreateVersion7():N}", title, service, severity, at);
        incident.DeclaredBy = by;
        incident.SeveritySetBy = by;
        incident.ServiceSetBy = service is null ? null : by;
        incident.MoveTo(IncidentState.Investigating, at);
        return incident;
    }

    /// <summary>
    /// Records the triage outcome; the first triage also starts the investigation. A severity or service a person set
    /// is kept: the machine's opinion stays in the timeline and the diagnosis.
    /// </summary>
    public void ApplyTriage(TriageResult result, DateTimeOffset at)
    {
        Severity = SeveritySetBy is null ? result.Severity : Severity;
        Service = result.Service is null || ServiceSetBy is not null ? Service : Truncate(result.Service, 200);
        TriageConfidence = result.Confidence;
        TriageReason = Truncate(result.Reason, 1000);
        TriagedAt = at;
        if (State == IncidentState.Triggered)
        {
            MoveTo(IncidentState.Investigating, at);
        }

        UpdatedAt = at;
    }

    /// <summary>
    /// The investigation's refined triage (severity and service from evidence). Returns whether
    /// anything changed; the phase is left alone.
    /// </summary>
    public bool ApplyRefinedTriage(Severity severity, string? service, DateTimeOffset at)
    {
        severity = SeveritySetBy is null ? severity : Severity;
        var newService = string.IsNullOrWhiteSpace(service) || ServiceSetBy is not null ? Service : Truncate(service, 200);
        if (severity == Severity && newService == Service)
        {
            return false;
        }

        Severity = severity;
        Service = newService;
        UpdatedAt = at;
        return true;
    }

    /// <summary>A person has seen it and owns it. Acknowledging twice is a conflict, not a silent no-op.</summary>
    public void Acknowledge(string by, DateTimeOffset at)
    {
        if (!IsOpen)
        {
            throw new IncidentConflictException($"{Reference} is resolved; there is nothing to acknowledge.");
        }

        if (AcknowledgedAt is not null)
        {
            throw new IncidentConflictException($"{Reference} was already acknowledged by {AcknowledgedBy} at {AcknowledgedAt:u}.");
        }

        AcknowledgedAt = at;
        AcknowledgedBy = by;
        UpdatedAt = at;
    }

    public void Resolve(string by, DateTimeOffset at)
    {
        MoveTo(IncidentState.Resolved, at);
        ResolvedBy = by;
    }

    /// <summary>A person sets the severity; the machine no longer changes it.</summary>
    public void SetSeverity(Severity severity, string by, DateTimeOffset at)
    {
        Severity = severity;
        SeveritySetBy = by;
        UpdatedAt = at;
    }

    /// <summary>A person sets the service; the machine no longer changes it.</summary>
    public void SetService(string service, string by, DateTimeOffset at)
    {
        Service = Truncate(service, 200);
        ServiceSetBy = by;
        UpdatedAt = at;
    }

    /// <summary>Sets who owns it and who commands the response (null: nobody).</summary>
    public void Assign(string? owner, string? commander, DateTimeOffset at)
    {
        Owner = owner;
        Commander = commander;
        UpdatedAt = at;
    }

    /// <summary>
    /// A person reopens a resolved incident: it is investigated again and its resolution is cleared, so the time to
    /// resolve counts to the next resolution. The one move out of Resolved, and only a person's
    /// (<see cref="IncidentStateMachine.CanReopen"/>); a merged incident is reopened through the one it was merged into.
    /// </summary>
    public void Reopen(DateTimeOffset at)
    {
        if (!IncidentStateMachine.CanReopen(State))
        {
            throw new IncidentConflictException($"{Reference} is {State}, not resolved; there is nothing to reopen.");
        }

        if (MergedInto is { } into)
        {
            throw new IncidentConflictException($"{Reference} was merged into INC-{into}; reopen that incident instead.");
        }

        State = IncidentState.Investigating;
        ResolvedAt = null;
        ResolvedBy = null;
        ReopenedAt = at;
        UpdatedAt = at;
    }

    /// <summary>Its alerts moved into <paramref name="target"/>: it is resolved as merged.</summary>
    public void MergeInto(Incident target, string by, DateTimeOffset at)
    {
        if (target.Id == Id)
        {
            throw new IncidentConflictException($"{Reference} cannot be merged into itself.");
        }

        if (!IsOpen || !target.IsOpen)
        {
            throw new IncidentConflictException($"Only open incidents merge: {(IsOpen ? target.Reference : Reference)} is resolved.");
        }

        Resolve(by, at);
        MergedInto = target.Number;
    }

    public void StartInvestigating(DateTimeOffset at) => MoveTo(IncidentState.Investigating, at);

    public void AwaitApproval(DateTimeOffset at) => MoveTo(IncidentState.AwaitingApproval, at);

    public void StartMitigating(DateTimeOffset at) => MoveTo(IncidentState.Mitigating, at);

    public void StartMonitoring(DateTimeOffset at) => MoveTo(IncidentState.Monitoring, at);

    public void Escalate(DateTimeOffset at) => MoveTo(IncidentState.Escalated, at);

    public void Suppress(DateTimeOffset at) => MoveTo(IncidentState.Suppressed, at);

    public void Touch(DateTimeOffset at) => UpdatedAt = at;

    /// <summary>The incident was opened by an imported bundle's alert: its alert times are the bundle's, not now.</summary>
    public void MarkImported() => Origin = IncidentOrigin.Imported;

    private void MoveTo(IncidentState next, DateTimeOffset at)
    {
        if (!IncidentStateMachine.CanMove(State, next))
        {
            // Analysis stays free of ASP.NET; the entity says what its refusal means here: a conflict.
            throw new IncidentConflictException(new IllegalTransitionException(State, next));
        }

        State = next;
        UpdatedAt = at;
        switch (next)
        {
            case IncidentState.Investigating: InvestigatingAt ??= at; break;
            case IncidentState.AwaitingApproval: AwaitingApprovalAt = at; break;
            case IncidentState.Mitigating: MitigatingAt = at; break;
            case IncidentState.Monitoring: MonitoringAt = at; break;
            case IncidentState.Resolved: ResolvedAt = at; break;
            case IncidentState.Escalated: EscalatedAt = at; break;
            case IncidentState.Suppressed: SuppressedAt = at; break;
            case IncidentState.Triggered: break;
        }
    }

    /// <summary>Fits a column; an alert's labels can be any length.</summary>
    private static string Truncate(string value, int max) => AlertLimits.Truncate(value, max);
}

/// <summary>
/// Where an incident came from. Stored as a string; every page that lists incidents shows a non-live origin, and
/// analytics leave Demo out by default and the detect phase of Imported out always (its alert times are the bundle's past).
/// </summary>
public enum IncidentOrigin
{
    /// <summary>Opened by an alert a monitoring source sent.</summary>
    Live,

    /// <summary>Written by the history generator (<c>seed-history</c>, <c>scripts/run.sh demo</c>); removable in one step.</summary>
    Demo,

    /// <summary>Opened by the alert of an imported incident bundle (<c>ih import</c>, the Import page).</summary>
    Imported,
}

/// <summary>A request that the incident's current state does not allow (answered 409).</summary>
public sealed class IncidentConflictException : ConflictException
{
    public IncidentConflictException(string message)
        : base(message)
    {
    }

    /// <summary>A move the state machine refuses; its message lists the moves that are allowed.</summary>
    public IncidentConflictException(IllegalTransitionException illegal)
        : base(illegal.Message, "Illegal state change", illegal)
    {
    }
}
