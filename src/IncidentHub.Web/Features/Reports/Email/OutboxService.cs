using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Features.Identity;
using Hangfire;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IncidentHub.Web.Features.Reports.Email;

public sealed record OutboxRow(long Id, string Key, Guid? IncidentId, IReadOnlyList<string> To, string Subject, string? AttachmentName, int AttachmentBytes,
    OutboxStatus Status, int Attempts, string? MessageId, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, string Channel = OutboxChannels.Email);

/// <summary>Stores emails before sending them and lists them for the incident page and the Outbox page.</summary>
public sealed class OutboxService(IDbContextFactory<AppDbContext> dbFactory, IBackgroundJobClient jobs, IOptionsMonitor<EmailOptions> options, TimeProvider clock)
{
    public bool SmtpConfigured => options.CurrentValue.IsConfigured;

    /// <summary>
    /// Stores the message unless one with the same key exists (then returns that one's id), and
    /// enqueues its send when SMTP is configured.
    /// </summary>
    public async Task<long> EnqueueAsync(string key, Guid? incidentId, IEnumerable<string> to, string subject, string textBody, string? htmlBody,
        string? attachmentName, string? attachmentContentType, byte[]? attachment, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Outbox.Where(m => m.Key == key).Select(m => (long?)m.Id).SingleOrDefaultAsync(ct) is { } existing)
        {
            return existing;
        }

        var message = OutboxMessage.Create(key, incidentId, to, subject, textBody, htmlBody, attachmentName, attachmentContentType, attachment,
            SmtpConfigured, clock.GetUtcNow());
        db.Outbox.Add(message);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two runs raced; the other one stored it.
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            return await again.Outbox.Where(m => m.Key == key).Select(m => m.Id).SingleAsync(ct);
        }

        if (message.Status == OutboxStatus.Queued)
        {
            jobs.Enqueue<SendEmailJob>(job => job.RunAsync(message.Id, CancellationToken.None));
        }

        return message.Id;
    }

    /// <summary>
    /// Adds the message to <paramref name="db"/>, to be stored in the caller's own commit with whatever it belongs to (a
    /// post-mortem's PDF), unless one with the same key is stored already (then null). After the commit, call
    /// <see cref="Dispatch"/>; a crash in between leaves it Queued, and the outbox sweep enqueues it.
    /// </summary>
    public async Task<OutboxMessage?> StageAsync(AppDbContext db, string key, Guid? incidentId, IEnumerable<string> to, string subject, string textBody,
        string? attachmentName, string? attachmentContentType, byte[]? attachment, CancellationToken ct)
    {
        if (await db.Outbox.AnyAsync(m => m.Key == key, ct))
        {
            return null;
        }

        var message = OutboxMessage.Create(key, incidentId, to, subject, textBody, null, attachmentName, attachmentContentType, attachment,
            SmtpConfigured, clock.GetUtcNow());
        db.Outbox.Add(message);
        return message;
    }

    /// <summary>Enqueues the send of a message <see cref="StageAsync"/> staged, once its commit is done.</summary>
    public void Dispatch(OutboxMessage message)
    {
        if (message.Status == OutboxStatus.Queued && message.Id != 0)
        {
            jobs.Enqueue<SendEmailJob>(job => job.RunAsync(message.Id, CancellationToken.None));
        }
    }

    /// <summary>Stores a chat or paging message unless one with the same key exists, and enqueues its send. Returns its id.</summary>
    public async Task<long> EnqueueToChannelAsync(string key, Guid? incidentId, string channel, Guid channelId, string channelName, string subject,
        string payload, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Outbox.Where(m => m.Key == key).Select(m => (long?)m.Id).SingleOrDefaultAsync(ct) is { } existing)
        {
            return existing;
        }

        var message = OutboxMessage.CreateForChannel(key, incidentId, channel, channelId, channelName, subject, payload, clock.GetUtcNow());
        db.Outbox.Add(message);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            return await again.Outbox.Where(m => m.Key == key).Select(m => m.Id).SingleAsync(ct);
        }

        jobs.Enqueue<SendEmailJob>(job => job.RunAsync(message.Id, CancellationToken.None));
        return message.Id;
    }

    public async Task<IReadOnlyList<OutboxRow>> ListAsync(Guid? incidentId = null, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Outbox.AsNoTracking();
        if (incidentId is { } id)
        {
            query = query.Where(m => m.IncidentId == id);
        }

        return await query.OrderByDescending(m => m.Id).Take(take)
            .Select(m => new OutboxRow(m.Id, m.Key, m.IncidentId, m.To, m.Subject, m.AttachmentName, m.Attachment == null ? 0 : m.Attachment.Length,
                m.Status, m.Attempts, m.MessageId, m.LastError, m.CreatedAt, m.SentAt, m.Channel))
            .ToListAsync(ct);
    }

    /// <summary>An Admin's explicit "send again" for a Failed or Uncertain message (may duplicate an Uncertain one; the Admin decides).</summary>
    public async Task<bool> SendAgainAsync(long id, AuditActor by, CancellationToken ct)
    {
        Permissions.Demand(by, Policies.Admin, "send outbox messages again");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var status = SmtpConfigured ? OutboxStatus.Queued : OutboxStatus.Waiting;
        var changed = await db.Outbox.Where(m => m.Id == id && (m.Status == OutboxStatus.Failed || m.Status == OutboxStatus.Uncertain))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, m => m.Channel == OutboxChannels.Email ? status : OutboxStatus.Queued), ct);
        status = await db.Outbox.Where(m => m.Id == id).Select(m => m.Status).SingleOrDefaultAsync(ct);
        if (changed > 0 && status == OutboxStatus.Queued)
        {
            jobs.Enqueue<SendEmailJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        return changed > 0;
    }
}
