using System.ComponentModel.DataAnnotations;
using System.Globalization;
using IncidentHub.Analysis.Incidents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.History;

/// <summary>
/// The query string of /api/history and /api/history.csv: q, severity and state (repeated or a comma
/// list), service, from and to (ISO 8601), sort (a <see cref="HistorySort"/> name), desc, skip, take.
/// </summary>
public sealed record HistoryQuery(
    [property: StringLength(200, ErrorMessage = "Search text is at most 200 characters.")] string? Q,
    string[]? Severity,
    string? Service,
    string[]? State,
    string? From,
    string? To,
    string? Sort,
    bool? Desc,
    int? Skip,
    int? Take)
{
    /// <summary>False, with errors keyed by query parameter, when a value is not one the filter knows.</summary>
    public bool TryRead(out HistoryFilter filter, out HistorySort sort, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var severities = ParseEnums<Severity>(Severity, "severity", errors);
        var states = ParseEnums<IncidentState>(State, "state", errors);
        var from = ParseTime(From, "from", errors);
        var to = ParseTime(To, "to", errors);
        if (from is not null && to is not null && to <= from)
        {
            errors["to"] = ["'to' must be after 'from'."];
        }

        sort = HistorySort.Triggered;
        if (!string.IsNullOrEmpty(Sort) && !Enum.TryParse(Sort, ignoreCase: true, out sort))
        {
            errors["sort"] = [$"Unknown sort '{Sort}'; use one of {string.Join(", ", Enum.GetNames<HistorySort>())}."];
        }

        filter = new HistoryFilter(Q ?? "", severities, Service ?? "", states, from, to);
        return errors.Count == 0;
    }

    private static List<T> ParseEnums<T>(string[]? values, string name, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        var result = new List<T>();
        foreach (var part in (values ?? []).SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (Enum.TryParse<T>(part, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                result.Add(parsed);
            }
            else
            {
                errors[name] = [$"Unknown {name} '{part}'; use one of {string.Join(", ", Enum.GetNames<T>())}."];
            }
        }

        return result;
    }

    private static DateTimeOffset? ParseTime(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors[name] = [$"'{value}' is not a date/time; use ISO 8601 such as 2026-01-31 or 2026-01-31T12:00:00Z."];
        return null;
    }
}

/// <summary>/api/history (JSON pages) and /api/history.csv (everything matching, streamed).</summary>
public static class HistoryApi
{
    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().WithTags("History");
        api.MapGet("/history", GetHistory).WithName("GetHistory");
        api.MapGet("/history.csv", GetHistoryCsv).WithName("GetHistoryCsv");
        return app;
    }

    public static async Task<Results<Ok<HistoryPage>, ValidationProblem>> GetHistory([AsParameters] HistoryQuery query, HistoryQueries history, CancellationToken ct)
    {
        if (!query.TryRead(out var filter, out var sort, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await history.PageAsync(filter, sort, query.Desc ?? true, query.Skip ?? 0, query.Take ?? 50, ct));
    }

    public static async Task<Results<EmptyHttpResult, ValidationProblem>> GetHistoryCsv([AsParameters] HistoryQuery query, HttpResponse response, HistoryQueries history, CancellationToken ct)
    {
        if (!query.TryRead(out var filter, out var sort, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"incidents-{DateTime.UtcNow:yyyyMMdd}.csv\"";
        await history.WriteCsvAsync(filter, sort, query.Desc ?? true, response.Body, ct);
        return TypedResults.Empty;
    }
}
