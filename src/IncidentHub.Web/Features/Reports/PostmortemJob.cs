using System.Diagnostics;
using Hangfire;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IncidentHub.Web.Features.Reports;

/// <summary>
/// Writes the post-mortem of a resolved or escalated incident: builds the report, prints the PDF
/// once per revision, stores it, and puts one email per revision in the outbox. Takes an id;
/// running it again changes nothing (the PDF exists, the outbox key exists).
/// </summary>
public sealed class PostmortemJob(
    AppDbContext db,
    PostmortemBuilder builder,
    PostmortemRenderer renderer,
    PdfPrinter printer,
    OutboxService outbox,
    ServiceCatalog catalog,
    IOptionsMonitor<EmailOptions> email,
    IIncidentNotifier notifier,
    TimeProvider clock,
    ILogger<PostmortemJob> logger,
    IncidentPipeline pipeline,
    IPostmortemNarrator narrator)
{
    public const string Actor = "postmortem";

    public static void Enqueue(IBackgroundJobClient jobs, Guid incidentId) =>
        jobs.Enqueue<PostmortemJob>(job => job.RunAsync(incidentId, CancellationToken.None));

    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [10, 60, 300])]
    public async Task RunAsync(Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().Where(i => i.Id == incidentId)
            .Select(i => new { i.Id, i.Number, i.Title, i.Service, i.Severity, i.State })
            .SingleOrDefaultAsync(ct);
        if (incident is null || incident.State is not (IncidentState.Resolved or IncidentState.Escalated))
        {
            logger.LogDebug("Post-mortem of {IncidentId} skipped: missing or neither resolved nor escalated", incidentId);
            return;
        }

        var postmortem = await StartOrReissueAsync(incidentId, incident.State, ct);
        PrintResult? printed = null;
        if (postmortem.PendingRender)
        {
            printed = await PrintAsync(postmortem, ct);
            if (printed is null)
            {
                return;
            }
        }

        if (postmortem.Pdf is null && printed?.PdfFailure is null)
        {
            return; // Written as Markdown only by an earlier run, which emailed it.
        }

        // The email is stored in the same commit as the PDF (or the Markdown-only state): no crash can leave a written
        // post-mortem without its email. A crash after the commit, before the send is enqueued, leaves the message Queued
        // for the outbox sweep; the outbox key keeps it to one email per revision.
        var staged = await StageEmailAsync(incident.Number, incident.Title, incident.Severity, incident.Service, incident.State, postmortem, printed, ct);
        if (printed is not null)
        {
            if (!await SaveAsync(postmortem, ct))
            {
                return; // Another run stored this revision, and its email, first.
            }
        }
        else if (staged is not null)
        {
            // The PDF was stored by a run that predates the email in the same commit: store the email now.
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return; // Another run stored it.
            }
        }

        if (staged is not null)
        {
            outbox.Dispatch(staged);
        }

        pipeline.PostmortemReady(incidentId);
    }

    private async Task<OutboxMessage?> StageEmailAsync(int number, string title, Severity severity, string? service, IncidentState state, Postmortem postmortem,
        PrintResult? printed, CancellationToken ct)
    {
        var recipients = Recipients(service);
        var reference = $"INC-{number}";
        if (recipients.Count == 0)
        {
            logger.LogWarning("Post-mortem of {Reference} not emailed: no service owner email and Email:DistributionList is empty", reference);
            return null;
        }

        var subject = state == IncidentState.Escalated
            ? $"[IncidentHub] Escalated {reference} ({severity}): {title}"
            : $"[IncidentHub] Post-mortem {reference} ({severity}, resolved): {title}";
        var name = postmortem.Revision == 1 ? $"{reference}-postmortem" : $"{reference}-postmortem-r{postmortem.Revision}";
        var key = OutboxKey(postmortem.IncidentId, postmortem.Revision);
        if (printed?.PdfFailure is { } failure)
        {
            var text = $"""
                The PDF of this post-mortem could not be made: {failure}
                The post-mortem is attached as Markdown ({name}.md) and follows below.

                {postmortem.Markdown}
                """;
            return await outbox.StageAsync(db, key, postmortem.IncidentId, recipients, subject, text, $"{name}.md", "text/markdown; charset=utf-8",
                System.Text.Encoding.UTF8.GetBytes(postmortem.Markdown ?? ""), ct);
        }

        return await outbox.StageAsync(db, key, postmortem.IncidentId, recipients, subject, postmortem.Markdown ?? "", $"{name}.pdf", "application/pdf", postmortem.Pdf, ct);
    }

    public static string OutboxKey(Guid incidentId, int revision) => $"postmortem:{incidentId}:r{revision}";

    private List<string> Recipients(string? service)
    {
        var owner = catalog.Find(service)?.OwnerEmail;
        return new[] { owner }.Concat(email.CurrentValue.DistributionList)
            .Where(a => !string.IsNullOrWhiteSpace(a) && MimeKit.MailboxAddress.TryParse(a, out _))
            .Select(a => a!.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private async Task<Postmortem> StartOrReissueAsync(Guid incidentId, IncidentState state, CancellationToken ct)
    {
        var existing = await db.Postmortems.SingleOrDefaultAsync(p => p.IncidentId == incidentId, ct);
        if (existing is not null)
        {
            // An escalated incident that is later resolved gets its final post-mortem.
            if (existing.Pdf is not null && existing.WrittenFor == IncidentState.Escalated && state == IncidentState.Resolved)
            {
                existing.Reissue(state, clock.GetUtcNow());
                await db.SaveChangesAsync(ct);
            }

            return existing;
        }

        var draft = await builder.BuildAsync(db, incidentId, null, 1, ct);
        var created = Postmortem.Start(incidentId, state, draft?.ActionItems ?? [], clock.GetUtcNow());
        db.Postmortems.Add(created);
        try
        {
            await db.SaveChangesAsync(ct);
            return created;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            return await db.Postmortems.SingleAsync(p => p.IncidentId == incidentId, ct);
        }
    }

    /// <summary>What printing produced: a stored PDF (PdfFailure null), or Markdown only and why the PDF could not be made.</summary>
    private sealed record PrintResult(string? PdfFailure);

    /// <summary>
    /// Prints the PDF and stores it with the Markdown. When the PDF cannot be made (Chromium missing, not starting, hung or
    /// crashed) the Markdown is kept on the entity, not yet saved, and the reason returned, so the caller emails it first.
    /// Null when there is nothing to print.
    /// </summary>
    private async Task<PrintResult?> PrintAsync(Postmortem postmortem, CancellationToken ct)
    {
        var report = await builder.BuildAsync(db, postmortem.IncidentId, postmortem.ActionItems, postmortem.Revision, ct);
        if (report is null)
        {
            return null;
        }

        // A model (when one is configured) writes the narrative from the facts just gathered; it is stored on the timeline and read back.
        if (report.Narrative?.Revision != postmortem.Revision)
        {
            await narrator.WriteAsync(report, postmortem.IncidentId, ct);
            report = await builder.BuildAsync(db, postmortem.IncidentId, postmortem.ActionItems, postmortem.Revision, ct) ?? report;
        }

        var watch = Stopwatch.StartNew();
        var html = await renderer.RenderHtmlAsync(report);
        var markdown = PostmortemRenderer.RenderMarkdown(report);
        byte[] pdf;
        try
        {
            pdf = await printer.PrintAsync(html, ct);
        }
        catch (PdfNotPrintedException ex)
        {
            logger.LogWarning("Post-mortem PDF of incident {IncidentId} could not be made, emailing the Markdown: {Reason}", postmortem.IncidentId, ex.Message);
            var at = clock.GetUtcNow();
            postmortem.WrittenWithoutPdf(markdown, at);
            db.Timeline.Add(TimelineEntry.Create(postmortem.IncidentId, at, Actor, TimelineKind.Note,
                AlertLimits.Truncate($"Post-mortem revision {postmortem.Revision} written as Markdown only; the PDF could not be made: {ex.Message}", 1000)));
            return new PrintResult(ex.Message);
        }

        watch.Stop();
        var now = clock.GetUtcNow();
        postmortem.Printed(pdf, markdown, watch.Elapsed.TotalMilliseconds, now);
        db.Timeline.Add(TimelineEntry.Create(postmortem.IncidentId, now, Actor, TimelineKind.Note,
            $"Post-mortem revision {postmortem.Revision} written ({pdf.Length / 1024} KiB PDF, {watch.ElapsedMilliseconds} ms)"));
        return new PrintResult(null);
    }

    /// <summary>Stores the printed revision with its email; false when another run stored this revision first (theirs stands).</summary>
    private async Task<bool> SaveAsync(Postmortem postmortem, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is DbUpdateConcurrencyException
            || ex is DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } })
        {
            db.ChangeTracker.Clear();
            return false;
        }

        await notifier.PublishAsync([postmortem.IncidentId], ct);
        return true;
    }
}

