using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Memory;

/// <summary>Remembers one resolved incident (enqueued by every resolve path). Safe to run twice.</summary>
public sealed class RememberIncidentJob(IncidentMemory memory)
{
    public Task RunAsync(Guid incidentId, CancellationToken ct) => memory.RecordAsync(incidentId, ct);
}

/// <summary>
/// Catches resolved incidents that were never remembered (the process died between the resolve
/// and the enqueue). Runs every five minutes; recording is idempotent.
/// </summary>
public sealed class MemorySweepJob(AppDbContext db, IncidentMemory memory, TimeProvider clock)
{
    public const string RecurringId = "memory-sweep";

    public async Task RunAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow().AddMinutes(-1);
        var missing = await db.Incidents.AsNoTracking()
            .Where(i => i.State == IncidentState.Resolved && i.ResolvedAt < before && !db.MemoryEntries.Any(m => m.IncidentId == i.Id))
            .OrderByDescending(i => i.ResolvedAt)
            .Select(i => i.Id)
            .Take(200)
            .ToListAsync(ct);
        foreach (var id in missing)
        {
            await memory.RecordAsync(id, ct);
        }
    }
}
