using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Ai;

/// <summary>One model call: who made it for which incident, the tokens it cost and their price. Never changes once written.</summary>
public sealed class AiUsage
{
    private AiUsage()
    {
    }

    public long Id { get; private set; }

    /// <summary>Null for calls outside an incident (the admin's "test connection").</summary>
    public Guid? IncidentId { get; private set; }

    public DateTimeOffset At { get; private set; }
    public AiAgent Agent { get; private set; }
    public string Model { get; private set; } = "";
    public long InputTokens { get; private set; }
    public long OutputTokens { get; private set; }
    public decimal Cost { get; private set; }

    public static AiUsage Create(Guid? incidentId, DateTimeOffset at, AiAgent agent, string model, long input, long output, decimal cost) =>
        new()
        {
            IncidentId = incidentId,
            At = at,
            Agent = agent,
            Model = model.Length > 100 ? model[..100] : model,
            InputTokens = Math.Max(0, input),
            OutputTokens = Math.Max(0, output),
            Cost = cost,
        };
}

internal sealed class AiUsageConfiguration : IEntityTypeConfiguration<AiUsage>
{
    public void Configure(EntityTypeBuilder<AiUsage> builder)
    {
        builder.ToTable("ai_usage");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).UseIdentityAlwaysColumn();
        builder.Property(u => u.Model).HasMaxLength(100);
        builder.Property(u => u.Cost).HasPrecision(18, 6);
        builder.HasIndex(u => new { u.IncidentId, u.Agent });
        builder.HasOne<Incidents.Incident>().WithMany().HasForeignKey(u => u.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}
