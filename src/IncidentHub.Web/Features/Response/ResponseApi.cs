using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Features.Response.StatusUpdates;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Response;

/// <summary>The responders' changes to an incident, for the API and the CLI: same checks as the incident page.</summary>
public static class ResponseApi
{
    public static IEndpointRouteBuilder MapResponseApi(this IEndpointRouteBuilder app)
    {
        // Everyone signed in reads who owns it and what it is linked to; Responders change it.
        app.MapGroup("/api/incidents").RequireAuthorization().WithTags("Response").MapGet("/{number:int}/response", Get).WithName("GetIncidentResponse");
        var api = app.MapGroup("/api/incidents").RequireAuthorization(Policies.Responder).WithTags("Response");
        api.MapPost("/", Declare).WithName("DeclareIncident");
        api.MapPost("/{number:int}/notes", AddNote).WithName("AddIncidentNote");
        api.MapPut("/{number:int}/severity", SetSeverity).WithName("SetIncidentSeverity");
        api.MapPut("/{number:int}/service", SetService).WithName("SetIncidentService");
        api.MapPut("/{number:int}/assignees", Assign).WithName("AssignIncident");
        api.MapPost("/{number:int}/escalate", Escalate).WithName("EscalateIncident");
        api.MapPost("/{number:int}/reopen", Reopen).WithName("ReopenIncident");
        api.MapPost("/{number:int}/merge", Merge).WithName("MergeIncident");
        api.MapPost("/{number:int}/alerts/{alertId:guid}/split", Split).WithName("SplitAlertOut");
        api.MapPost("/{number:int}/links", Link).WithName("LinkIncidents");
        api.MapDelete("/{number:int}/links/{other:int}", Unlink).WithName("UnlinkIncidents");
        api.MapGet("/{number:int}/status-updates/draft", StatusDraft).WithName("DraftStatusUpdate");
        api.MapGet("/{number:int}/status-updates", StatusUpdates).WithName("ListStatusUpdates");
        api.MapPost("/{number:int}/status-updates", SendStatusUpdate).WithName("SendStatusUpdate");
        return app;
    }

    public sealed record NoteRequest(string? Text);

    public sealed record SeverityRequest(string? Severity, string? Reason);

    public sealed record ServiceRequest(string? Service, string? Reason);

    public sealed record AssigneesRequest(string? Owner, string? Commander);

    public sealed record ReasonRequest(string? Reason);

    public sealed record MergeRequest(int Into);

    public sealed record LinkRequest(int Incident, string? Note);

    public sealed record DeclareRequest(string? Title, string? Severity, string? Service, string? Summary);

    public sealed record Declared(int Number, string Reference, string Url);

    public static async Task<Results<Ok<ResponseView>, NotFoundProblem>> Get(int number, ResponseService response, CancellationToken ct) =>
        await response.GetAsync(number, ct) is { } view ? TypedResults.Ok(view) : NotFoundProblem.For("Incident", $"There is no incident INC-{number}.");

    public static async Task<Created<Declared>> Declare(DeclareRequest body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        var number = await response.DeclareAsync(body.Title, body.Severity, body.Service, body.Summary, AuditActor.Of(http.User), ct);
        return TypedResults.Created($"/api/incidents/{number}", new Declared(number, $"INC-{number}", $"/incidents/{number}"));
    }

    public static async Task<NoContent> AddNote(int number, NoteRequest body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.AddNoteAsync(number, body.Text, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> SetSeverity(int number, SeverityRequest body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.SetSeverityAsync(number, body.Severity, body.Reason, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> SetService(int number, ServiceRequest body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.SetServiceAsync(number, body.Service, body.Reason, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Assign(int number, AssigneesRequest body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.AssignAsync(number, body.Owner, body.Commander, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Escalate(int number, ReasonRequest? body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.EscalateAsync(number, body?.Reason, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Reopen(int number, ReasonRequest? body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.ReopenAsync(number, body?.Reason, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Merge(int number, MergeRequest body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.MergeAsync(number, body.Into, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<Created<Declared>> Split(int number, Guid alertId, ResponseService response, HttpContext http, CancellationToken ct)
    {
        var created = await response.SplitAsync(number, alertId, AuditActor.Of(http.User), ct);
        return TypedResults.Created($"/api/incidents/{created}", new Declared(created, $"INC-{created}", $"/incidents/{created}"));
    }

    public static async Task<NoContent> Link(int number, LinkRequest body, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.LinkAsync(number, body.Incident, body.Note, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public sealed record StatusUpdateRequest(string? Audience, string? Subject, string? Body);

    public sealed record DraftView(string Audience, string Subject, string Body, DateTimeOffset NextUpdate, IReadOnlyList<string> Recipients);

    /// <summary>`?audience=internal|public`: the draft a person edits before sending, and who would receive it.</summary>
    public static async Task<Ok<DraftView>> StatusDraft(int number, string? audience, StatusUpdateService updates, CancellationToken ct)
    {
        if (!Enum.TryParse<StatusAudience>(audience ?? "internal", ignoreCase: true, out var to) || !Enum.IsDefined(to))
        {
            throw new InvalidInputException($"The audience must be internal or public; got '{audience}'.", "Invalid audience");
        }

        var draft = await updates.DraftAsync(number, to, ct);
        return TypedResults.Ok(new DraftView(to.ToString(), draft.Subject, draft.Body, draft.NextUpdate, updates.Recipients(to)));
    }

    public static async Task<Ok<IReadOnlyList<StatusUpdateView>>> StatusUpdates(int number, StatusUpdateService updates, CancellationToken ct) =>
        TypedResults.Ok(await updates.ListAsync(number, ct));

    public static async Task<Created> SendStatusUpdate(int number, StatusUpdateRequest body, StatusUpdateService updates, HttpContext http, CancellationToken ct)
    {
        await updates.SendAsync(number, body.Audience, body.Subject, body.Body, AuditActor.Of(http.User), ct);
        return TypedResults.Created($"/api/incidents/{number}/status-updates");
    }

    public static async Task<NoContent> Unlink(int number, int other, ResponseService response, HttpContext http, CancellationToken ct)
    {
        await response.UnlinkAsync(number, other, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }
}
