using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Memory;

/// <summary>PUT /api/incidents/{number}/memory/fix: what fixed a resolved incident, for recall next time.</summary>
public static class MemoryApi
{
    public static IEndpointRouteBuilder MapMemoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/incidents").RequireAuthorization(Policies.Responder).WithTags("Memory");
        api.MapPut("/{number:int}/memory/fix", SetFix).WithName("SetMemoryFix");
        return app;
    }

    public sealed record FixRequest([property: Required, StringLength(2000, MinimumLength = 1)] string Fix, bool? Verified);

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetFix(int number, FixRequest request, IncidentMemory memory, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Fix) || request.Fix.Length > 2000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["fix"] = ["Say what fixed it, in 1 to 2000 characters."] });
        }

        return await memory.SetFixAsync(number, request.Fix, request.Verified, ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not remembered",
                detail: $"INC-{number} is not in memory: it does not exist or is not resolved yet.");
    }
}
