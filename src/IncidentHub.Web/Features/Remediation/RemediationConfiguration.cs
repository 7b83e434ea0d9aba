using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Remediation.Playbooks;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Remediation;

internal sealed class RemediationPlanConfiguration : IEntityTypeConfiguration<RemediationPlan>
{
    public void Configure(EntityTypeBuilder<RemediationPlan> builder)
    {
        builder.ToTable("remediation_plans");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Basis).HasMaxLength(1000);
        builder.Property(p => p.LeftOut).IsJsonRecord();
        builder.HasOne<Incident>().WithMany().HasForeignKey(p => p.IncidentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(p => new { p.IncidentId, p.Revision }).IsUnique();
        builder.HasMany(p => p.Actions).WithOne().HasForeignKey(a => a.PlanId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PlanActionConfiguration : IEntityTypeConfiguration<PlanAction>
{
    public void Configure(EntityTypeBuilder<PlanAction> builder)
    {
        builder.ToTable("plan_actions");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Playbook).HasMaxLength(200);
        builder.Property(a => a.Title).HasMaxLength(500);
        builder.Property(a => a.Tool).HasMaxLength(100);
        builder.Property(a => a.Target).HasMaxLength(500);
        builder.Property(a => a.Arguments).IsJsonDictionary();
        builder.Property(a => a.ArgumentOrigins).IsJsonDictionary();
        builder.Property(a => a.Tier).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.State).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.TierReasons).IsJsonRecord();
        builder.Property(a => a.Why).IsJsonRecord();
        // Null when the action has nothing to verify; EF never passes null through a converter.
        builder.Property(a => a.Postcondition).HasColumnType("jsonb").HasConversion(
            v => System.Text.Json.JsonSerializer.Serialize(v!, System.Text.Json.JsonSerializerOptions.Default),
            v => System.Text.Json.JsonSerializer.Deserialize<IncidentHub.Analysis.Remediation.Postcondition>(v, System.Text.Json.JsonSerializerOptions.Default));
        builder.Property(a => a.Rollback).HasMaxLength(1000);
        builder.Property(a => a.Precondition).HasMaxLength(1000);
        builder.Property(a => a.Hash).HasMaxLength(64);
        builder.Property(a => a.ApprovedHash).HasMaxLength(64);
        builder.Property(a => a.GateReason).HasMaxLength(500);
        builder.Property(a => a.DecidedBy).HasMaxLength(256);
        builder.Property(a => a.RejectReason).HasMaxLength(2000);
        builder.Property(a => a.Result).HasMaxLength(4000);
        builder.Property(a => a.ExternalRef).HasMaxLength(200);
        builder.Property(a => a.Verification).HasMaxLength(2000);
        builder.Property(a => a.Version).IsRowVersion();
        builder.HasIndex(a => new { a.IncidentId, a.State });
        builder.HasIndex(a => new { a.State, a.ExpiresAt });
    }
}

internal sealed class PlaybookEntryConfiguration : IEntityTypeConfiguration<PlaybookEntry>
{
    public void Configure(EntityTypeBuilder<PlaybookEntry> builder)
    {
        builder.ToTable("playbooks");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.HasIndex(p => p.Name).IsUnique();
        builder.Property(p => p.Definition).IsJsonRecord();
        builder.Property(p => p.UpdatedBy).HasMaxLength(256);
    }
}

internal sealed class SeededPlaybookConfiguration : IEntityTypeConfiguration<SeededPlaybook>
{
    public void Configure(EntityTypeBuilder<SeededPlaybook> builder)
    {
        builder.ToTable("seeded_playbooks");
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(200);
    }
}
