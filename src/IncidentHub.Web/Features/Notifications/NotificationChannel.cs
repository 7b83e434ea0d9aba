using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Notifications;

/// <summary>Where a channel's messages go and in which format.</summary>
public enum ChannelKind
{
    /// <summary>Plain email to the addresses in <see cref="NotificationChannel.Target"/> (through SMTP, like post-mortems).</summary>
    Email,

    /// <summary>A Slack incoming webhook (secret: its URL); Block Kit. Slack returns no message ts, so no threads.</summary>
    Slack,

    /// <summary>Slack's chat.postMessage with a bot token (secret) to a channel id (target); one thread per incident.</summary>
    SlackBot,

    /// <summary>A Microsoft Teams workflow ("When a Teams webhook request is received") URL (secret); an Adaptive Card.</summary>
    Teams,

    /// <summary>Any HTTPS receiver (secret: its URL; signing secret: the HMAC key); JSON signed with HMAC-SHA256 over "{timestamp}.{body}".</summary>
    Webhook,

    /// <summary>PagerDuty Events API v2 (secret: the integration's routing key); trigger, acknowledge and resolve by dedup key.</summary>
    PagerDuty,
}

/// <summary>
/// One configured destination. Its URL, token or routing key is a secret: stored encrypted with the data-protection
/// keys (<see cref="ChannelSecrets"/>), never shown again, never logged; only <see cref="Name"/> and <see cref="Kind"/> are.
/// </summary>
public sealed class NotificationChannel
{
    private NotificationChannel()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public ChannelKind Kind { get; private set; }

    /// <summary>Encrypted: the webhook URL, the bot token or the routing key.</summary>
    public string ProtectedSecret { get; private set; } = "";

    /// <summary>Encrypted: the HMAC key of a signed webhook.</summary>
    public string? ProtectedSigningSecret { get; private set; }

    /// <summary>Not secret: the Slack channel id (SlackBot), the email addresses (Email, comma-separated), the PagerDuty events URL (empty: PagerDuty's).</summary>
    public string? Target { get; private set; }

    /// <summary>The host the secret URL points at, kept to show which receiver this is without showing the secret.</summary>
    public string? Host { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    public static NotificationChannel Create(string name, ChannelKind kind, string protectedSecret, string? protectedSigningSecret, string? target, string? host,
        string by, DateTimeOffset at) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            Name = name.Trim(),
            Kind = kind,
            ProtectedSecret = protectedSecret,
            ProtectedSigningSecret = protectedSigningSecret,
            Target = string.IsNullOrWhiteSpace(target) ? null : target.Trim(),
            Host = host,
            CreatedAt = at,
            CreatedBy = by,
        };
}

/// <summary>The Slack message that heads an incident's thread in one channel (its ts), so later messages reply under it.</summary>
public sealed class NotificationThread
{
    public Guid IncidentId { get; set; }
    public Guid ChannelId { get; set; }
    public string ThreadTs { get; set; } = "";
}

internal sealed class NotificationChannelConfiguration : IEntityTypeConfiguration<NotificationChannel>
{
    public void Configure(EntityTypeBuilder<NotificationChannel> builder)
    {
        builder.ToTable("notification_channels");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Name).HasMaxLength(100);
        builder.HasIndex(c => c.Name).IsUnique();
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.ProtectedSecret).HasMaxLength(4000);
        builder.Property(c => c.ProtectedSigningSecret).HasMaxLength(4000);
        builder.Property(c => c.Target).HasMaxLength(1000);
        builder.Property(c => c.Host).HasMaxLength(300);
        builder.Property(c => c.CreatedBy).HasMaxLength(256);
    }
}

internal sealed class NotificationThreadConfiguration : IEntityTypeConfiguration<NotificationThread>
{
    public void Configure(EntityTypeBuilder<NotificationThread> builder)
    {
        builder.ToTable("notification_threads");
        builder.HasKey(t => new { t.IncidentId, t.ChannelId });
        builder.Property(t => t.ThreadTs).HasMaxLength(64);
    }
}
