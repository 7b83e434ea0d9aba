using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Audit;

/// <summary>The query string of /api/audit: actor (part of a name), action (a prefix), incident (INC-1012 or 1012), from, to, skip, take.</summary>
public sealed record AuditQuery(
    [property: StringLength(200, ErrorMessage = "Actor is at most 200 characters.")] string? Actor,
    [property: StringLength(100, ErrorMessage = "Action is at most 100 characters.")] string? Action,
    [property: RegularExpression(@"^([Ii][Nn][Cc]-)?[0-9]{1,9}$", ErrorMessage = "Incident is a number such as INC-1012 or 1012.")] string? Incident,
    DateTimeOffset? From,
    DateTimeOffset? To,
    [property: Range(0, 1_000_000, ErrorMessage = "Skip is between 0 and 1,000,000.")] int? Skip,
    [property: Range(1, AuditQueries.MaxTake, ErrorMessage = "Take is between 1 and 200.")] int? Take);

/// <summary>GET /api/audit: the audit log, newest first, for Admins only.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/audit").RequireAuthorization(Policies.Admin).WithTags("Audit")
            .MapGet("/", ListAudit).WithName("ListAudit");
        return app;
    }

    public static async Task<Results<Ok<AuditPage>, ValidationProblem>> ListAudit([AsParameters] AuditQuery query, AuditQueries audit, CancellationToken ct)
    {
        if (query.From is { } from && query.To is { } to && to <= from)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["'to' must be after 'from'."] });
        }

        var filter = new AuditFilter(query.Actor, query.Action, AuditQueries.ParseIncident(query.Incident), query.From, query.To);
        return TypedResults.Ok(await audit.PageAsync(filter, query.Skip ?? 0, query.Take ?? 50, ct));
    }
}
