using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace IncidentHub.Web.Infrastructure.Errors;

/// <summary>The one place that turns exceptions into status codes, as ProblemDetails; it knows the base kinds, no feature.</summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problems, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        // PostgreSQL unreachable is a dependency down, like our UnavailableException: senders retry on 503.
        if (DatabaseUnavailableException.From(exception) is { } down)
        {
            exception = down;
        }

        // Only our base kinds choose a status: a KeyNotFoundException or ArgumentException from a bug stays a 500.
        var (status, title) = exception switch
        {
            InvalidInputException e => (StatusCodes.Status400BadRequest, e.Title),
            ForbiddenActionException e => (StatusCodes.Status403Forbidden, e.Title),
            NotFoundException e => (StatusCodes.Status404NotFound, e.Title),
            ConflictException e => (StatusCodes.Status409Conflict, e.Title),
            UnavailableException e => (StatusCodes.Status503ServiceUnavailable, e.Title),
            TooManyRequestsException e => (StatusCodes.Status429TooManyRequests, e.Title),
            ServerFaultException e => (StatusCodes.Status500InternalServerError, e.Title),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request"),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error"),
        };

        // The path of a webhook holds only its token's prefix (WebhookPathRedaction), so it may be logged.
        if (exception is DatabaseUnavailableException)
        {
            logger.LogWarning("PostgreSQL is unreachable; answered 503 on {Path}: {Reason}", http.Request.Path, exception.InnerException?.Message);
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception on {Path}", http.Request.Path);
        }

        http.Response.StatusCode = status;
        if (((exception as UnavailableException)?.RetryAfter ?? (exception as TooManyRequestsException)?.RetryAfter) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        // Our own kinds carry a message written for the caller; an unexpected error's message is not.
        var detail = status >= 500 && exception is not (UnavailableException or ServerFaultException)
            ? "The error was logged; nothing you sent was lost."
            : exception.Message;
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
