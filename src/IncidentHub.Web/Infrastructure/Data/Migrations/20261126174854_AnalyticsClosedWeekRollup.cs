using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class AnalyticsClosedWeekRollup : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "analytics_rolled_weeks",
                columns: table => new
                {
                    week = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    rolled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_analytics_rolled_weeks", x => x.week);
                });

            migrationBuilder.CreateTable(
                name: "analytics_stale_weeks",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    week = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    marked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_analytics_stale_weeks", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "incident_weekly_groups",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    week = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    group_key = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    incidents = table.Column<int>(type: "integer", nullable: false),
                    service = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    last_triggered = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_incident_weekly_groups", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "incident_weekly_stats",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    week = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    severity = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    service = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    incidents = table.Column<int>(type: "integer", nullable: false),
                    acknowledged = table.Column<int>(type: "integer", nullable: false),
                    tta_seconds = table.Column<decimal>(type: "numeric", nullable: false),
                    resolved = table.Column<int>(type: "integer", nullable: false),
                    ttr_seconds = table.Column<decimal>(type: "numeric", nullable: false),
                    ttr_values = table.Column<double[]>(type: "double precision[]", nullable: false),
                    phase_counts = table.Column<int[]>(type: "integer[]", nullable: false),
                    phase_seconds = table.Column<decimal[]>(type: "numeric[]", nullable: false),
                    proposed = table.Column<int>(type: "integer", nullable: false),
                    accepted = table.Column<int>(type: "integer", nullable: false),
                    suppressed = table.Column<int>(type: "integer", nullable: false),
                    alerts = table.Column<int>(type: "integer", nullable: false),
                    notifications = table.Column<long>(type: "bigint", nullable: false),
                    flapping = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_incident_weekly_stats", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_analytics_stale_weeks_week",
                table: "analytics_stale_weeks",
                column: "week");

            migrationBuilder.CreateIndex(
                name: "IX_incident_weekly_groups_week_group_key",
                table: "incident_weekly_groups",
                columns: new[] { "week", "group_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_incident_weekly_stats_week_severity_service",
                table: "incident_weekly_stats",
                columns: new[] { "week", "severity", "service" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "analytics_rolled_weeks");

            migrationBuilder.DropTable(
                name: "analytics_stale_weeks");

            migrationBuilder.DropTable(
                name: "incident_weekly_groups");

            migrationBuilder.DropTable(
                name: "incident_weekly_stats");
        }
    }
}
