namespace IncidentHub.Web.Features.Incidents;

public enum TimelineKind
{
    Opened,
    AlertGrouped,
    AlertResolved,
    Triage,
    StateChanged,
    Acknowledged,
    Note,
    Investigation,
    Evidence,
    Diagnosis,

    /// <summary>A remediation plan was proposed (or re-planned).</summary>
    Plan,

    /// <summary>A person approved or rejected an action, or its approval timed out.</summary>
    Approval,

    /// <summary>An action ran, failed, or was rolled back.</summary>
    Action,

    /// <summary>An action's postcondition was checked.</summary>
    Verification,

    /// <summary>The code-analysis agent read the failing code and checked candidate fixes.</summary>
    CodeAnalysis,

    /// <summary>A fix became a branch or a draft pull request, or its pull request was merged or closed.</summary>
    PullRequest,

    /// <summary>A person corrected the machine: severity, service, owner, commander, a link, a merge or a split.</summary>
    Changed,

    /// <summary>A stakeholder or public status update was sent.</summary>
    StatusUpdate,

    /// <summary>A person was paged, or paging stopped (OnCall).</summary>
    Paged,
}

/// <summary>One line of the incident's story, shown live on every open dashboard.</summary>
public sealed class TimelineEntry
{
    private TimelineEntry()
    {
    }

    public long Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public DateTimeOffset At { get; private set; }

    /// <summary>Who did it: a person's email, or an agent such as "triage-agent" or "ingestion".</summary>
    public string Actor { get; private set; } = "";

    public TimelineKind Kind { get; private set; }
    public string Text { get; private set; } = "";

    /// <summary>Structured facts behind the text (grouping rule, triage signals), as JSON.</summary>
    public Dictionary<string, string> Details { get; private set; } = [];

    /// <summary>The column's size; a line quoting alert titles and labels can be longer.</summary>
    public const int MaxText = 4000;

    public static TimelineEntry Create(Guid incidentId, DateTimeOffset at, string actor, TimelineKind kind, string text, Dictionary<string, string>? details = null) =>
        new()
        {
            IncidentId = incidentId,
            At = at,
            Actor = actor,
            Kind = kind,
            Text = AlertLimits.Truncate(text, MaxText),
            Details = details ?? [],
        };
}
