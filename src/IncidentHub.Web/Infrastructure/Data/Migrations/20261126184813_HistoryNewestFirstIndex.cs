using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class HistoryNewestFirstIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_incidents_TriggeredAt",
                table: "incidents");

            migrationBuilder.CreateIndex(
                name: "IX_incidents_TriggeredAt_Number",
                table: "incidents",
                columns: new[] { "TriggeredAt", "Number" })
                .Annotation("Npgsql:IndexInclude", new[] { "Id", "Severity", "Service", "State", "TriagedAt", "AcknowledgedAt", "InvestigatingAt", "AwaitingApprovalAt", "MitigatingAt", "MonitoringAt", "ResolvedAt", "EscalatedAt", "SuppressedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_incidents_TriggeredAt_Number",
                table: "incidents");

            migrationBuilder.CreateIndex(
                name: "IX_incidents_TriggeredAt",
                table: "incidents",
                column: "TriggeredAt")
                .Annotation("Npgsql:IndexInclude", new[] { "Id", "Severity", "Service", "State", "TriagedAt", "AcknowledgedAt", "InvestigatingAt", "AwaitingApprovalAt", "MitigatingAt", "MonitoringAt", "ResolvedAt", "EscalatedAt", "SuppressedAt" });
        }
    }
}
