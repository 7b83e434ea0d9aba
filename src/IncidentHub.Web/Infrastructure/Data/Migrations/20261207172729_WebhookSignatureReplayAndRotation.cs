using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class WebhookSignatureReplayAndRotation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PreviousSigningSecretProtected",
                table: "integrations",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "PreviousSigningSecretValidUntil",
                table: "integrations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RequireSignatureTimestamp",
                table: "integrations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "webhook_signatures_seen",
                columns: table => new
                {
                    integration_id = table.Column<Guid>(type: "uuid", nullable: false),
                    digest = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_webhook_signatures_seen", x => new { x.integration_id, x.digest });
                    table.ForeignKey(
                        name: "FK_webhook_signatures_seen_integrations_integration_id",
                        column: x => x.integration_id,
                        principalTable: "integrations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_webhook_signatures_seen_integration_id_expires_at",
                table: "webhook_signatures_seen",
                columns: new[] { "integration_id", "expires_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "webhook_signatures_seen");

            migrationBuilder.DropColumn(
                name: "PreviousSigningSecretProtected",
                table: "integrations");

            migrationBuilder.DropColumn(
                name: "PreviousSigningSecretValidUntil",
                table: "integrations");

            migrationBuilder.DropColumn(
                name: "RequireSignatureTimestamp",
                table: "integrations");
        }
    }
}
