using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Ingestion;

internal sealed class IntegrationConfiguration : IEntityTypeConfiguration<Integration>
{
    public void Configure(EntityTypeBuilder<Integration> builder)
    {
        builder.ToTable("integrations");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Name).HasMaxLength(200);
        builder.HasIndex(i => i.Name).IsUnique();
        builder.Property(i => i.TokenHash).HasMaxLength(64);
        builder.HasIndex(i => i.TokenHash).IsUnique();
        builder.Property(i => i.TokenPrefix).HasMaxLength(8);
        builder.Property(i => i.SigningSecretProtected).HasMaxLength(2000);
        builder.Ignore(i => i.RequiresSignature);
        builder.Property(i => i.PreviousSigningSecretProtected).HasMaxLength(2000);
        // Alerts belong to Incidents; the link to the integration that sent them is configured here, where integrations live.
        builder.HasMany<Alert>().WithOne().HasForeignKey(a => a.IntegrationId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(i => i.Rules).IsJsonRecord().HasDefaultValueSql(
            "'{\"GroupBy\":[],\"MaxIncidentAge\":null,\"OpenThreshold\":1,\"ThresholdWindow\":\"00:05:00\",\"ResolveWhenAllResolved\":true,\"FingerprintKeys\":[]}'::jsonb");
    }
}

internal sealed class AlertEventConfiguration : IEntityTypeConfiguration<AlertEvent>
{
    public void Configure(EntityTypeBuilder<AlertEvent> builder)
    {
        builder.ToTable("alert_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.Headers).IsJsonDictionary();
        builder.Property(e => e.Error).HasMaxLength(4000);
        builder.HasOne<Integration>().WithMany().HasForeignKey(e => e.IntegrationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(e => new { e.IntegrationId, e.ReceivedAt });
        builder.HasIndex(e => e.Status);
    }
}
