namespace IncidentHub.Web.Infrastructure.Live;

/// <summary>
/// The one way live updates travel. Writers publish "incident X changed" after they commit;
/// components subscribe to one incident or (with null) to all, and reload what they show.
/// Delivery is in-process at once and, through PostgreSQL LISTEN/NOTIFY, to every other process.
/// The intake's storm state travels the same way, to the subscribers of all incidents.
/// </summary>
public interface IIncidentNotifier
{
    /// <summary>The id a subscriber of all incidents receives when only <see cref="Intake"/> changed.</summary>
    static readonly Guid IntakeChanged = Guid.Empty;

    /// <summary>The intake as this process last read it (the storm gate samples it four times a second).</summary>
    IntakeStatus Intake { get; }

    /// <summary>Calls <paramref name="onChange"/> when the incident (or, for null, any incident) changes.</summary>
    IDisposable Subscribe(Guid? incidentId, Func<Guid, Task> onChange);

    /// <summary>Tells every subscriber in every process that these incidents changed.</summary>
    Task PublishAsync(IReadOnlyCollection<Guid> incidentIds, CancellationToken ct = default);
}

/// <summary>Whether an alert storm holds agent jobs back, the webhook rate, and how many jobs wait.</summary>
public sealed record IntakeStatus(bool Storming, double RequestsPerSecond, int JobsWaiting)
{
    public static readonly IntakeStatus Calm = new(false, 0, 0);
}