/// <summary>
/// Every minute: writes the post-mortems that no one enqueued (incidents resolved by their alerts,
/// escalated by an agent, or a process that died after resolving). Looks back two hours only, so
/// generated history never floods the printer.
/// </summary>
public sealed class PostmortemSweepJob(AppDbContext db, IBackgroundJobClient jobs, TimeProvider clock)
{
    public const string RecurringId = "postmortem-sweep";

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var from = now.AddHours(-2);
        var settled = now.AddSeconds(-20);
        var missing = await db.Incidents
            .Where(i => (i.State == IncidentState.Resolved && i.ResolvedAt >= from && i.ResolvedAt < settled)
                || (i.State == IncidentState.Escalated && i.EscalatedAt >= from && i.EscalatedAt < settled))
            // Written: a PDF, or Markdown only when the PDF could not be made (that one was emailed; the sweep does not
            // keep a hung Chromium busy every minute).
            .Where(i => !db.Postmortems.Any(p => p.IncidentId == i.Id && (p.Pdf != null || p.Markdown != null)
                && (p.WrittenFor == i.State || i.State == IncidentState.Escalated)))
            .OrderBy(i => i.TriggeredAt)
            .Select(i => i.Id)
            .Take(100)
            .ToListAsync(ct);
        foreach (var id in missing)
        {
            PostmortemJob.Enqueue(jobs, id);
        }
    }
}
