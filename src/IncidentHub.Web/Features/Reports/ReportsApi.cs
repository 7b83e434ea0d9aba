using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Reports.Email;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IncidentHub.Web.Features.Reports;

public sealed record ActionItemsRequest(List<string>? Items, bool Resend = false);

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

    public static async Task<Results<Ok<PostmortemStatus>, NotFound>> GetPostmortem(int number, PostmortemService postmortems, CancellationToken ct) =>
        await postmortems.GetAsync(number, ct) is { } view ? TypedResults.Ok(view.Status) : TypedResults.NotFound();

    public static async Task<Results<FileContentHttpResult, NotFound<ProblemDetails>>> GetPostmortemPdf(int number, PostmortemService postmortems, CancellationToken ct) =>
        await postmortems.GetPdfAsync(number, ct) is { } pdf
            ? TypedResults.File(pdf.Pdf, "application/pdf", pdf.Revision == 1 ? $"INC-{number}-postmortem.pdf" : $"INC-{number}-postmortem-r{pdf.Revision}.pdf")
            : TypedResults.NotFound(new ProblemDetails
            {
                Title = "No post-mortem PDF",
                Detail = $"INC-{number} has no printed post-mortem: it is written when the incident resolves or escalates.",
                Status = StatusCodes.Status404NotFound,
            });

    public static async Task<Results<ContentHttpResult, NotFound>> GetPostmortemMarkdown(int number, PostmortemService postmortems, CancellationToken ct) =>
        await postmortems.GetMarkdownAsync(number, ct) is { } md ? TypedResults.Text(md, "text/markdown; charset=utf-8") : TypedResults.NotFound();

    public static async Task<Results<NoContent, ValidationProblem>> PutActionItems(int number, ActionItemsRequest request, PostmortemService postmortems, HttpContext http, CancellationToken ct)
    {
        if (request.Items is null || request.Items.Count > 50 || request.Items.Any(i => i is null || i.Length > 500))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["items"] = ["Give 0 to 50 action items (a list of strings), each at most 500 characters."],
            });
        }

        await postmortems.SaveActionItemsAsync(number, request.Items, request.Resend, http.User.Identity?.Name ?? "unknown", ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<OutboxRow>>> ListOutbox(OutboxService outbox, CancellationToken ct) =>
        TypedResults.Ok(await outbox.ListAsync(ct: ct));

    public static async Task<Results<NoContent, Conflict<ProblemDetails>>> SendAgain(long id, OutboxService outbox, CancellationToken ct) =>
        await outbox.SendAgainAsync(id, ct)
            ? TypedResults.NoContent()
            : TypedResults.Conflict(new ProblemDetails { Title = "Not sendable", Detail = $"Outbox message {id} is not Failed or Uncertain.", Status = 409 });
}
