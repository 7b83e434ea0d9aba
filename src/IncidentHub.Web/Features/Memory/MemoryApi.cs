using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Errors;
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

    private const string FixRule = "Say what fixed it, in 1 to 2000 characters.";

    /// <summary>Checked by the framework (AddValidation): a blank or too long fix is a 400 naming "fix".</summary>
    public sealed record FixRequest(
        [property: Required(ErrorMessage = FixRule), StringLength(2000, MinimumLength = 1, ErrorMessage = FixRule)] string Fix,
        bool? Verified);

    public static async Task<Results<NoContent, NotFoundProblem>> SetFix(int number, FixRequest request, IncidentMemory memory, CancellationToken ct) =>
        await memory.SetFixAsync(number, request.Fix, request.Verified, ct)
            ? TypedResults.NoContent()
            : NotFoundProblem.For("Memory entry", $"INC-{number} is not in memory: it does not exist or is not resolved yet.");
}
