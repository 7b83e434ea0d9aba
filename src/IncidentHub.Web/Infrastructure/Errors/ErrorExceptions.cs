namespace IncidentHub.Web.Infrastructure.Errors;

// The few kinds of failure the API answers with a status of its own (ProblemDetailsExceptionHandler).
// Features derive their exceptions from these; each derives from the BCL exception of the same
// meaning, so code that catches ArgumentException or InvalidOperationException keeps working.
// The message is written for the caller: it becomes the ProblemDetails detail.

/// <summary>The request is wrong in a way only code can tell (a bundle, a catalog entry): answered 400.</summary>
public class InvalidInputException(string message, string title = "Bad request") : ArgumentException(message)
{
    public string Title { get; } = title;
}

/// <summary>
/// The caller's role does not allow the change (a Viewer approving, a Responder editing the catalog): answered 403;
/// pages show the message (Components/Layout/ForbiddenBoundary). Thrown by the services, so a hidden button is not the
/// only door.
/// </summary>
public class ForbiddenActionException(string message, string title = "Forbidden") : UnauthorizedAccessException(message)
{
    public string Title { get; } = title;
}

/// <summary>The thing the request names does not exist: answered 404; the title names the kind of thing.</summary>
public class NotFoundException(string message, string title = "Not found") : KeyNotFoundException(message)
{
    public string Title { get; } = title;
}

/// <summary>The current state does not allow the request (already acknowledged, changed meanwhile): answered 409.</summary>
public class ConflictException(string message, string title = "Conflict", Exception? inner = null) : InvalidOperationException(message, inner)
{
    public string Title { get; } = title;
}

/// <summary>A dependency is down and nothing was done: answered 503 with Retry-After, so senders retry.</summary>
public class UnavailableException(string message, string title = "Unavailable", Exception? inner = null) : Exception(message, inner)
{
    public string Title { get; } = title;

    public virtual TimeSpan RetryAfter => TimeSpan.FromSeconds(5);
}

/// <summary>The client asked too often: answered 429 with Retry-After.</summary>
public class TooManyRequestsException(string message, TimeSpan retryAfter, string title = "Too many requests") : Exception(message)
{
    public string Title { get; } = title;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A server-side failure whose message tells the caller what was kept and what to do: answered 500 with that message.</summary>
public class ServerFaultException(string message, string title = "Unexpected error", Exception? inner = null) : Exception(message, inner)
{
    public string Title { get; } = title;
}

/// <summary>PostgreSQL could not be reached (refused, timed out, pool exhausted): answered 503 with Retry-After, not 500.</summary>
public sealed class DatabaseUnavailableException(Exception inner)
    : UnavailableException("The database is unreachable; nothing was done. Retry shortly.", "Database unavailable", inner)
{
    /// <summary>The outage behind <paramref name="exception"/> (also wrapped by EF), or null when it is another failure.</summary>
    public static DatabaseUnavailableException? From(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // The connection failed, broke or waited too long; of the server's own errors only "too many connections" (53xxx)
            // and "shutting down / starting up" (57P0x), never a serialization failure that a retry of the request would hit again.
            if (e is Npgsql.NpgsqlException { IsTransient: true } npgsql
                && (npgsql is not Npgsql.PostgresException pg || pg.SqlState.StartsWith("53", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)))
            {
                return new DatabaseUnavailableException(e);
            }
        }

        return null;
    }
}
