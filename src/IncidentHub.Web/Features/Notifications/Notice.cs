using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Web.Features.Notifications;

/// <summary>What happened; each kind is one line of the README's "what is sent and when".</summary>
public enum NoticeKind
{
    Opened,
    Paged,
    DiagnosisReady,
    ApprovalNeeded,
    ApprovalTimedOut,
    ActionFailed,
    VerificationFailed,
    Acknowledged,
    Resolved,
    PostmortemReady,

    /// <summary>A person escalated it by hand.</summary>
    Escalated,

    /// <summary>A person reopened it after it was resolved.</summary>
    Reopened,
}

/// <summary>A link button (Slack, Teams) or an interactive Slack button (<see cref="Value"/> set, no URL).</summary>
public sealed record NoticeButton(string Label, string? Url, string ActionId, string? Value = null, string? Style = null);

/// <summary>The incident a notice is about, as every format shows it.</summary>
public sealed record NoticeIncident(Guid Id, int Number, string Title, Severity Severity, string? Service, string Url)
{
    public string Reference => $"INC-{Number}";

    /// <summary>PagerDuty's dedup key: one PagerDuty incident per IncidentHub incident, so trigger, acknowledge and resolve meet.</summary>
    public string DedupKey => $"incidenthub-{Id:N}";
}

/// <summary>One message, before a channel's format renders it. <see cref="Mention"/> is a Slack user id to @-mention.</summary>
public sealed record Notice(NoticeKind Kind, NoticeIncident Incident, string Headline, string? Text, IReadOnlyList<NoticeButton> Buttons,
    string? Mention = null, string? Person = null);
