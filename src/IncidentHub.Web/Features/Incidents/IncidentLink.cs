namespace IncidentHub.Web.Features.Incidents;

/// <summary>
/// Two incidents a person says are related (one caused the other, the same root cause, a recurrence): stored once, as
/// written (From links To), and shown on both incidents' pages.
/// </summary>
public sealed class IncidentLink
{
    private IncidentLink()
    {
    }

    public long Id { get; private set; }
    public Guid FromId { get; private set; }
    public Guid ToId { get; private set; }
    public string? Note { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }

    public static IncidentLink Create(Guid from, Guid to, string? note, string by, DateTimeOffset at) =>
        new() { FromId = from, ToId = to, Note = note is null ? null : AlertLimits.Truncate(note, 500), CreatedBy = by, CreatedAt = at };
}
