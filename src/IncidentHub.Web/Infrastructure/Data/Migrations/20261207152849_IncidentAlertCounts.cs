using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class IncidentAlertCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "AlertCount",
                table: "incidents",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "FiringCount",
                table: "incidents",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "FlappingCount",
                table: "incidents",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "NotificationCount",
                table: "incidents",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateIndex(
                name: "IX_alerts_IncidentId_LastSeenAt",
                table: "alerts",
                columns: new[] { "IncidentId", "LastSeenAt" });

            // Existing incidents get their figures from their alerts once; from here on the writers keep them.
            migrationBuilder.Sql(IncidentHub.Web.Features.Incidents.IncidentCounts.RecountSql("true"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_alerts_IncidentId_LastSeenAt",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "AlertCount",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "FiringCount",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "FlappingCount",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "NotificationCount",
                table: "incidents");
        }
    }
}
