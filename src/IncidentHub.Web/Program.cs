using IncidentHub.Web.Components.Layout;
using IncidentHub.Web.Features.Ai;
using IncidentHub.Web.Features.Analytics;
using IncidentHub.Web.Features.Audit;
using IncidentHub.Web.Features.Bundles;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.CodeFix;
using IncidentHub.Web.Features.History;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Memory;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Features.OnCall;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Features.Response;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Commands;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Infrastructure.Observability;
using IncidentHub.Web.Infrastructure.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddInfrastructure();
builder.AddObservability();
builder.AddWebSecurity();
builder.AddAudit();
builder.AddIdentity();
builder.AddCatalog();
builder.AddIncidents();
builder.AddResponse();
builder.AddIngestion();
builder.AddInvestigation();
builder.AddAi();
builder.AddMemory();
builder.AddReports();
builder.AddCodeFix();
builder.AddRemediation();
builder.AddNotifications();
builder.AddOnCall();
builder.AddHistory();
builder.AddAnalytics();
builder.AddBundles();
builder.AddDashboard();

var app = builder.Build();

// PostgreSQL away at start: wait for it (Database:StartupMaxWait) rather than crash.
await app.WaitForDatabaseAsync();

// `IncidentHub.Web migrate` and `seed-history` run instead of the server.
if (await app.TryRunCommandAsync(args))
{
    return;
}

await app.MigrateOnStartAsync();
app.UseWebSecurity();
app.UseInfrastructure();
app.UseIdentity();
app.UseAntiforgery();

if (app.ServesRequests())
{
    app.MapIdentity();
    app.MapAudit();
    app.MapCatalog();
    app.MapIncidents();
    app.MapResponse();
    app.MapIngestion();
    app.MapInvestigation();
    app.MapAi();
    app.MapMemory();
    app.MapReports();
    app.MapCodeFix();
    app.MapRemediation();
    app.MapNotifications();
    app.MapOnCall();
    app.MapHistory();
    app.MapAnalytics();
    app.MapBundles();
    app.MapJobsDashboard(Policies.Admin);
    app.MapMetrics(Policies.Admin);
    app.MapDashboard();
}

app.Run();

public partial class Program;
