using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Audit;

/// <summary>The only writer of audit_entries: it inserts, and nothing in the code updates or deletes.</summary>
public sealed class AuditLog(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock) : IAuditLog
{
    public void Add(AppDbContext db, AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(record);
        db.Set<AuditEntry>().Add(AuditEntry.Create(record, clock.GetUtcNow()));
    }

    public async Task RecordAsync(AuditRecord record, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        Add(db, record);
        await db.SaveChangesAsync(ct);
    }
}
