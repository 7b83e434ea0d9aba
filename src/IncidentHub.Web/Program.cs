using IncidentHub.Web.Components.Layout;
using IncidentHub.Web.Features.Bundles;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Memory;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Features.History;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Jobs;

var builder = WebApplication.CreateBuilder(args);

builder.AddInfrastructure();
builder.AddIdentityFeature();
builder.AddCatalog();
builder.AddBundles();
builder.AddIncidents();
builder.AddIngestion();
builder.AddInvestigation();
builder.AddMemory();
builder.AddDiagnosisViews();
builder.AddReports();
builder.AddHistory();
builder.AddAnalytics();
builder.AddDashboard();

var app = builder.Build();

// `IncidentHub.Web migrate`: apply migrations and seed data, then exit (scripts/run.sh does this first).
if (args.Contains("migrate"))
{
    await app.Services.InitializeDatabaseAsync();
    return;
}

// `IncidentHub.Web seed-history --count 300 --months 6`: a generated incident history for demos and benchmarks.
if (args.Contains("seed-history"))
{
    await app.Services.SeedHistoryAsync(args);
    return;
}

if (app.Configuration.GetValue("Database:MigrateOnStart", false))
{
    await app.Services.InitializeDatabaseAsync();
}

app.UseInfrastructure();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

// A worker process runs Hangfire and answers /health only; web and all serve people and senders.
if (IncidentHubOptions.ReadRole(app.Configuration) != ProcessRole.Worker)
{
    app.MapIngestion();
    app.MapIncidentsApi();
    app.MapInvestigation();
    app.MapInvestigationApi();
    app.MapMemoryApi();
    app.MapReportsApi();
    app.MapHistoryApi();
    app.MapAnalyticsApi();
    app.MapIdentity();
    app.MapCatalog();
    app.MapBundles();
    app.MapJobsDashboard();
    app.MapDashboard();
}

app.Run();

public partial class Program;
