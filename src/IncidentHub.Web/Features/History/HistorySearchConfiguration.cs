using IncidentHub.Web.Features.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NpgsqlTypes;

namespace IncidentHub.Web.Features.History;

/// <summary>
/// History's additions to the incidents and timeline tables: stored tsvector columns (English
/// stemming over title + service, and over each timeline line) with GIN indexes for full-text
/// search, and the time and service indexes the history and analytics queries use.
/// </summary>
internal sealed class IncidentSearchConfiguration : IEntityTypeConfiguration<Incident>
{
    public const string SearchColumn = "SearchVector";

    public void Configure(EntityTypeBuilder<Incident> builder)
    {
        builder.Property<NpgsqlTsVector>(SearchColumn)
            .HasComputedColumnSql("""to_tsvector('english', coalesce("Title", '') || ' ' || coalesce("Service", ''))""", stored: true);
        builder.HasIndex(SearchColumn).HasMethod("GIN");
        // Covering: the analytics figures read only these columns, by time range, as an index-only scan
        // (not GroupKey: up to 1000 characters could overflow a B-tree entry). Number breaks ties in the
        // history's default order (newest first), so its first page is read straight off this index.
        builder.HasIndex(i => new { i.TriggeredAt, i.Number }).IncludeProperties(i => new
        {
            i.Id, i.Severity, i.Service, i.State, i.TriagedAt, i.AcknowledgedAt, i.InvestigatingAt, i.AwaitingApprovalAt,
            i.MitigatingAt, i.MonitoringAt, i.ResolvedAt, i.EscalatedAt, i.SuppressedAt,
        });
        builder.HasIndex(i => new { i.Service, i.TriggeredAt });
        builder.HasIndex(i => i.GroupKey);
    }
}

/// <summary>Alert facts the analytics read per incident (first alert, notifications, flapping), as an index-only scan.</summary>
internal sealed class AlertAnalyticsConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> builder) =>
        builder.HasIndex(a => a.IncidentId, "IX_alerts_IncidentId_analytics").IncludeProperties(a => new { a.StartsAt, a.Count, a.Flapping });
}

internal sealed class TimelineSearchConfiguration : IEntityTypeConfiguration<TimelineEntry>
{
    public void Configure(EntityTypeBuilder<TimelineEntry> builder)
    {
        builder.Property<NpgsqlTsVector>(IncidentSearchConfiguration.SearchColumn)
            .HasComputedColumnSql("""to_tsvector('english', "Text")""", stored: true);
        builder.HasIndex(IncidentSearchConfiguration.SearchColumn).HasMethod("GIN");
    }
}
