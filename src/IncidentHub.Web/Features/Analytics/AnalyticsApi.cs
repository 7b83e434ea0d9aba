using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Analytics;

/// <summary>/api/analytics?from=&amp;to= : every figure for the range (default: the last 90 days).</summary>
public static class AnalyticsApi
{
    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/analytics").RequireAuthorization().WithTags("Analytics")
            .MapGet("/", GetAnalytics).WithName("GetAnalytics");
        return app;
    }

    public static async Task<Results<Ok<AnalyticsReport>, ValidationProblem>> GetAnalytics(string? from, string? to, AnalyticsService analytics, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var now = clock.GetUtcNow();
        var end = Parse(to, "to", errors) ?? now;
        var start = Parse(from, "from", errors) ?? end.AddDays(-90);
        if (errors.Count == 0 && end <= start)
        {
            errors["to"] = ["'to' must be after 'from'."];
        }

        if (errors.Count == 0 && end - start > TimeSpan.FromDays(3660))
        {
            errors["from"] = ["The range is at most ten years."];
        }

        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : TypedResults.Ok(await analytics.ReportAsync(new AnalyticsRange(start, end), ct));
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
