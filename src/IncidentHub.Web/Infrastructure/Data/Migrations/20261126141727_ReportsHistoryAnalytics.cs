using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using NpgsqlTypes;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReportsHistoryAnalytics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_alerts_IncidentId",
                table: "alerts");

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "SearchVector",
                table: "timeline_entries",
                type: "tsvector",
                nullable: true,
                computedColumnSql: "to_tsvector('english', \"Text\")",
                stored: true);

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "SearchVector",
                table: "incidents",
                type: "tsvector",
                nullable: true,
                computedColumnSql: "to_tsvector('english', coalesce(\"Title\", '') || ' ' || coalesce(\"Service\", ''))",
                stored: true);

            migrationBuilder.CreateTable(
                name: "email_outbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    Key = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: true),
                    To = table.Column<List<string>>(type: "text[]", nullable: false),
                    Subject = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    TextBody = table.Column<string>(type: "text", nullable: false),
                    HtmlBody = table.Column<string>(type: "text", nullable: true),
                    AttachmentName = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    AttachmentContentType = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Attachment = table.Column<byte[]>(type: "bytea", nullable: true),
                    Status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    MessageId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    ClaimToken = table.Column<Guid>(type: "uuid", nullable: true),
                    ClaimedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_email_outbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "postmortems",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    WrittenFor = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ActionItems = table.Column<List<string>>(type: "text[]", nullable: false),
                    Pdf = table.Column<byte[]>(type: "bytea", nullable: true),
                    Markdown = table.Column<string>(type: "text", nullable: true),
                    GeneratedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RenderMilliseconds = table.Column<double>(type: "double precision", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    EditedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_postmortems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_postmortems_incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_timeline_entries_SearchVector",
                table: "timeline_entries",
                column: "SearchVector")
                .Annotation("Npgsql:IndexMethod", "GIN");

            migrationBuilder.CreateIndex(
                name: "IX_incidents_GroupKey",
                table: "incidents",
                column: "GroupKey");

            migrationBuilder.CreateIndex(
                name: "IX_incidents_SearchVector",
                table: "incidents",
                column: "SearchVector")
                .Annotation("Npgsql:IndexMethod", "GIN");

            migrationBuilder.CreateIndex(
                name: "IX_incidents_Service_TriggeredAt",
                table: "incidents",
                columns: new[] { "Service", "TriggeredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_incidents_TriggeredAt",
                table: "incidents",
                column: "TriggeredAt")
                .Annotation("Npgsql:IndexInclude", new[] { "Id", "Severity", "Service", "State", "TriagedAt", "AcknowledgedAt", "InvestigatingAt", "AwaitingApprovalAt", "MitigatingAt", "MonitoringAt", "ResolvedAt", "EscalatedAt", "SuppressedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_alerts_IncidentId_analytics",
                table: "alerts",
                column: "IncidentId")
                .Annotation("Npgsql:IndexInclude", new[] { "StartsAt", "Count", "Flapping" });

            migrationBuilder.CreateIndex(
                name: "IX_email_outbox_IncidentId",
                table: "email_outbox",
                column: "IncidentId");

            migrationBuilder.CreateIndex(
                name: "IX_email_outbox_Key",
                table: "email_outbox",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_email_outbox_Status_CreatedAt",
                table: "email_outbox",
                columns: new[] { "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_postmortems_IncidentId",
                table: "postmortems",
                column: "IncidentId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "email_outbox");

            migrationBuilder.DropTable(
                name: "postmortems");

            migrationBuilder.DropIndex(
                name: "IX_timeline_entries_SearchVector",
                table: "timeline_entries");

            migrationBuilder.DropIndex(
                name: "IX_incidents_GroupKey",
                table: "incidents");

            migrationBuilder.DropIndex(
                name: "IX_incidents_SearchVector",
                table: "incidents");

            migrationBuilder.DropIndex(
                name: "IX_incidents_Service_TriggeredAt",
                table: "incidents");

            migrationBuilder.DropIndex(
                name: "IX_incidents_TriggeredAt",
                table: "incidents");

            migrationBuilder.DropIndex(
                name: "IX_alerts_IncidentId_analytics",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "SearchVector",
                table: "timeline_entries");

            migrationBuilder.DropColumn(
                name: "SearchVector",
                table: "incidents");

            migrationBuilder.CreateIndex(
                name: "IX_alerts_IncidentId",
                table: "alerts",
                column: "IncidentId");
        }
    }
}
