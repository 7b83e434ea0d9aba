using System.Text.Json;
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
