using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Ingestion;

public sealed record SilenceView(
    Guid Id, string Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Reason, string CreatedBy, bool Active, int SilencedAlerts);

/// <summary>Maintenance windows: create, list, end early; each change audited in its own commit.</summary>
public sealed class SilenceService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, IAuditLog audit)
{
    public async Task<IReadOnlyList<SilenceView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var silences = await db.Silences.AsNoTracking().Where(s => s.EndsAt > now.AddDays(-7)).OrderByDescending(s => s.EndsAt).ToListAsync(ct);
        var ids = silences.Select(s => s.Id).ToList();
        var counts = await db.Alerts.Where(a => a.SilenceId != null && ids.Contains(a.SilenceId.Value))
            .GroupBy(a => a.SilenceId!.Value).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return silences.Select(s => new SilenceView(s.Id, s.Describe(), s.StartsAt, s.EndsAt, s.Reason, s.CreatedBy, s.IsActive(now), counts.GetValueOrDefault(s.Id))).ToList();
    }

    /// <summary>Creates a window from "label=value, ..." starting now (or at <paramref name="startsAt"/>) for <paramref name="duration"/>.</summary>
    public async Task<Guid> CreateAsync(string matchers, TimeSpan duration, string reason, AuditActor actor, DateTimeOffset? startsAt = null, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "start maintenance windows");
        var by = actor.Name;
        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(30))
        {
            throw new InvalidInputException("A maintenance window lasts between a minute and 30 days.", "Invalid maintenance window");
        }

        var now = clock.GetUtcNow();
        var start = startsAt ?? now;
        var silence = Silence.Create(Silence.ParseMatchers(matchers), start, start + duration, reason, by, now);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Silences.Add(silence);
        audit.Add(db, new AuditRecord(actor, "maintenance.created", Subject(silence), After: Audited(silence)));
        await db.SaveChangesAsync(ct);
        return silence.Id;
    }

    public async Task ExpireAsync(Guid id, AuditActor? by = null, CancellationToken ct = default)
    {
        Permissions.Demand(by, Policies.Responder, "end maintenance windows");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var silence = await db.Silences.SingleOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException($"There is no maintenance window {id}.", "Maintenance window not found");
        var before = Audited(silence);
        silence.Expire(clock.GetUtcNow());
        audit.Add(db, new AuditRecord(by ?? AuditActor.IncidentHub, "maintenance.ended", Subject(silence), before, Audited(silence)));
        await db.SaveChangesAsync(ct);
    }

    private static string Subject(Silence s) => $"maintenance:{s.Describe()}";

    private static object Audited(Silence s) => new { Matchers = s.Describe(), s.StartsAt, s.EndsAt, s.Reason };
}
