using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>/api/incidents/{number}/diagnosis and /evidence/{id}: what the investigation found, for any login or API token.</summary>
public static class InvestigationApi
{
    public static IEndpointRouteBuilder MapInvestigationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/incidents").RequireAuthorization().WithTags("Investigation");
        api.MapGet("/{number:int}/diagnosis", GetDiagnosis).WithName("GetDiagnosis");
        api.MapGet("/{number:int}/evidence/{id}", GetEvidence).WithName("GetEvidence");
        return app;
    }

    /// <summary>The current diagnosis; status "pending" (200) while none is stored yet.</summary>
    public static async Task<Results<Ok<DiagnosisView>, NotFoundProblem>> GetDiagnosis(int number, DiagnosisService diagnoses, CancellationToken ct) =>
        await diagnoses.GetAsync(number, ct) is { } view
            ? TypedResults.Ok(view)
            : NotFoundProblem.For("Incident", $"There is no incident INC-{number}.");

    /// <summary>One observation with its data; <paramref name="id"/> is "obs-123" (as diagnoses cite it) or "123".</summary>
    public static async Task<Results<Ok<EvidenceDetail>, ValidationProblem, NotFoundProblem>> GetEvidence(int number, string id, DiagnosisService diagnoses, CancellationToken ct)
    {
        var observationId = Observation.ParseEvidenceId(id) ?? (long.TryParse(id, out var plain) ? plain : null);
        if (observationId is null)
        {
            var error = $"'{id}' is not an evidence id; evidence ids look like obs-123.";
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [error] }, detail: error, title: "Bad evidence id");
        }

        return await diagnoses.GetEvidenceAsync(number, observationId.Value, ct) is { } evidence
            ? TypedResults.Ok(evidence)
            : NotFoundProblem.For("Evidence", $"INC-{number} has no evidence {id}.");
    }
}
