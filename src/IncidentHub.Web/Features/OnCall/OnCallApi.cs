using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.OnCall;

/// <summary>/api/teams: everyone signed in reads teams and who is on call; Admins edit them. /api/incidents/{n}/oncall: who is on call for an incident.</summary>
public static class OnCallApi
{
    public static IEndpointRouteBuilder MapOnCallApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/teams").WithTags("OnCall").RequireAuthorization();
        api.MapGet("/", ListTeams).WithName("ListTeams");
        api.MapGet("/{slug}", GetTeam).WithName("GetTeam");
        api.MapPut("/{slug}", SaveTeam).RequireAuthorization(Policies.Admin).WithName("SaveTeam");
        api.MapPost("/{slug}/overrides", AddOverride).RequireAuthorization(Policies.Admin).WithName("AddScheduleOverride");
        api.MapDelete("/{slug}/overrides/{id:guid}", RemoveOverride).RequireAuthorization(Policies.Admin).WithName("RemoveScheduleOverride");
        app.MapGet("/api/incidents/{number:int}/oncall", GetIncidentOnCall).RequireAuthorization().WithTags("OnCall").WithName("GetIncidentOnCall");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<TeamSummary>>> ListTeams(TeamService teams, CancellationToken ct) => TypedResults.Ok(await teams.ListAsync(ct));

    public static async Task<Results<Ok<TeamView>, NotFoundProblem>> GetTeam(string slug, TeamService teams, CancellationToken ct) =>
        await teams.GetAsync(slug, ct) is { } team ? TypedResults.Ok(team) : NoSuchTeam(slug);

    public static async Task<Results<Ok<TeamView>, ValidationProblem>> SaveTeam(string slug, TeamRequest team, TeamService teams, HttpContext http, CancellationToken ct)
    {
        if (TeamService.Validate(slug, team) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors, title: "The team is not valid");
        }

        return TypedResults.Ok(await teams.SaveAsync(slug, team, AuditActor.Of(http.User), ct));
    }

    public static async Task<Created<OverrideView>> AddOverride(string slug, OverrideRequest request, TeamService teams, HttpContext http, CancellationToken ct)
    {
        var view = await teams.AddOverrideAsync(slug, request, AuditActor.Of(http.User), ct);
        return TypedResults.Created($"/api/teams/{slug}/overrides/{view.Id}", view);
    }

    public static async Task<Results<NoContent, NotFoundProblem>> RemoveOverride(string slug, Guid id, TeamService teams, HttpContext http, CancellationToken ct) =>
        await teams.RemoveOverrideAsync(slug, id, AuditActor.Of(http.User), ct) ? TypedResults.NoContent() : NotFoundProblem.For("Override", $"Team '{slug}' has no override {id}.");

    public static async Task<Results<Ok<IncidentOnCall>, NotFoundProblem>> GetIncidentOnCall(int number, AppDbContext db, TeamService teams, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().Where(i => i.Number == number).Select(i => new { i.Id, i.Service }).SingleOrDefaultAsync(ct);
        return incident is null
            ? NotFoundProblem.For("Incident", $"There is no INC-{number}.")
            : TypedResults.Ok(await teams.ForIncidentAsync(incident.Id, incident.Service, ct));
    }

    private static NotFoundProblem NoSuchTeam(string slug) => NotFoundProblem.For("Team", $"There is no team '{slug}'.");
}
