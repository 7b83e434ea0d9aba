namespace IncidentHub.Web.Infrastructure.Live;

/// <summary>
/// The one way live updates travel. Writers publish "incident X changed" after they commit;
/// components subscribe to one incident or (with null) to all, and reload what they show.
/// Delivery is in-process at once and, through PostgreSQL LISTEN/NOTIFY, to every other process.
/// </summary>
public interface IIncidentNotifier
{
    /// <summary>Calls <paramref name="onChange"/> when the incident (or, for null, any incident) changes.</summary>
    IDisposable Subscribe(Guid? incidentId, Func<Guid, Task> onChange);

    /// <summary>Tells every subscriber in every process that these incidents changed.</summary>
    Task PublishAsync(IReadOnlyCollection<Guid> incidentIds, CancellationToken ct = default);
}
