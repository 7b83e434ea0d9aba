using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Features.Identity;
using Hangfire;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using IncidentHub.Web.Infrastructure.Errors;

namespace IncidentHub.Web.Features.Reports;

/// <summary>What the UI and API show about an incident's post-mortem.</summary>
public sealed record PostmortemStatus(
    Guid IncidentId,
    int Number,
    IncidentState State,
    bool Written,
    int Revision,
    bool Printing,
    DateTimeOffset? GeneratedAt,
    int PdfBytes,
    double? RenderMilliseconds,
    IReadOnlyList<string> ActionItems,
    string? EditedBy,
    IReadOnlyList<OutboxRow> Emails);

public sealed record PostmortemView(PostmortemStatus Status, PostmortemReport Report);

/// <summary>Reads post-mortems for the page and the API; saves Responders' action items and re-sends on request.</summary>
public sealed class PostmortemService(
    IDbContextFactory<AppDbContext> dbFactory,
    PostmortemBuilder builder,
    OutboxService outbox,
    IBackgroundJobClient jobs,
    TimeProvider clock)
{
    /// <summary>The status and a live report (the draft for an open incident; with the stored action items once written).</summary>
    public async Task<PostmortemView?> GetAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incident = await db.Incidents.AsNoTracking().Where(i => i.Number == number).Select(i => new { i.Id, i.State }).SingleOrDefaultAsync(ct);
        if (incident is null)
        {
            return null;
        }

        var pm = await db.Postmortems.AsNoTracking().Where(p => p.IncidentId == incident.Id)
            .Select(p => new { p.Revision, p.ActionItems, p.GeneratedAt, Bytes = p.Pdf == null ? 0 : p.Pdf.Length, p.RenderMilliseconds, p.EditedBy })
            .SingleOrDefaultAsync(ct);
        var report = await builder.BuildAsync(db, incident.Id, pm?.ActionItems, pm?.Revision ?? 0, ct);
        // Post-mortem and approval emails; chat messages and pages are on the on-call panel.
        var emails = (await outbox.ListAsync(incident.Id, 100, ct)).Where(m => m.Channel == OutboxChannels.Email && !m.Key.StartsWith("notify:", StringComparison.Ordinal)).Take(20).ToList();
        var status = new PostmortemStatus(incident.Id, number, incident.State, pm is not null, pm?.Revision ?? 0, pm is not null && pm.GeneratedAt is null,
            pm?.GeneratedAt, pm?.Bytes ?? 0, pm?.RenderMilliseconds, pm?.ActionItems ?? report!.ActionItems, pm?.EditedBy, emails);
        return new PostmortemView(status, report!);
    }

    public async Task<(byte[] Pdf, int Revision)?> GetPdfAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Postmortems.AsNoTracking()
            .Where(p => p.Pdf != null && db.Incidents.Any(i => i.Id == p.IncidentId && i.Number == number))
            .Select(p => new { p.Pdf, p.Revision })
            .SingleOrDefaultAsync(ct);
        return row is null ? null : (row.Pdf!, row.Revision);
    }

    /// <summary>The stored Markdown of the sent revision, or a live rendering when none was written yet.</summary>
    public async Task<string?> GetMarkdownAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.Postmortems.AsNoTracking()
            .Where(p => p.Markdown != null && db.Incidents.Any(i => i.Id == p.IncidentId && i.Number == number))
            .Select(p => p.Markdown)
            .SingleOrDefaultAsync(ct);
        if (stored is not null)
        {
            return stored;
        }

        var view = await GetAsync(number, ct);
        return view is null ? null : PostmortemRenderer.RenderMarkdown(view.Report);
    }

    /// <summary>
    /// Saves the action items. With <paramref name="resend"/>, starts a new revision: the PDF is
    /// printed again and emailed again (the only way a post-mortem is sent twice).
    /// </summary>
    public async Task SaveActionItemsAsync(int number, IReadOnlyList<string> items, bool resend, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, resend ? "send post-mortems again" : "edit post-mortem action items");
        var by = actor.Name;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incident = await db.Incidents.AsNoTracking().Where(i => i.Number == number).Select(i => new { i.Id, i.State }).SingleOrDefaultAsync(ct)
            ?? throw new NotFoundException($"There is no incident INC-{number}.", "Incident not found");
        var pm = await db.Postmortems.SingleOrDefaultAsync(p => p.IncidentId == incident.Id, ct)
            ?? throw new IncidentConflictException($"INC-{number} has no post-mortem yet; it is written when the incident resolves or escalates.");
        if (resend && pm.GeneratedAt is null)
        {
            throw new IncidentConflictException($"The post-mortem of INC-{number} is being written; try again in a moment.");
        }

        var now = clock.GetUtcNow();
        pm.EditActionItems(items, by, now);
        if (resend)
        {
            pm.Reissue(incident.State, now);
        }

        db.Timeline.Add(TimelineEntry.Create(incident.Id, now, by, TimelineKind.Note,
            resend ? $"Post-mortem action items edited; revision {pm.Revision} will be re-sent" : "Post-mortem action items edited"));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new IncidentConflictException($"The post-mortem of INC-{number} changed meanwhile; reload and try again.");
        }

        if (resend)
        {
            PostmortemJob.Enqueue(jobs, incident.Id);
        }
    }
}
