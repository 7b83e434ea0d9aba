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
        builder.HasIndex(i => i.TriggeredAt);
        builder.HasIndex(i => new { i.Service, i.TriggeredAt });
        builder.HasIndex(i => i.GroupKey);
    }
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
