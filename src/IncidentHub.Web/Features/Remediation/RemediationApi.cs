using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Remediation.Playbooks;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using IncidentHub.Web.Infrastructure.Audit;

namespace IncidentHub.Web.Features.Remediation;

/// <summary>The hash shown with the action in the plan; approval binds to it.</summary>
public sealed record ApproveRequest([property: Required, RegularExpression("^[0-9a-f]{64}$", ErrorMessage = "hash is the action's 64-character hex hash, as the plan shows it.")] string Hash);

public sealed record RejectRequest([property: Required, MinLength(3, ErrorMessage = "A rejection needs a reason of at least 3 characters."), MaxLength(2000)] string Reason);

/// <summary>A playbook in YAML (the seed-data/playbooks.yaml format, one playbook).</summary>
public sealed record PlaybookRequest([property: Required, MaxLength(65536)] string Yaml);

/// <summary>/api/incidents/{n}/plan and /api/playbooks: the plan, people's decisions on it, and the playbook registry.</summary>
public static class RemediationApi
{
    public static IEndpointRouteBuilder MapRemediationApi(this IEndpointRouteBuilder app)
    {
        var plan = app.MapGroup("/api/incidents/{number:int}/plan").RequireAuthorization().WithTags("Remediation");
        plan.MapGet("/", GetPlan).WithName("GetPlan");
        plan.MapPost("/actions/{id:guid}/approve", ApproveAction).RequireAuthorization(Policies.Responder).WithName("ApproveAction");
        plan.MapPost("/actions/{id:guid}/reject", RejectAction).RequireAuthorization(Policies.Responder).WithName("RejectAction");

        var playbooks = app.MapGroup("/api/playbooks").RequireAuthorization().WithTags("Remediation");
        playbooks.MapGet("/", ListPlaybooks).WithName("ListPlaybooks");
        playbooks.MapPut("/{name}", SavePlaybook).RequireAuthorization(Policies.Admin).WithName("SavePlaybook");
        playbooks.MapDelete("/{name}", DeletePlaybook).RequireAuthorization(Policies.Admin).WithName("DeletePlaybook");
        return app;
    }

    public static async Task<Results<Ok<PlanView>, NotFoundProblem>> GetPlan(int number, RemediationService remediation, CancellationToken ct) =>
        await remediation.GetAsync(number, ct) is { } view
            ? TypedResults.Ok(view)
            : NotFoundProblem.For("Incident", $"There is no incident INC-{number}.");

    public static async Task<Ok<ActionView>> ApproveAction(int number, Guid id, ApproveRequest request, RemediationService remediation, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await remediation.ApproveAsync(number, id, request.Hash, AuditActor.Of(http.User), ct));

    public static async Task<Ok<ActionView>> RejectAction(int number, Guid id, RejectRequest request, RemediationService remediation, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await remediation.RejectAsync(number, id, request.Reason, AuditActor.Of(http.User), ct));

    public static async Task<Ok<IReadOnlyList<PlaybookView>>> ListPlaybooks(PlaybookStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListAsync(ct));

    public static async Task<Results<Ok<PlaybookView>, ValidationProblem>> SavePlaybook(string name, PlaybookRequest request, PlaybookStore store, HttpContext http,
        CancellationToken ct)
    {
        var parsed = PlaybookYaml.Parse(request.Yaml);
        if (parsed.Count != 1 || parsed[0].Name != name)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["yaml"] = [$"The YAML must hold one playbook named '{name}' (the name in the URL)."],
            });
        }

        await store.SaveAsync(parsed[0], AuditActor.Of(http.User), ct);
        return TypedResults.Ok((await store.ListAsync(ct)).Single(p => p.Name == name));
    }

    public static async Task<Results<NoContent, NotFoundProblem>> DeletePlaybook(string name, PlaybookStore store, HttpContext http, CancellationToken ct) =>
        await store.DeleteAsync(name, AuditActor.Of(http.User), ct) is null
            ? NotFoundProblem.For("Playbook", $"There is no playbook '{name}'.")
            : TypedResults.NoContent();
}
