using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class IncidentOrigin : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_incident_weekly_stats_week_severity_service",
                table: "incident_weekly_stats");

            migrationBuilder.DropIndex(
                name: "IX_incident_weekly_groups_week_group_key",
                table: "incident_weekly_groups");

            migrationBuilder.AddColumn<string>(
                name: "Origin",
                table: "incidents",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Live");

            migrationBuilder.AddColumn<string>(
                name: "origin",
                table: "incident_weekly_stats",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Live");

            migrationBuilder.AddColumn<string>(
                name: "origin",
                table: "incident_weekly_groups",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Live");

            migrationBuilder.CreateIndex(
                name: "IX_incident_weekly_stats_week_severity_service_origin",
                table: "incident_weekly_stats",
                columns: new[] { "week", "severity", "service", "origin" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "IX_incident_weekly_groups_week_group_key_origin",
                table: "incident_weekly_groups",
                columns: new[] { "week", "group_key", "origin" },
                unique: true);

            // Rows written before the column: the generator's integration holds only generated history, the bundle
            // integrations only imported incidents. The rollup is rebuilt by its next run, now per origin.
            migrationBuilder.Sql("""
                UPDATE incidents SET "Origin" = 'Demo' WHERE "IntegrationId" IN (SELECT "Id" FROM integrations WHERE "Name" = 'Generated history');
                UPDATE incidents SET "Origin" = 'Imported' WHERE "IntegrationId" IN (SELECT "Id" FROM integrations WHERE "Name" LIKE 'Bundles (%)');
                TRUNCATE analytics_rolled_weeks, analytics_stale_weeks, incident_weekly_stats, incident_weekly_groups;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("TRUNCATE analytics_rolled_weeks, analytics_stale_weeks, incident_weekly_stats, incident_weekly_groups;");

            migrationBuilder.DropIndex(
                name: "IX_incident_weekly_stats_week_severity_service_origin",
                table: "incident_weekly_stats");

            migrationBuilder.DropIndex(
                name: "IX_incident_weekly_groups_week_group_key_origin",
                table: "incident_weekly_groups");

            migrationBuilder.DropColumn(
                name: "Origin",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "origin",
                table: "incident_weekly_stats");

            migrationBuilder.DropColumn(
                name: "origin",
                table: "incident_weekly_groups");

            migrationBuilder.CreateIndex(
                name: "IX_incident_weekly_stats_week_severity_service",
                table: "incident_weekly_stats",
                columns: new[] { "week", "severity", "service" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "IX_incident_weekly_groups_week_group_key",
                table: "incident_weekly_groups",
                columns: new[] { "week", "group_key" },
                unique: true);
        }
    }
}
