using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Response.StatusUpdates;

/// <summary>
/// Drafts status updates from the incident's facts (<see cref="StatusDrafts"/>) and sends what a person edited through
/// the email outbox (durable, at most once, visible on the Outbox page), with a timeline line and an audit entry.
/// </summary>
public sealed class StatusUpdateService(
    IDbContextFactory<AppDbContext> dbFactory,
    OutboxService outbox,
    IOptionsMonitor<StatusUpdateOptions> options,
    IAuditLog audit,
    IIncidentNotifier notifier,
    TimeProvider clock)
{
    public const int MaxSubject = 300;
    public const int MaxBody = 20_000;

    public IReadOnlyList<string> Recipients(StatusAudience audience) => options.CurrentValue.For(audience);

    public async Task<StatusDraft> DraftAsync(int number, StatusAudience audience, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incident = await ResponseService.FindAsync(db, number, ct);
        var diagnosis = await db.Diagnoses.AsNoTracking().Where(d => d.IncidentId == incident.Id && d.IsFinal).OrderByDescending(d => d.At).FirstOrDefaultAsync(ct);
        string? cause = null;
        if (diagnosis?.Read() is { Unknown: false, Category: { } category } read)
        {
            cause = $"{category.ToName()} (confidence {read.Confidence:0.00}): {read.Summary}";
        }

        var actions = await db.PlanActions.AsNoTracking().Where(a => a.IncidentId == incident.Id && a.State == ActionState.Succeeded && a.Tier != IncidentHub.Analysis.Remediation.ActionTier.Read)
            .OrderBy(a => a.FinishedAt).Select(a => a.Title).ToListAsync(ct);
        var facts = new StatusFacts(incident.Reference, incident.Severity, incident.State, incident.Service, incident.TriggeredAt, clock.GetUtcNow(),
            incident.Owner, incident.Commander, cause, actions);
        return StatusDrafts.Draft(facts, audience);
    }

    public async Task<IReadOnlyList<StatusUpdateView>> ListAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incident = await ResponseService.FindAsync(db, number, ct);
        return await db.StatusUpdates.AsNoTracking().Where(u => u.IncidentId == incident.Id).OrderByDescending(u => u.SentAt)
            .Select(u => new StatusUpdateView(u.Id, u.Audience, u.Subject, u.Body, u.Recipients, u.SentBy, u.SentAt, u.NextUpdateBy, u.OutboxKey))
            .ToListAsync(ct);
    }

    /// <summary>Sends what the person wrote (their edit of the draft) to the audience's configured recipients.</summary>
    public async Task<long> SendAsync(int number, string? audience, string? subject, string? body, AuditActor actor, CancellationToken ct = default)
    {
        Permissions.Demand(actor, Policies.Responder, "send status updates");
        if (!Enum.TryParse<StatusAudience>(audience, ignoreCase: true, out var to) || !Enum.IsDefined(to))
        {
            throw new InvalidInputException($"The audience must be internal or public; got '{audience}'.", "Invalid audience");
        }

        var title = ResponseService.Required(subject, "subject", MaxSubject);
        var text = ResponseService.Required(body, "body", MaxBody);
        var recipients = Recipients(to);
        if (recipients.Count == 0)
        {
            throw new ConflictException(
                $"No {to.ToString().ToLowerInvariant()} recipients are configured: set {StatusUpdateOptions.Section}:{to}Recipients (email addresses).",
                "No recipients");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The message is queued first (durable, its key unique, so a retry below queues it once): a crash before the record
        // leaves an email sent without its timeline line, never a line that claims an email that does not exist.
        var key = $"status-update:{Guid.CreateVersion7():N}";
        // An agent's write to the incident between the read and the save (triage, the investigation) is retried, not a 500.
        var (incidentId, updateId) = await OptimisticConcurrency.RetryAsync(db, 3, async _ =>
        {
            var incident = await ResponseService.FindAsync(db, number, ct);
            var now = clock.GetUtcNow();
            DateTimeOffset? next = incident.State == IncidentState.Resolved ? null : now + StatusDrafts.Cadence(incident.Severity);
            await outbox.EnqueueAsync(key, incident.Id, recipients, title, text, null, null, null, null, ct);
            var update = StatusUpdate.Create(incident.Id, to, title, text, recipients, actor.Name, now, next, key);
            db.StatusUpdates.Add(update);
            db.Timeline.Add(TimelineEntry.Create(incident.Id, now, actor.Name, TimelineKind.StatusUpdate,
                $"{to} status update sent by {actor.Name} to {recipients.Count} recipient(s): {title}", new() { ["audience"] = to.ToString(), ["outbox_key"] = key }));
            incident.Touch(now);
            audit.Add(db, new AuditRecord(actor, "incident.status_update.sent", incident.Reference, null, new { audience = to.ToString(), subject = title, recipients }, incident.Number));
            await db.SaveChangesAsync(ct);
            return (incident.Id, update.Id);
        });
        await notifier.PublishAsync([incidentId], ct);
        return updateId;
    }
}

public sealed record StatusUpdateView(long Id, StatusAudience Audience, string Subject, string Body, IReadOnlyList<string> Recipients, string SentBy,
    DateTimeOffset SentAt, DateTimeOffset? NextUpdateBy, string OutboxKey);
