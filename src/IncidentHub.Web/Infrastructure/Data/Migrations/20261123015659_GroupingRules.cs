using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class GroupingRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Rules",
                table: "integrations",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'{\"GroupBy\":[],\"MaxIncidentAge\":null,\"OpenThreshold\":1,\"ThresholdWindow\":\"00:05:00\",\"ResolveWhenAllResolved\":true,\"FingerprintKeys\":[]}'::jsonb");

            migrationBuilder.AddColumn<string>(
                name: "GroupKey",
                table: "alerts",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_alerts_IntegrationId_GroupKey",
                table: "alerts",
                columns: new[] { "IntegrationId", "GroupKey" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_alerts_IntegrationId_GroupKey",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "Rules",
                table: "integrations");

            migrationBuilder.DropColumn(
                name: "GroupKey",
                table: "alerts");
        }
    }
}
