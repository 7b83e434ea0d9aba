using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class ResponderCorrections : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Commander",
                table: "incidents",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeclaredBy",
                table: "incidents",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MergedInto",
                table: "incidents",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Owner",
                table: "incidents",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ReopenedAt",
                table: "incidents",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ServiceSetBy",
                table: "incidents",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SeveritySetBy",
                table: "incidents",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "incident_links",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    FromId = table.Column<Guid>(type: "uuid", nullable: false),
                    ToId = table.Column<Guid>(type: "uuid", nullable: false),
                    Note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_incident_links", x => x.Id);
                    table.ForeignKey(
                        name: "FK_incident_links_incidents_FromId",
                        column: x => x.FromId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_incident_links_incidents_ToId",
                        column: x => x.ToId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "status_updates",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Audience = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Subject = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    Body = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    Recipients = table.Column<string[]>(type: "text[]", nullable: false),
                    SentBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    SentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    NextUpdateBy = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    OutboxKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_status_updates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_status_updates_incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_incident_links_FromId_ToId",
                table: "incident_links",
                columns: new[] { "FromId", "ToId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_incident_links_ToId",
                table: "incident_links",
                column: "ToId");

            migrationBuilder.CreateIndex(
                name: "IX_status_updates_IncidentId_SentAt",
                table: "status_updates",
                columns: new[] { "IncidentId", "SentAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "incident_links");

            migrationBuilder.DropTable(
                name: "status_updates");

            migrationBuilder.DropColumn(
                name: "Commander",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "DeclaredBy",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "MergedInto",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "Owner",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "ReopenedAt",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "ServiceSetBy",
                table: "incidents");

            migrationBuilder.DropColumn(
                name: "SeveritySetBy",
                table: "incidents");
        }
    }
}
