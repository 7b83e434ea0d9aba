using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace IncidentHub.Web.Infrastructure.Errors;

/// <summary>
/// The one way an endpoint answers 404: a ProblemDetails (application/problem+json) whose title names the
/// kind of thing and whose detail names the thing, e.g. <c>NotFoundProblem.For("Incident", "There is no incident INC-7.")</c>.
/// Not the framework's <c>NotFound&lt;ProblemDetails&gt;</c>: that one writes application/json (dotnet/aspnetcore#58574).
/// </summary>
public sealed class NotFoundProblem : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>, IEndpointMetadataProvider
{
    private NotFoundProblem(ProblemDetails value) => Value = value;

    public ProblemDetails Value { get; }

    public int StatusCode => StatusCodes.Status404NotFound;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    object? IValueHttpResult.Value => Value;

    /// <param name="what">The kind of thing, as a title starts: "Incident", "Catalog entry".</param>
    /// <param name="detail">Which one is missing, and why if it may exist later.</param>
    public static NotFoundProblem For(string what, string detail) =>
        new(new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = $"{what} not found", Detail = detail });

    /// <summary>Written like every other ProblemDetails (IProblemDetailsService adds the trace id).</summary>
    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Problem(Value).ExecuteAsync(httpContext);

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status404NotFound, typeof(ProblemDetails), ["application/problem+json"]));
}
