using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace IncidentHub.Web.Features.Memory;

/// <summary>Writes incident memory: the fingerprint of a resolved incident, and later its fix.</summary>
public sealed class IncidentMemory(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ILogger<IncidentMemory> logger)
{
    /// <summary>
    /// Stores (or refreshes) the fingerprint of a resolved incident. Idempotent: one row per
    /// incident however often it runs, and a fix already written by a person is kept.
    /// Returns false when the incident is missing or not resolved.
    /// </summary>
    public async Task<bool> RecordAsync(Guid incidentId, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var resolvedAt = await db.Incidents.AsNoTracking()
                .Where(i => i.Id == incidentId && i.State == IncidentState.Resolved)
                .Select(i => i.ResolvedAt)
                .SingleOrDefaultAsync(ct);
            if (resolvedAt is null || await IncidentFingerprint.LoadAsync(db, incidentId, ct) is not { } fingerprint)
            {
                logger.LogDebug("Not remembering {IncidentId}: missing or not resolved", incidentId);
                return false;
            }

            var entry = await db.MemoryEntries.SingleOrDefaultAsync(m => m.IncidentId == incidentId, ct);
            if (entry is null)
            {
                entry = MemoryEntry.Create(incidentId);
                db.MemoryEntries.Add(entry);
            }

            entry.Update(fingerprint, resolvedAt.Value, clock.GetUtcNow());
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < 3)
            {
                // Two writers remembered the same incident at once; the next round updates the winner's row.
            }
        }
    }

    /// <summary>Records what fixed the incident (free text) and, when known, whether verification passed.</summary>
    public Task<bool> SetFixAsync(Guid incidentId, string? fix, bool? verified, CancellationToken ct = default) =>
        SetFixAsync(m => m.IncidentId == incidentId, fix, verified, ct);

    /// <summary>The same by incident number; false when INC-number is not (yet) remembered.</summary>
    public async Task<bool> SetFixAsync(int number, string? fix, bool? verified, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var id = await db.Incidents.Where(i => i.Number == number).Select(i => (Guid?)i.Id).SingleOrDefaultAsync(ct);
        return id is not null && await SetFixAsync(id.Value, fix, verified, ct);
    }

    private async Task<bool> SetFixAsync(System.Linq.Expressions.Expression<Func<MemoryEntry, bool>> which, string? fix, bool? verified, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entry = await db.MemoryEntries.SingleOrDefaultAsync(which, ct);
        if (entry is null)
        {
            return false;
        }

        entry.SetFix(fix, verified);
        await db.SaveChangesAsync(ct);
        return true;
    }
}
