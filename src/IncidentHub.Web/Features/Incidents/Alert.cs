using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>One firing condition from a source, identified by its fingerprint; repeats update it.</summary>
public sealed class Alert
{
    private Alert()
    {
    }

    public Guid Id { get; private set; }
    public Guid IntegrationId { get; private set; }
    public Guid? IncidentId { get; private set; }
    public string Fingerprint { get; private set; } = "";

    /// <summary>The group it belongs to under its integration's rules (kept for thresholds and dry runs).</summary>
    public string GroupKey { get; private set; } = "";
    public string Title { get; private set; } = "";
    public AlertStatus Status { get; private set; }
    public Dictionary<string, string> Labels { get; private set; } = [];
    public Dictionary<string, string> Annotations { get; private set; } = [];
    public DateTimeOffset StartsAt { get; private set; }
    public DateTimeOffset? EndsAt { get; private set; }
    public DateTimeOffset FirstSeenAt { get; private set; }
    public DateTimeOffset LastSeenAt { get; private set; }

    /// <summary>How many notifications carried this alert.</summary>
    public int Count { get; private set; }

    /// <summary>Where the source shows it (Prometheus graph, Grafana panel ...).</summary>
    public string? SourceUrl { get; private set; }

    public static Alert FromNotification(Guid integrationId, NormalisedAlert n, DateTimeOffset at) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            IntegrationId = integrationId,
            Fingerprint = n.Fingerprint,
            GroupKey = n.GroupKey,
            Title = n.Title,
            Status = n.Status,
            Labels = n.Labels,
            Annotations = n.Annotations,
            StartsAt = n.StartsAt,
            EndsAt = n.Status == AlertStatus.Resolved ? n.EndsAt ?? at : null,
            FirstSeenAt = at,
            LastSeenAt = at,
            Count = 1,
            SourceUrl = n.SourceUrl,
        };

    /// <summary>Times the alert changed between firing and resolved, newest last (at most 20 kept).</summary>
    public List<DateTimeOffset> StateChanges { get; private set; } = [];

    /// <summary>Changing state too often (see <see cref="FlapRule"/>): it no longer opens incidents.</summary>
    public bool Flapping { get; private set; }

    /// <summary>The maintenance window that kept this alert from opening an incident, if any.</summary>
    public Guid? SilenceId { get; private set; }

    /// <summary>A repeat notification: newer labels and annotations win, the count goes up, state changes are counted.</summary>
    public void Seen(NormalisedAlert n, DateTimeOffset at, FlapRule flap)
    {
        Title = n.Title;
        GroupKey = n.GroupKey;
        Labels = n.Labels;
        Annotations = n.Annotations;
        SourceUrl = n.SourceUrl ?? SourceUrl;
        LastSeenAt = at;
        Count++;
        if (n.Status != Status)
        {
            StateChanges.Add(at);
            if (StateChanges.Count > 20)
            {
                StateChanges.RemoveRange(0, StateChanges.Count - 20);
            }
        }

        if (n.Status == AlertStatus.Resolved)
        {
            Status = AlertStatus.Resolved;
            EndsAt = n.EndsAt ?? at;
        }
        else
        {
            if (Status == AlertStatus.Resolved)
            {
                StartsAt = n.StartsAt;
            }

            Status = AlertStatus.Firing;
            EndsAt = null;
        }

        Flapping = StateChanges.Count(t => t > at - flap.Window) >= flap.Changes;
    }

    public void SilencedBy(Guid? silenceId) => SilenceId = silenceId;

    public void AttachTo(Guid incidentId) => IncidentId = incidentId;
}

/// <summary>An alert that changes state <paramref name="Changes"/> times within <paramref name="Window"/> is flapping.</summary>
public sealed record FlapRule(int Changes, TimeSpan Window);
