using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IncidentHub.Web.Tests.Infrastructure.Errors;

public sealed class ProblemDetailsExceptionHandlerTests
{
    public static TheoryData<Exception, int, string, string> Kinds => new()
    {
        { new InvalidInputException("The bundle has no alert."), 400, "Bad request", "The bundle has no alert." },
        { new NotFoundException("There is no widget 7.", "Widget not found"), 404, "Widget not found", "There is no widget 7." },
        { new ConflictException("Already done."), 409, "Conflict", "Already done." },
        { new ForbiddenActionException("Only Admins may edit the catalog."), 403, "Forbidden", "Only Admins may edit the catalog." },
        { new IncidentConflictException(new IllegalTransitionException(IncidentState.Resolved, IncidentState.Resolved)), 409, "Illegal state change", "An incident cannot move from Resolved to Resolved" },
        { new InboxUnavailableException(new TimeoutException("db")), 503, "Inbox unavailable", "nothing was stored" },
        { new RawEventFailedException(42, "boom."), 500, "Unexpected error", "raw event 42" },
        // A dictionary miss or a bad argument deep in the code is a bug, not the caller's fault.
        { new KeyNotFoundException("The given key 'x' was not present."), 500, "Unexpected error", "The error was logged" },
        { new ArgumentException("Value cannot be null. (Parameter 'source')"), 500, "Unexpected error", "The error was logged" },
        { new InvalidOperationException("secret connection string"), 500, "Unexpected error", "The error was logged" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Exception_IsAnsweredAsProblemDetails_WithTheStatusOfItsKind(Exception exception, int status, string title, string detail)
    {
        var http = NewContext();

        var handled = await Handler(http).TryHandleAsync(http, exception, CancellationToken.None);
        var problem = Body(http);

        Assert.True(handled);
        Assert.Equal(status, http.Response.StatusCode);
        Assert.Equal("application/problem+json", http.Response.ContentType);
        Assert.Equal(title, problem["title"]!.GetValue<string>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unavailable_SaysWhenToRetry()
    {
        var http = NewContext();

        await Handler(http).TryHandleAsync(http, new InboxUnavailableException(new TimeoutException()), CancellationToken.None);

        Assert.Equal("5", http.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task UnexpectedError_DoesNotShowItsMessage()
    {
        var http = NewContext();

        await Handler(http).TryHandleAsync(http, new InvalidOperationException("Host=db;Password=hunter2"), CancellationToken.None);

        Assert.DoesNotContain("hunter2", Body(http).ToJsonString(), StringComparison.Ordinal);
    }

    private static DefaultHttpContext NewContext()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Headers.Accept = "application/json";
        http.Response.Body = new MemoryStream();
        return http;
    }

    private static ProblemDetailsExceptionHandler Handler(HttpContext http) =>
        new(http.RequestServices.GetRequiredService<IProblemDetailsService>(), NullLogger<ProblemDetailsExceptionHandler>.Instance);

    private static JsonObject Body(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return JsonNode.Parse(http.Response.Body)!.AsObject();
    }
}
