using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace IncidentHub.Web.Infrastructure.Errors;

/// <summary>The one place that turns exceptions into status codes, as ProblemDetails.</summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problems, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, title) = exception switch
        {
            IllegalTransitionException => (StatusCodes.Status409Conflict, "Illegal state change"),
            Features.Ingestion.InboxUnavailableException => (StatusCodes.Status503ServiceUnavailable, "Inbox unavailable"),
            IncidentConflictException => (StatusCodes.Status409Conflict, "Conflict"),
            KeyNotFoundException => (StatusCodes.Status404NotFound, "Not found"),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request"),
            ArgumentException => (StatusCodes.Status400BadRequest, "Bad request"),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error"),
        };

        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception on {Path}", http.Request.Path);
        }

        http.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "5";
        }

        // A stored payload that failed to apply: say so plainly, it is kept for a replay.
        var detail = exception switch
        {
            Features.Ingestion.RawEventFailedException or Features.Ingestion.InboxUnavailableException => exception.Message,
            _ when status >= 500 => "The error was logged; nothing you sent was lost.",
            _ => exception.Message,
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
            },
        });
    }
}
