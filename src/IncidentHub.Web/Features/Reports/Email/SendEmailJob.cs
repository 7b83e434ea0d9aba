using Hangfire;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace IncidentHub.Web.Features.Reports.Email;

/// <summary>
/// Sends one outbox message, at most once (docs/decisions/011-email-outbox-at-most-once.md):
/// claim (Queued/Waiting/Failed -> Sending, with a claim token and a fixed Message-Id), send,
/// mark Sent. A second run finds the row Sending or Sent and does nothing. A failure before the
/// server took the message is Failed and retried by Hangfire with backoff; a break during the
/// transfer is Uncertain and left for a person.
/// </summary>
public sealed class SendEmailJob(AppDbContext db, SmtpMailer mailer, IOptionsMonitor<EmailOptions> options, IEnumerable<IOutboxChannel> channels,
    TimeProvider clock, ILogger<SendEmailJob> logger)
{
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [15, 60, 300, 900, 3600], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(long messageId, CancellationToken ct)
    {
        var channel = await db.Outbox.Where(m => m.Id == messageId).Select(m => m.Channel).SingleOrDefaultAsync(ct);
        if (channel is not null && channel != OutboxChannels.Email)
        {
            await DeliverToChannelAsync(messageId, channel, ct);
            return;
        }

        var o = options.CurrentValue;
        if (!o.IsConfigured)
        {
            await db.Outbox.Where(m => m.Id == messageId && (m.Status == OutboxStatus.Queued || m.Status == OutboxStatus.Failed))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Waiting), ct);
            logger.LogInformation("SMTP is not configured; outbox message {Id} waits", messageId);
            return;
        }

        var token = Guid.NewGuid();
        var now = clock.GetUtcNow();
        var fallbackMessageId = $"{Guid.NewGuid():N}@incidenthub";
        var claimed = await db.Outbox
            .Where(m => m.Id == messageId && (m.Status == OutboxStatus.Queued || m.Status == OutboxStatus.Waiting || m.Status == OutboxStatus.Failed))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Sending)
                .SetProperty(m => m.ClaimToken, token)
                .SetProperty(m => m.ClaimedAt, now)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                .SetProperty(m => m.MessageId, m => m.MessageId ?? fallbackMessageId), ct);
        if (claimed == 0)
        {
            logger.LogInformation("Outbox message {Id} is already sent, being sent, or uncertain; not sending again", messageId);
            return;
        }

        var message = await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == messageId, ct);
        if (InvalidAddresses(message.To) is { Count: > 0 } invalid)
        {
            var reason = $"Not a valid email address: {string.Join(", ", invalid.Select(a => $"'{a}'"))}";
            logger.LogWarning("Outbox message {Id} failed for good: {Reason}", messageId, reason);
            await SetOutcomeAsync(messageId, token, OutboxStatus.Failed, reason, null, ct);
            return;
        }

        try
        {
            await mailer.SendAsync(ToMime(message, o), ct);
        }
        catch (MailNotSentException ex) when (ex.Permanent)
        {
            logger.LogWarning("Outbox message {Id} failed for good: {Reason}", messageId, ex.Message);
            await SetOutcomeAsync(messageId, token, OutboxStatus.Failed, ex.Message, null, ct);
            return; // Trying again cannot help; an Admin sees the reason on /outbox.
        }
        catch (MailNotSentException ex)
        {
            await SetOutcomeAsync(messageId, token, OutboxStatus.Failed, ex.Message, null, ct);
            throw; // Hangfire retries with backoff.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Outbox message {Id} may or may not have been delivered; marked Uncertain, not retried", messageId);
            await SetOutcomeAsync(messageId, token, OutboxStatus.Uncertain, $"Connection broke during the transfer: {ex.Message}", null, ct);
            return;
        }

        await SetOutcomeAsync(messageId, token, OutboxStatus.Sent, null, clock.GetUtcNow(), ct);
        logger.LogInformation("Outbox message {Id} sent to {Recipients}", messageId, string.Join(", ", message.To));
    }

    /// <summary>The same claim and outcomes as an email, through the channel's sender (Notifications).</summary>
    private async Task DeliverToChannelAsync(long messageId, string channel, CancellationToken ct)
    {
        var token = Guid.NewGuid();
        var now = clock.GetUtcNow();
        var messageKey = $"{Guid.NewGuid():N}@incidenthub";
        var claimed = await db.Outbox
            .Where(m => m.Id == messageId && (m.Status == OutboxStatus.Queued || m.Status == OutboxStatus.Waiting || m.Status == OutboxStatus.Failed))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Sending)
                .SetProperty(m => m.ClaimToken, token)
                .SetProperty(m => m.ClaimedAt, now)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                .SetProperty(m => m.MessageId, m => m.MessageId ?? messageKey), ct);
        if (claimed == 0)
        {
            logger.LogInformation("Outbox message {Id} is already sent, being sent, or uncertain; not sending again", messageId);
            return;
        }

        var message = await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == messageId, ct);
        var sender = channels.FirstOrDefault(c => c.Handles(channel));
        if (sender is null)
        {
            await SetOutcomeAsync(messageId, token, OutboxStatus.Failed, $"No sender for channel kind '{channel}'.", null, ct);
            return;
        }

        try
        {
            await sender.DeliverAsync(message, ct);
        }
        catch (NotDeliveredException ex) when (ex.Permanent)
        {
            logger.LogWarning("Outbox message {Id} ({Channel}) failed for good: {Reason}", messageId, channel, ex.Message);
            await SetOutcomeAsync(messageId, token, OutboxStatus.Failed, ex.Message, null, ct);
            return;
        }
        catch (NotDeliveredException ex)
        {
            await SetOutcomeAsync(messageId, token, OutboxStatus.Failed, ex.Message, null, ct);
            throw; // Hangfire retries with backoff.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError("Outbox message {Id} ({Channel}) may or may not have been delivered ({Error}); marked Uncertain, not retried", messageId, channel, ex.GetType().Name);
            await SetOutcomeAsync(messageId, token, OutboxStatus.Uncertain, $"The request broke after it was sent: {ex.Message}", null, ct);
            return;
        }

        await SetOutcomeAsync(messageId, token, OutboxStatus.Sent, null, clock.GetUtcNow(), ct);
        logger.LogInformation("Outbox message {Id} delivered to {Channel} channel {Name}", messageId, channel, string.Join(", ", message.To));
    }

    private Task SetOutcomeAsync(long id, Guid token, OutboxStatus status, string? error, DateTimeOffset? sentAt, CancellationToken ct)
    {
        var trimmed = error is null ? null : AlertLimits.Truncate(error, 2000);
        // CancellationToken.None: the outcome of a send must be written even if the job is being stopped.
        return db.Outbox.Where(m => m.Id == id && m.ClaimToken == token)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, status)
                .SetProperty(m => m.LastError, trimmed)
                .SetProperty(m => m.SentAt, sentAt), CancellationToken.None);
    }

    /// <summary>Recipients no SMTP server could take: MimeKit cannot parse them, or they lack a local part or a domain.</summary>
    public static IReadOnlyList<string> InvalidAddresses(IEnumerable<string> addresses) =>
        addresses.Where(a => !IsDeliverable(a)).ToList();

    private static bool IsDeliverable(string address) =>
        MailboxAddress.TryParse(ParserOptions.Default, address, out var mailbox)
        && mailbox.Address.LastIndexOf('@') is var at and > 0
        && at < mailbox.Address.Length - 1
        && !mailbox.Address.Any(char.IsWhiteSpace);

    public static MimeMessage ToMime(OutboxMessage message, EmailOptions options)
    {
        var mime = new MimeMessage { Subject = message.Subject, MessageId = message.MessageId ?? MimeKit.Utils.MimeUtils.GenerateMessageId() };
        mime.From.Add(MailboxAddress.Parse(options.From));
        foreach (var to in message.To)
        {
            mime.To.Add(MailboxAddress.Parse(to));
        }

        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        if (message.Attachment is not null && message.AttachmentName is not null)
        {
            body.Attachments.Add(message.AttachmentName, message.Attachment, ContentType.Parse(message.AttachmentContentType ?? "application/octet-stream"));
        }

        mime.Body = body.ToMessageBody();
        return mime;
    }
}

