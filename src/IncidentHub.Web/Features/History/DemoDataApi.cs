using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.History;

/// <summary>
/// /api/demo-data: how many demo incidents there are (any login), load the generated history (Admin; what
/// <c>scripts/run.sh demo</c> calls) and remove all of it in one step (Admin). Viewers and Responders get a 403 ProblemDetails.
/// </summary>
public static class DemoDataApi
{
    public static IEndpointRouteBuilder MapDemoDataApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/demo-data").RequireAuthorization().WithTags("Demo data");
        api.MapGet("/", GetDemoData).WithName("GetDemoData");
        api.MapPost("/", LoadDemoData).RequireAuthorization(Policies.Admin).WithName("LoadDemoData");
        api.MapDelete("/", RemoveDemoData).RequireAuthorization(Policies.Admin).WithName("RemoveDemoData");
        return app;
    }

    public static async Task<Ok<DemoDataStatus>> GetDemoData(DemoData demo, CancellationToken ct) =>
        TypedResults.Ok(new DemoDataStatus(await demo.CountAsync(ct)));

    public static async Task<Ok<DemoDataLoaded>> LoadDemoData(DemoData demo, CancellationToken ct) =>
        TypedResults.Ok(new DemoDataLoaded(await demo.LoadAsync(ct)));

    public static async Task<Ok<DemoDataRemoved>> RemoveDemoData(DemoData demo, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await demo.RemoveAsync(AuditActor.Of(http.User), ct));
}
