using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

public enum GitHubDeliveryStatus
{
    /// <summary>Stored, not applied yet (or the process stopped while applying it): the sweep applies it.</summary>
    Received,

    /// <summary>Applied: a pull request's state was recorded, or it concerned no pull request IncidentHub opened.</summary>
    Processed,

    /// <summary>Not a pull_request event: kept as received, nothing to apply.</summary>
    Ignored,

    /// <summary>Applying failed; the sweep tries again up to <see cref="GitHubDelivery.MaxAttempts"/> times.</summary>
    Failed,
}

/// <summary>
/// One signed GitHub webhook delivery, stored as received before it is applied (docs/decisions/037): GitHub does not
/// redeliver on its own, so a delivery that failed to apply is applied again by the sweep, and a redelivery of one
/// already applied (same X-GitHub-Delivery) changes nothing.
/// </summary>
public sealed class GitHubDelivery
{
    public const int MaxAttempts = 5;

    private GitHubDelivery()
    {
    }

    public long Id { get; private set; }

    /// <summary>GitHub's X-GitHub-Delivery GUID; null when the sender gave none.</summary>
    public string? DeliveryId { get; private set; }

    public string Event { get; private set; } = "";
    public DateTimeOffset ReceivedAt { get; private set; }
    public byte[] Body { get; private set; } = [];
    public GitHubDeliveryStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset? ProcessedAt { get; private set; }

    /// <summary>Applying it recorded a new state of a pull request IncidentHub opened.</summary>
    public bool Recorded { get; private set; }

    /// <summary>What applying it did, or why it failed (never the body).</summary>
    public string? Outcome { get; private set; }

    public static GitHubDelivery Receive(string? deliveryId, string @event, byte[] body, DateTimeOffset now) => new()
    {
        DeliveryId = string.IsNullOrWhiteSpace(deliveryId) ? null : deliveryId.Trim()[..Math.Min(deliveryId.Trim().Length, 100)],
        Event = @event.Length > 100 ? @event[..100] : @event,
        Body = body,
        ReceivedAt = now,
        Status = GitHubDeliveryStatus.Received,
    };

    public bool Done => Status is GitHubDeliveryStatus.Processed or GitHubDeliveryStatus.Ignored;

    public void Applied(GitHubDeliveryStatus status, bool recorded, string outcome, DateTimeOffset now)
    {
        Status = status;
        Recorded = recorded;
        Outcome = Bound(outcome);
        ProcessedAt = now;
        Attempts++;
    }

    public void Failed(string reason, DateTimeOffset now)
    {
        Status = GitHubDeliveryStatus.Failed;
        Outcome = Bound(reason);
        ProcessedAt = now;
        Attempts++;
    }

    private static string Bound(string text) => text.Length <= 500 ? text : text[..500];
}

internal sealed class GitHubDeliveryConfiguration : IEntityTypeConfiguration<GitHubDelivery>
{
    public void Configure(EntityTypeBuilder<GitHubDelivery> builder)
    {
        builder.ToTable("github_deliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.DeliveryId).HasMaxLength(100);
        builder.HasIndex(d => d.DeliveryId).IsUnique().HasFilter("\"DeliveryId\" IS NOT NULL");
        builder.Property(d => d.Event).HasMaxLength(100);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.Outcome).HasMaxLength(500);
        builder.HasIndex(d => new { d.Status, d.ReceivedAt });
    }
}
