using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Reports.Email;

public enum OutboxStatus
{
    /// <summary>SMTP is not configured; sent once it is (the outbox sweep enqueues it).</summary>
    Waiting,

    /// <summary>A send job is enqueued.</summary>
    Queued,

    /// <summary>Claimed by one send attempt; nobody else may send it.</summary>
    Sending,

    Sent,

    /// <summary>The last attempt failed before the server accepted the message; retried with backoff.</summary>
    Failed,

    /// <summary>
    /// The connection broke while the server may have accepted the message (or a sender died
    /// mid-send). Never re-sent automatically (at-most-once); an Admin can send it again.
    /// </summary>
    Uncertain,
}

/// <summary>
/// One email, stored before it is sent (the transactional outbox). <see cref="Key"/> makes
/// enqueueing idempotent: the same post-mortem revision is never queued twice.
/// </summary>
public sealed class OutboxMessage
{
    private OutboxMessage()
    {
    }

    public long Id { get; private set; }

    /// <summary>Unique: "postmortem:{incident}:r{revision}".</summary>
    public string Key { get; private set; } = "";

    public Guid? IncidentId { get; private set; }

    /// <summary>How it leaves: <see cref="OutboxChannels.Email"/> (SMTP), or a chat/paging channel's kind whose sender is an <see cref="IOutboxChannel"/>.</summary>
    public string Channel { get; private set; } = OutboxChannels.Email;

    /// <summary>The configured channel (Notifications) a non-email message goes to; its URL or token is kept there, encrypted.</summary>
    public Guid? ChannelId { get; private set; }

    /// <summary>Email: the recipients. Another channel: its name, for people reading the Outbox page.</summary>
    public List<string> To { get; private set; } = [];
    public string Subject { get; private set; } = "";
    public string TextBody { get; private set; } = "";
    public string? HtmlBody { get; private set; }
    public string? AttachmentName { get; private set; }
    public string? AttachmentContentType { get; private set; }
    public byte[]? Attachment { get; private set; }
    public OutboxStatus Status { get; private set; }
    public int Attempts { get; private set; }

    /// <summary>Set at the first claim and reused by every attempt, so a duplicate is recognisable downstream.</summary>
    public string? MessageId { get; private set; }

    public Guid? ClaimToken { get; private set; }
    public DateTimeOffset? ClaimedAt { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? SentAt { get; private set; }

    public static OutboxMessage Create(string key, Guid? incidentId, IEnumerable<string> to, string subject, string textBody, string? htmlBody,
        string? attachmentName, string? attachmentContentType, byte[]? attachment, bool smtpConfigured, DateTimeOffset at) =>
        new()
        {
            Key = key,
            IncidentId = incidentId,
            To = to.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            Subject = subject,
            TextBody = textBody,
            HtmlBody = htmlBody,
            AttachmentName = attachmentName,
            AttachmentContentType = attachmentContentType,
            Attachment = attachment,
            Status = smtpConfigured ? OutboxStatus.Queued : OutboxStatus.Waiting,
            CreatedAt = at,
        };

    /// <summary>A message for a chat or paging channel: <paramref name="payload"/> (JSON) is what its sender posts; no secret is in it.</summary>
    public static OutboxMessage CreateForChannel(string key, Guid? incidentId, string channel, Guid channelId, string channelName, string subject,
        string payload, DateTimeOffset at) =>
        new()
        {
            Key = key,
            IncidentId = incidentId,
            Channel = channel,
            ChannelId = channelId,
            To = [channelName],
            Subject = subject.Length > 500 ? subject[..500] : subject,
            TextBody = payload,
            Status = OutboxStatus.Queued,
            CreatedAt = at,
        };
}

public static class OutboxChannels
{
    public const string Email = "email";
}

/// <summary>
/// Delivers outbox messages of one or more non-email channels (implemented by Notifications). Return normally when the
/// receiver took the message; throw <see cref="NotDeliveredException"/> when it certainly did not; any other exception
/// means it may have (Uncertain, never re-sent by itself).
/// </summary>
public interface IOutboxChannel
{
    bool Handles(string channel);

    Task DeliverAsync(OutboxMessage message, CancellationToken ct);
}

/// <summary>The receiver did not take the message. <see cref="Permanent"/>: trying again cannot help (a 4xx, a removed channel).</summary>
public sealed class NotDeliveredException(string message, bool permanent, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("email_outbox");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).UseIdentityAlwaysColumn();
        builder.Property(m => m.Key).HasMaxLength(300);
        builder.HasIndex(m => m.Key).IsUnique();
        builder.Property(m => m.To).HasColumnType("text[]");
        builder.Property(m => m.Subject).HasMaxLength(500);
        builder.Property(m => m.Channel).HasMaxLength(40).HasDefaultValue(OutboxChannels.Email);
        builder.Property(m => m.AttachmentName).HasMaxLength(300);
        builder.Property(m => m.AttachmentContentType).HasMaxLength(100);
        builder.Property(m => m.MessageId).HasMaxLength(300);
        builder.Property(m => m.LastError).HasMaxLength(2000);
        builder.HasIndex(m => new { m.Status, m.CreatedAt });
        builder.HasIndex(m => m.IncidentId);
    }
}
