using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class Remediation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EscalationEmail",
                table: "catalog_services",
                type: "character varying(320)",
                maxLength: 320,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "playbooks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Definition = table.Column<string>(type: "jsonb", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_playbooks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "remediation_plans",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DiagnosisId = table.Column<long>(type: "bigint", nullable: true),
                    Basis = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    LeftOut = table.Column<string>(type: "jsonb", nullable: false),
                    Current = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_remediation_plans", x => x.Id);
                    table.ForeignKey(
                        name: "FK_remediation_plans_incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "seeded_playbooks",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_seeded_playbooks", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "plan_actions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    PlanId = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Order = table.Column<int>(type: "integer", nullable: false),
                    Playbook = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Tool = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Target = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Arguments = table.Column<string>(type: "jsonb", nullable: false),
                    ArgumentOrigins = table.Column<string>(type: "jsonb", nullable: false),
                    Tier = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    TierReasons = table.Column<string>(type: "jsonb", nullable: false),
                    Why = table.Column<string>(type: "jsonb", nullable: false),
                    Rollback = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    Precondition = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Postcondition = table.Column<string>(type: "jsonb", nullable: true),
                    Hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    NeedsApproval = table.Column<bool>(type: "boolean", nullable: false),
                    GateReason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    DecidedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ApprovedHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    RejectReason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Result = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    ExternalRef = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Verified = table.Column<bool>(type: "boolean", nullable: true),
                    Verification = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    VerifiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_plan_actions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_plan_actions_remediation_plans_PlanId",
                        column: x => x.PlanId,
                        principalTable: "remediation_plans",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_plan_actions_IncidentId_State",
                table: "plan_actions",
                columns: new[] { "IncidentId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_plan_actions_PlanId",
                table: "plan_actions",
                column: "PlanId");

            migrationBuilder.CreateIndex(
                name: "IX_plan_actions_State_ExpiresAt",
                table: "plan_actions",
                columns: new[] { "State", "ExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_playbooks_Name",
                table: "playbooks",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_remediation_plans_IncidentId_Revision",
                table: "remediation_plans",
                columns: new[] { "IncidentId", "Revision" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "plan_actions");

            migrationBuilder.DropTable(
                name: "playbooks");

            migrationBuilder.DropTable(
                name: "seeded_playbooks");

            migrationBuilder.DropTable(
                name: "remediation_plans");

            migrationBuilder.DropColumn(
                name: "EscalationEmail",
                table: "catalog_services");
        }
    }
}
