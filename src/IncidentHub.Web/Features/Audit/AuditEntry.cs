using System.Text.Json;
using IncidentHub.Web.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Audit;

/// <summary>
/// One row of audit_entries. Written once, never changed: there is no setter outside creation, and the
/// table's trigger refuses UPDATE, DELETE and TRUNCATE.
/// </summary>
public sealed class AuditEntry
{
    private AuditEntry()
    {
    }

    public long Id { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string Actor { get; private set; } = "";
    public AuditActorKind ActorKind { get; private set; }
    public string Action { get; private set; } = "";
    public string Subject { get; private set; } = "";
    public int? IncidentNumber { get; private set; }

    /// <summary>Redacted JSON (jsonb), or null when the change has no before (a creation) or after (a deletion).</summary>
    public JsonDocument? Before { get; private set; }

    public JsonDocument? After { get; private set; }
    public string? Detail { get; private set; }

    public static AuditEntry Create(AuditRecord record, DateTimeOffset at) => new()
    {
        At = at,
        Actor = Cut(record.Actor.Name, 200),
        ActorKind = record.Actor.Kind,
        Action = Cut(record.Action, 100),
        Subject = Cut(record.Subject, 300),
        IncidentNumber = record.IncidentNumber,
        Before = AuditRedaction.ToRedactedJson(record.Before),
        After = AuditRedaction.ToRedactedJson(record.After),
        Detail = record.Detail is null ? null : Cut(record.Detail, 4000),
    };

    private static string Cut(string value, int max) => value.Length > max ? value[..max] : value;
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public const string Table = "audit_entries";

    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable(Table);
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.Subject).HasMaxLength(300);
        builder.Property(e => e.Detail).HasMaxLength(4000);
        builder.Property(e => e.Before).HasColumnType("jsonb");
        builder.Property(e => e.After).HasColumnType("jsonb");

        // Newest first (the page and the API), and an incident's entries newest first.
        builder.HasIndex(e => new { e.At, e.Id }).IsDescending(true, true).HasDatabaseName("ix_audit_entries_newest_first");
        builder.HasIndex(e => new { e.IncidentNumber, e.At }).IsDescending(false, true).HasFilter("\"IncidentNumber\" IS NOT NULL")
            .HasDatabaseName("ix_audit_entries_incident");
    }
}
