using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.Reports;

/// <summary>
/// The post-mortem of one incident: the printed PDF (what was emailed) and the action items
/// Responders edit. <see cref="Revision"/> counts PDFs: 1 when first written, +1 each time it is
/// re-sent on purpose (or re-written when an escalated incident is finally resolved).
/// </summary>
public sealed class Postmortem
{
    private Postmortem()
    {
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public int Revision { get; private set; }

    /// <summary>The incident state the current PDF describes (Resolved or Escalated).</summary>
    public IncidentState WrittenFor { get; private set; }

    public List<string> ActionItems { get; private set; } = [];
    public byte[]? Pdf { get; private set; }
    public string? Markdown { get; private set; }
    public DateTimeOffset? GeneratedAt { get; private set; }
    public double? RenderMilliseconds { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public string? EditedBy { get; private set; }

    /// <summary>PostgreSQL xmin: two runs printing the same revision cannot both store a PDF.</summary>
    public uint Version { get; private set; }

    /// <summary>The revision has no PDF yet: not written, or written as Markdown only because the PDF could not be made.</summary>
    public bool PendingRender => Pdf is null;

    public static Postmortem Start(Guid incidentId, IncidentState writtenFor, IReadOnlyList<string> actionItems, DateTimeOffset at) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            IncidentId = incidentId,
            Revision = 1,
            WrittenFor = writtenFor,
            ActionItems = actionItems.ToList(),
            CreatedAt = at,
            UpdatedAt = at,
        };

    public void Printed(byte[] pdf, string markdown, double milliseconds, DateTimeOffset at)
    {
        Pdf = pdf;
        Markdown = markdown;
        RenderMilliseconds = milliseconds;
        GeneratedAt = at;
        UpdatedAt = at;
    }

    /// <summary>The PDF could not be made: the Markdown is what was emailed; a later run of the job may still print the PDF.</summary>
    public void WrittenWithoutPdf(string markdown, DateTimeOffset at)
    {
        Markdown = markdown;
        GeneratedAt = at;
        UpdatedAt = at;
    }

    /// <summary>Action items saved without sending: the stored PDF stays what was sent.</summary>
    public void EditActionItems(IReadOnlyList<string> items, string by, DateTimeOffset at)
    {
        ActionItems = Clean(items);
        EditedBy = by;
        UpdatedAt = at;
    }

    /// <summary>Starts a new revision: the job prints it again and emails it once more.</summary>
    public void Reissue(IncidentState writtenFor, DateTimeOffset at)
    {
        Revision++;
        WrittenFor = writtenFor;
        Pdf = null;
        Markdown = null;
        GeneratedAt = null;
        UpdatedAt = at;
    }

    public static List<string> Clean(IEnumerable<string> items) =>
        items.Select(i => i.Trim()).Where(i => i.Length > 0).Select(i => AlertLimits.Truncate(i, 500)).Take(50).ToList();
}

internal sealed class PostmortemConfiguration : IEntityTypeConfiguration<Postmortem>
{
    public void Configure(EntityTypeBuilder<Postmortem> builder)
    {
        builder.ToTable("postmortems");
        builder.HasKey(p => p.Id);
        builder.HasIndex(p => p.IncidentId).IsUnique();
        builder.Property(p => p.ActionItems).HasColumnType("text[]");
        builder.Property(p => p.EditedBy).HasMaxLength(256);
        builder.Ignore(p => p.PendingRender);
        builder.Property(p => p.Version).IsRowVersion();
        builder.HasOne<Incidents.Incident>().WithMany().HasForeignKey(p => p.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}
