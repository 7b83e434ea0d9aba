using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Ai;

/// <summary>/api/admin/ai: the provider's state and usage (Admin), and a connection test.</summary>
public static class AiApi
{
    public static IEndpointRouteBuilder MapAiApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin/ai").RequireAuthorization(Policies.Admin).WithTags("AI");
        api.MapGet("/", GetStatus).WithName("GetAiStatus");
        api.MapPost("/test", TestConnection).WithName("TestAiConnection");
        return app;
    }

    public static async Task<Ok<AiStatus>> GetStatus(AiUsageQueries queries, CancellationToken ct) => TypedResults.Ok(await queries.StatusAsync(ct));

    public static async Task<Ok<AiConnectionTest>> TestConnection(AiUsageQueries queries, CancellationToken ct) => TypedResults.Ok(await queries.TestConnectionAsync(ct));
}
