using System.Text.Json;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>What a stored observation holds; the UI picks its evidence view from this.</summary>
public enum ObservationKind
{
    LogTemplates,
    StackTrace,
    MetricSeries,
    MetricOnset,
    Deploy,
    Commit,
    Blame,
    Diff,
    HealthCheck,
    Memory,
    SuspiciousLog,
    Unavailable,
}

/// <summary>
/// One stored piece of evidence from a connector or from extraction (a log template with counts,
/// a series, a commit, a health result). Diagnoses cite observations by id
/// (<see cref="EvidenceId"/>); an observation never changes after it is written.
/// </summary>
public sealed class Observation
{
    private Observation()
    {
    }

    public long Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public ObservationKind Kind { get; private set; }

    /// <summary>Which connector and source: "logs:file:/var/log/x.log", "prometheus:http://...", "git:/repo".</summary>
    public string Source { get; private set; } = "";

    /// <summary>One readable line, shown where the diagnosis cites it.</summary>
    public string Summary { get; private set; } = "";

    /// <summary>The fact itself as JSON (the contract record from IncidentHub.Analysis.Diagnosis, or raw data).</summary>
    public string Data { get; private set; } = "{}";

    /// <summary>Which investigation attempt wrote it (1, 2, ... as the window widens).</summary>
    public int Attempt { get; private set; }

    public string EvidenceId => $"obs-{Id}";

    public static Observation Create<T>(Guid incidentId, DateTimeOffset at, ObservationKind kind, string source, string summary, T data, int attempt = 1) =>
        new()
        {
            IncidentId = incidentId,
            At = at,
            Kind = kind,
            Source = AlertLimits.Truncate(source, 500),
            Summary = AlertLimits.Truncate(summary, 2000),
            Data = JsonSerializer.Serialize(data, JsonDefaults.Options),
            Attempt = attempt,
        };

    public T? Read<T>() => JsonSerializer.Deserialize<T>(Data, JsonDefaults.Options);

    public static long? ParseEvidenceId(string evidenceId) =>
        evidenceId.StartsWith("obs-", StringComparison.Ordinal) && long.TryParse(evidenceId.AsSpan(4), out var id) ? id : null;
}

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

/// <summary>Enums as names, camelCase: the same JSON in the database, the API and the UI.</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}

internal sealed class ObservationConfiguration : IEntityTypeConfiguration<Observation>
{
    public void Configure(EntityTypeBuilder<Observation> builder)
    {
        builder.ToTable("observations");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).UseIdentityAlwaysColumn();
        builder.Property(o => o.Source).HasMaxLength(500);
        builder.Property(o => o.Summary).HasMaxLength(2000);
        builder.Property(o => o.Data).HasColumnType("jsonb");
        builder.Ignore(o => o.EvidenceId);
        builder.HasIndex(o => new { o.IncidentId, o.Id });
        builder.HasOne<Incidents.Incident>().WithMany().HasForeignKey(o => o.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
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
