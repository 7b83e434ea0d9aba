using IncidentHub.Web.Infrastructure.Audit;
using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Reports;

/// <summary>Checked by the framework (AddValidation): a missing list or a too long one is a 400 naming "items".</summary>
public sealed record ActionItemsRequest(
    [property: Required(ErrorMessage = ActionItemsRequest.Rule), MaxLength(50, ErrorMessage = ActionItemsRequest.Rule)] List<string>? Items,
    bool Resend = false) : IValidatableObject
{
    public const string Rule = "Give 0 to 50 action items (a list of strings), each at most 500 characters.";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Items?.Any(i => i is null || i.Length > 500) == true)
        {
            yield return new ValidationResult(Rule, [nameof(Items)]);
        }
    }
}

/// <summary>Post-mortem reads and edits under /api/incidents/{n}/postmortem; the email outbox under /api/outbox.</summary>
public static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var pm = app.MapGroup("/api/incidents/{number:int}").RequireAuthorization().WithTags("Post-mortems");
        pm.MapGet("/postmortem", GetPostmortem).WithName("GetPostmortem");
        pm.MapGet("/postmortem.pdf", GetPostmortemPdf).WithName("GetPostmortemPdf");
        pm.MapGet("/postmortem.md", GetPostmortemMarkdown).WithName("GetPostmortemMarkdown");
        pm.MapPut("/postmortem/action-items", PutActionItems).RequireAuthorization(Policies.Responder).WithName("PutPostmortemActionItems");

        var outbox = app.MapGroup("/api/outbox").RequireAuthorization(Policies.Admin).WithTags("Outbox");
        outbox.MapGet("/", ListOutbox).WithName("ListOutbox");
        outbox.MapPost("/{id:long}/send-again", SendAgain).WithName("SendOutboxMessageAgain");
        return app;
    }

    public static async Task<Results<Ok<PostmortemStatus>, NotFoundProblem>> GetPostmortem(int number, PostmortemService postmortems, CancellationToken ct) =>
        await postmortems.GetAsync(number, ct) is { } view ? TypedResults.Ok(view.Status) : NoSuchIncident(number);

    public static async Task<Results<FileContentHttpResult, NotFoundProblem>> GetPostmortemPdf(int number, PostmortemService postmortems, CancellationToken ct) =>
        await postmortems.GetPdfAsync(number, ct) is { } pdf
            ? TypedResults.File(pdf.Pdf, "application/pdf", pdf.Revision == 1 ? $"INC-{number}-postmortem.pdf" : $"INC-{number}-postmortem-r{pdf.Revision}.pdf")
            : NotFoundProblem.For("Post-mortem PDF", $"INC-{number} has no printed post-mortem: it is written when the incident resolves or escalates.");

    public static async Task<Results<ContentHttpResult, NotFoundProblem>> GetPostmortemMarkdown(int number, PostmortemService postmortems, CancellationToken ct) =>
        await postmortems.GetMarkdownAsync(number, ct) is { } md ? TypedResults.Text(md, "text/markdown; charset=utf-8") : NoSuchIncident(number);

    /// <summary>An unknown incident is a 404 and a post-mortem not written yet a 409, both from the service.</summary>
    public static async Task<NoContent> PutActionItems(int number, ActionItemsRequest request, PostmortemService postmortems, HttpContext http, CancellationToken ct)
    {
        await postmortems.SaveActionItemsAsync(number, request.Items!, request.Resend, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<OutboxRow>>> ListOutbox(OutboxService outbox, CancellationToken ct) =>
        TypedResults.Ok(await outbox.ListAsync(ct: ct));

    /// <summary>409 when the message is not Failed or Uncertain (a ProblemHttpResult: Conflict&lt;ProblemDetails&gt; would be application/json).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> SendAgain(long id, OutboxService outbox, HttpContext http, CancellationToken ct) =>
        await outbox.SendAgainAsync(id, AuditActor.Of(http.User), ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not sendable", detail: $"Outbox message {id} is not Failed or Uncertain.");

    private static NotFoundProblem NoSuchIncident(int number) => NotFoundProblem.For("Incident", $"There is no incident INC-{number}.");
}
