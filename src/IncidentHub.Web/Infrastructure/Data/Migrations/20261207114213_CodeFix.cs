using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IncidentHub.Web.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class CodeFix : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CodeFix",
                table: "remediation_plans",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "code_analyses",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    DiagnosisId = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Service = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    RepositoryPath = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    GitHubRepository = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    BaseBranch = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    BaseSha = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    SuspectCommit = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    SuspectSubject = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    SuspectDiff = table.Column<string>(type: "text", nullable: true),
                    Findings = table.Column<string>(type: "jsonb", nullable: false),
                    TestCommand = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    BaseTests = table.Column<string>(type: "jsonb", nullable: true),
                    Summary = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_code_analyses", x => x.Id);
                    table.ForeignKey(
                        name: "FK_code_analyses_incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "code_fix_candidates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    AnalysisId = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Order = table.Column<int>(type: "integer", nullable: false),
                    Kind = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Patch = table.Column<string>(type: "text", nullable: false),
                    PatchHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Files = table.Column<string>(type: "jsonb", nullable: false),
                    ConfigKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    ConfigValue = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Accepted = table.Column<bool>(type: "boolean", nullable: false),
                    Refusal = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    PatchedTests = table.Column<string>(type: "jsonb", nullable: true),
                    Branch = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    PublishedCommit = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PullRequestNumber = table.Column<int>(type: "integer", nullable: true),
                    PullRequestUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    PullRequestState = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    PushCommand = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    PublishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    PublishedFor = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_code_fix_candidates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_code_fix_candidates_code_analyses_AnalysisId",
                        column: x => x.AnalysisId,
                        principalTable: "code_analyses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_code_analyses_IncidentId_DiagnosisId",
                table: "code_analyses",
                columns: new[] { "IncidentId", "DiagnosisId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_code_fix_candidates_AnalysisId",
                table: "code_fix_candidates",
                column: "AnalysisId");

            migrationBuilder.CreateIndex(
                name: "IX_code_fix_candidates_IncidentId_PatchHash",
                table: "code_fix_candidates",
                columns: new[] { "IncidentId", "PatchHash" });

            migrationBuilder.CreateIndex(
                name: "IX_code_fix_candidates_PullRequestUrl",
                table: "code_fix_candidates",
                column: "PullRequestUrl");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "code_fix_candidates");

            migrationBuilder.DropTable(
                name: "code_analyses");

            migrationBuilder.DropColumn(
                name: "CodeFix",
                table: "remediation_plans");
        }
    }
}
