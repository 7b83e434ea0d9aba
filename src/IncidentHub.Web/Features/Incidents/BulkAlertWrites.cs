using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>
/// Told by writers that change alerts without the change tracker (intake's COPY), inside their transaction, what a
/// SaveChanges interceptor would have seen: the trigger times of the incidents whose alerts joined, left or repeated.
/// </summary>
public interface IBulkAlertWriteObserver
{
    void AlertsWritten(DbContext db, IReadOnlyCollection<DateTimeOffset> incidentsTriggeredAt, DateTimeOffset now);
}