/// <summary>
/// Every minute: marks messages stuck in Sending for <see cref="EmailOptions.StuckSendingAfter"/> (a sender died mid-send) as Uncertain, never re-sending them by
/// itself; queues Waiting messages once SMTP is configured; and enqueues again messages left Queued for
/// <see cref="EmailOptions.RequeueQueuedAfterMinutes"/> (a process died between storing the message and enqueueing
/// its job, or the job was lost). A second job for a message that had one is harmless: only one run can claim it.
/// </summary>
public sealed class OutboxSweepJob(AppDbContext db, IBackgroundJobClient jobs, IOptionsMonitor<EmailOptions> options, TimeProvider clock)
{
    public const string RecurringId = "email-outbox-sweep";

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var stuckBefore = now - options.CurrentValue.StuckSendingAfter;
        await db.Outbox.Where(m => m.Status == OutboxStatus.Sending && m.ClaimedAt < stuckBefore)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Uncertain)
                .SetProperty(m => m.LastError, "The sender stopped during the send; it may have been delivered."), ct);
        var o = options.CurrentValue;
        if (!o.IsConfigured)
        {
            return;
        }

        var waiting = await db.Outbox.Where(m => m.Status == OutboxStatus.Waiting && m.Channel == OutboxChannels.Email).OrderBy(m => m.Id).Select(m => m.Id).Take(500).ToListAsync(ct);
        foreach (var id in waiting)
        {
            await db.Outbox.Where(m => m.Id == id && m.Status == OutboxStatus.Waiting)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Queued), ct);
            Enqueue(id);
        }

        // Queued since creation (never claimed: ClaimedAt null) or since an Admin's "send again" (ClaimedAt of the last attempt).
        var queuedBefore = now.AddMinutes(-o.RequeueQueuedAfterMinutes);
        var forgotten = await db.Outbox
            .Where(m => m.Status == OutboxStatus.Queued && (m.ClaimedAt ?? m.CreatedAt) < queuedBefore)
            .OrderBy(m => m.Id).Select(m => m.Id).Take(500).ToListAsync(ct);
        foreach (var id in forgotten)
        {
            Enqueue(id);
        }
    }

    private void Enqueue(long id) => jobs.Enqueue<SendEmailJob>(job => job.RunAsync(id, CancellationToken.None));
}
