using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>/api/incidents: the JSON API, for people with a login or a personal API token.</summary>
public static class IncidentsApi
{
    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/incidents").RequireAuthorization().WithTags("Incidents");
        api.MapGet("/", ListIncidents).WithName("ListIncidents");
        api.MapGet("/{number:int}", GetIncident).WithName("GetIncident");
        api.MapPost("/{number:int}/acknowledge", AcknowledgeIncident).RequireAuthorization(Policies.Responder).WithName("AcknowledgeIncident");
        api.MapPost("/{number:int}/resolve", ResolveIncident).RequireAuthorization(Policies.Responder).WithName("ResolveIncident");
        return app;
    }

    /// <summary>Open incidents by default; `?all=true` includes resolved ones.</summary>
    public static async Task<Ok<IReadOnlyList<IncidentSummary>>> ListIncidents(IncidentService incidents, bool? all, CancellationToken ct) =>
        TypedResults.Ok(await incidents.ListAsync(openOnly: all != true, ct: ct));

    public static async Task<Results<Ok<IncidentDetail>, NotFoundProblem>> GetIncident(int number, IncidentService incidents, CancellationToken ct) =>
        await incidents.GetAsync(number, ct) is { } detail
            ? TypedResults.Ok(detail)
            : NotFoundProblem.For("Incident", $"There is no incident INC-{number}.");

    public static async Task<NoContent> AcknowledgeIncident(int number, IncidentService incidents, HttpContext http, CancellationToken ct)
    {
        await incidents.AcknowledgeAsync(number, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> ResolveIncident(int number, IncidentService incidents, HttpContext http, CancellationToken ct)
    {
        await incidents.ResolveAsync(number, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }
}
