using IncidentHub.Analysis.Diagnosis;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Investigation.Deploys;

/// <summary>A deploy (or rollback, config push) reported by a pipeline through <c>POST /api/deploys</c>.</summary>
public sealed class Deploy
{
    private Deploy()
    {
    }

    public long Id { get; private set; }
    public string Service { get; private set; } = "";
    public string Version { get; private set; } = "";
    public string? Commit { get; private set; }

    /// <summary>When the deploy happened (as the sender says).</summary>
    public DateTimeOffset At { get; private set; }

    /// <summary>succeeded, failed, in_progress, rolled_back ... as the sender says.</summary>
    public string? Status { get; private set; }

    /// <summary>deploy, rollback, config ...</summary>
    public string? Kind { get; private set; }

    public DateTimeOffset ReceivedAt { get; private set; }

    public static Deploy Create(string service, string version, string? commit, DateTimeOffset at, string? status, string? kind, DateTimeOffset receivedAt) =>
        new()
        {
            Service = service,
            Version = version,
            Commit = commit,
            At = at.ToUniversalTime(),
            Status = status,
            Kind = kind,
            ReceivedAt = receivedAt,
        };

    public DeployEvent ToEvent() => new(Service, Version, Commit, At, Status, Kind);
}

internal sealed class DeployConfiguration : IEntityTypeConfiguration<Deploy>
{
    public void Configure(EntityTypeBuilder<Deploy> builder)
    {
        builder.ToTable("deploys");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).UseIdentityAlwaysColumn();
        builder.Property(d => d.Service).HasMaxLength(200);
        builder.Property(d => d.Version).HasMaxLength(200);
        builder.Property(d => d.Commit).HasMaxLength(64);
        builder.Property(d => d.Status).HasMaxLength(32);
        builder.Property(d => d.Kind).HasMaxLength(32);
        builder.HasIndex(d => new { d.Service, d.At });
    }
}
