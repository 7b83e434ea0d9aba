using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// A diagnosis of an incident at a point in time (the engine's <c>Diagnosis</c> record as JSON).
/// Each investigation attempt appends one; the newest is the current answer.
/// </summary>
public sealed class DiagnosisRecord
{
    private DiagnosisRecord()
    {
    }

    public long Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public int Attempt { get; private set; }

    /// <summary>Category wire name ("bad-deploy-code") or null when the answer is unknown.</summary>
    public string? Category { get; private set; }

    public double Confidence { get; private set; }
    public bool WouldPage { get; private set; }

    /// <summary>Seconds from the first alert's receipt to this diagnosis.</summary>
    public double SecondsSinceAlert { get; private set; }

    public string Data { get; private set; } = "{}";

    /// <summary>The investigation's last answer: re-running the job for this incident does nothing.</summary>
    public bool IsFinal { get; private set; }

    public void MarkFinal() => IsFinal = true;

    public static DiagnosisRecord Create(Guid incidentId, DateTimeOffset at, int attempt, IncidentHub.Analysis.Diagnosis.Diagnosis diagnosis, double secondsSinceAlert) =>
        new()
        {
            IncidentId = incidentId,
            At = at,
            Attempt = attempt,
            Category = diagnosis.Category is { } c ? IncidentHub.Analysis.Diagnosis.CategoryNames.ToName(c) : null,
            Confidence = diagnosis.Confidence,
            WouldPage = diagnosis.WouldPage,
            SecondsSinceAlert = secondsSinceAlert,
            Data = JsonSerializer.Serialize(diagnosis, JsonDefaults.Options),
        };

    public IncidentHub.Analysis.Diagnosis.Diagnosis Read() =>
        JsonSerializer.Deserialize<IncidentHub.Analysis.Diagnosis.Diagnosis>(Data, JsonDefaults.Options)!;
}

internal sealed class DiagnosisRecordConfiguration : IEntityTypeConfiguration<DiagnosisRecord>
{
    public void Configure(EntityTypeBuilder<DiagnosisRecord> builder)
    {
        builder.ToTable("diagnoses");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).UseIdentityAlwaysColumn();
        builder.Property(d => d.Category).HasMaxLength(64);
        builder.Property(d => d.Data).HasColumnType("jsonb");
        builder.HasIndex(d => new { d.IncidentId, d.Id });
        builder.HasOne<Incidents.Incident>().WithMany().HasForeignKey(d => d.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}
