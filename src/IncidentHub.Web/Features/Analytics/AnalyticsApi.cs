using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>
/// The query string of /api/analytics: from and to, ISO 8601; by default the 90 days up to now. includeDemo=true adds the
/// generated demo history to the figures (left out by default; the answer's demoIncidents says how many there are).
/// </summary>
public sealed record AnalyticsQuery(string? From, string? To, bool? IncludeDemo)
{
    /// <summary>False, with errors keyed by query parameter, when a time is not understood or the range is empty or over ten years.</summary>
    public bool TryRead(DateTimeOffset now, out AnalyticsRange range, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var end = Parse(To, "to", errors) ?? now;
        var start = Parse(From, "from", errors) ?? end.AddDays(-90);
        if (errors.Count == 0 && end <= start)
        {
            errors["to"] = ["'to' must be after 'from'."];
        }

        if (errors.Count == 0 && end - start > TimeSpan.FromDays(3660))
        {
            errors["from"] = ["The range is at most ten years."];
        }

        range = new AnalyticsRange(start, end, IncludeDemo ?? false);
        return errors.Count == 0;
    }

    private static DateTimeOffset? Parse(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors[name] = [$"'{text}' is not a date/time; use ISO 8601 such as 2026-01-31."];
        return null;
    }
}

/// <summary>/api/analytics?from=&amp;to= : every figure for the range (default: the last 90 days).</summary>
public static class AnalyticsApi
{
    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/analytics").RequireAuthorization().WithTags("Analytics")
            .MapGet("/", GetAnalytics).WithName("GetAnalytics");
        return app;
    }

    public static async Task<Results<Ok<AnalyticsReport>, ValidationProblem>> GetAnalytics([AsParameters] AnalyticsQuery query, AnalyticsService analytics, TimeProvider clock, CancellationToken ct) =>
        query.TryRead(clock.GetUtcNow(), out var range, out var errors)
            ? TypedResults.Ok(await analytics.ReportAsync(range, ct))
            : TypedResults.ValidationProblem(errors);
}
