using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Response.StatusUpdates;

/// <summary>A status update a person sent (after editing its draft): to whom, what it said, through which outbox message.</summary>
public sealed class StatusUpdate
{
    private StatusUpdate()
    {
    }

    public long Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public StatusAudience Audience { get; private set; }
    public string Subject { get; private set; } = "";
    public string Body { get; private set; } = "";
    public string[] Recipients { get; private set; } = [];
    public string SentBy { get; private set; } = "";
    public DateTimeOffset SentAt { get; private set; }
    public DateTimeOffset? NextUpdateBy { get; private set; }

    /// <summary>The outbox message's key: the Outbox page shows whether it went out.</summary>
    public string OutboxKey { get; private set; } = "";

    public static StatusUpdate Create(Guid incidentId, StatusAudience audience, string subject, string body, IEnumerable<string> recipients, string by,
        DateTimeOffset at, DateTimeOffset? next, string outboxKey) =>
        new()
        {
            IncidentId = incidentId, Audience = audience, Subject = subject, Body = body, Recipients = recipients.ToArray(), SentBy = by, SentAt = at,
            NextUpdateBy = next, OutboxKey = outboxKey,
        };
}

internal sealed class StatusUpdateConfiguration : IEntityTypeConfiguration<StatusUpdate>
{
    public void Configure(EntityTypeBuilder<StatusUpdate> builder)
    {
        builder.ToTable("status_updates");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).UseIdentityAlwaysColumn();
        builder.Property(u => u.Subject).HasMaxLength(StatusUpdateService.MaxSubject);
        builder.Property(u => u.Body).HasMaxLength(StatusUpdateService.MaxBody);
        builder.Property(u => u.SentBy).HasMaxLength(256);
        builder.Property(u => u.OutboxKey).HasMaxLength(200);
        builder.HasIndex(u => new { u.IncidentId, u.SentAt });
        builder.HasOne<Incident>().WithMany().HasForeignKey(u => u.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Who receives status updates (StatusUpdates section): email addresses per audience.</summary>
public sealed class StatusUpdateOptions
{
    public const string Section = "StatusUpdates";

    public List<string> InternalRecipients { get; set; } = [];

    public List<string> PublicRecipients { get; set; } = [];

    public IReadOnlyList<string> For(StatusAudience audience) =>
        (audience == StatusAudience.Public ? PublicRecipients : InternalRecipients).Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}
