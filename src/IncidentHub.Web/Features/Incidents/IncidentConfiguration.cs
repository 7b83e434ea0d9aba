using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Incidents;

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public const string NumberSequence = "incident_numbers";

    public void Configure(EntityTypeBuilder<Incident> builder)
    {
        builder.ToTable("incidents");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Number).HasDefaultValueSql($"nextval('{NumberSequence}')").ValueGeneratedOnAdd();
        builder.HasIndex(i => i.Number).IsUnique();
        builder.Property(i => i.Title).HasMaxLength(300);
        builder.Property(i => i.Service).HasMaxLength(200);
        builder.Property(i => i.GroupKey).HasMaxLength(1000);
        builder.Property(i => i.TriageReason).HasMaxLength(1000);
        builder.Property(i => i.AcknowledgedBy).HasMaxLength(256);
        builder.Property(i => i.ResolvedBy).HasMaxLength(256);
        builder.Property(i => i.SeveritySetBy).HasMaxLength(256);
        builder.Property(i => i.ServiceSetBy).HasMaxLength(256);
        builder.Property(i => i.Owner).HasMaxLength(256);
        builder.Property(i => i.Commander).HasMaxLength(256);
        builder.Property(i => i.DeclaredBy).HasMaxLength(256);
        builder.Property(i => i.Version).IsRowVersion();
        // Rows that existed before the column came from real alerts or bundles alike; the column says Live for them.
        builder.Property(i => i.Origin).HasMaxLength(16).HasDefaultValue(IncidentOrigin.Live).HasSentinel(IncidentOrigin.Live);
        builder.Ignore(i => i.Reference);
        builder.Ignore(i => i.IsOpen);
        builder.HasIndex(i => new { i.IntegrationId, i.GroupKey, i.State });
        builder.HasIndex(i => i.State);
        builder.HasMany(i => i.Alerts).WithOne().HasForeignKey(a => a.IncidentId).OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(i => i.Timeline).WithOne().HasForeignKey(t => t.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IncidentLinkConfiguration : IEntityTypeConfiguration<IncidentLink>
{
    public void Configure(EntityTypeBuilder<IncidentLink> builder)
    {
        builder.ToTable("incident_links");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).UseIdentityAlwaysColumn();
        builder.Property(l => l.CreatedBy).HasMaxLength(256);
        builder.Property(l => l.Note).HasMaxLength(500);
        builder.HasIndex(l => new { l.FromId, l.ToId }).IsUnique();
        builder.HasIndex(l => l.ToId);
        builder.HasOne<Incident>().WithMany().HasForeignKey(l => l.FromId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Incident>().WithMany().HasForeignKey(l => l.ToId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TimelineEntryConfiguration : IEntityTypeConfiguration<TimelineEntry>
{
    public void Configure(EntityTypeBuilder<TimelineEntry> builder)
    {
        builder.ToTable("timeline_entries");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).UseIdentityAlwaysColumn();
        builder.Property(t => t.Actor).HasMaxLength(256);
        builder.Property(t => t.Text).HasMaxLength(4000);
        builder.Property(t => t.Details).IsJsonDictionary();
        builder.HasIndex(t => new { t.IncidentId, t.At });
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> builder)
    {
        builder.ToTable("alerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Fingerprint).HasMaxLength(200);
        builder.Property(a => a.Title).HasMaxLength(500);
        builder.Property(a => a.SourceUrl).HasMaxLength(2000);
        builder.Property(a => a.Labels).IsJsonDictionary();
        builder.Property(a => a.Annotations).IsJsonDictionary();
        // Existing rows get an empty history when the column is added.
        builder.Property(a => a.StateChanges).HasDefaultValueSql("'{}'");
        builder.Property(a => a.GroupKey).HasMaxLength(1000).HasDefaultValue("");
        builder.HasIndex(a => new { a.IntegrationId, a.GroupKey });
        // The incident page and API show the most recently seen alerts of an incident (a top-N, not a sort of thousands).
        builder.HasIndex(a => new { a.IncidentId, a.LastSeenAt });
        builder.HasIndex(a => new { a.IntegrationId, a.Fingerprint }).IsUnique();
    }
}
