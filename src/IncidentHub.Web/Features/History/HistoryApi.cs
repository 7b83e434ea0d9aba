using IncidentHub.Analysis.Incidents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.History;

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

    public static async Task<Results<Ok<HistoryPage>, ValidationProblem>> GetHistory(HttpRequest request, HistoryQueries history, CancellationToken ct)
    {
        if (!TryParse(request.Query, out var filter, out var sort, out var descending, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        var skip = int.TryParse(request.Query["skip"], out var s) ? s : 0;
        var take = int.TryParse(request.Query["take"], out var t) ? t : 50;
        return TypedResults.Ok(await history.PageAsync(filter, sort, descending, skip, take, ct));
    }

    public static async Task<Results<EmptyHttpResult, ValidationProblem>> GetHistoryCsv(HttpContext http, HistoryQueries history, CancellationToken ct)
    {
        if (!TryParse(http.Request.Query, out var filter, out var sort, out var descending, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"incidents-{DateTime.UtcNow:yyyyMMdd}.csv\"";
        await history.WriteCsvAsync(filter, sort, descending, http.Response.Body, ct);
        return TypedResults.Empty;
    }

    /// <summary>
    /// Query string: q, severity (repeatable or comma list), service, state (repeatable or comma
    /// list), from, to (ISO 8601), sort (HistorySort name), desc (true/false).
    /// </summary>
    public static bool TryParse(IQueryCollection query, out HistoryFilter filter, out HistorySort sort, out bool descending, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var severities = ParseEnums<Severity>(query["severity"], "severity", errors);
        var states = ParseEnums<IncidentState>(query["state"], "state", errors);
        var from = ParseTime(query["from"], "from", errors);
        var to = ParseTime(query["to"], "to", errors);
        if (from is not null && to is not null && to <= from)
        {
            errors["to"] = ["'to' must be after 'from'."];
        }

        sort = HistorySort.Triggered;
        if (query["sort"] is { Count: > 0 } sortText && !Enum.TryParse(sortText.ToString(), ignoreCase: true, out sort))
        {
            errors["sort"] = [$"Unknown sort '{sortText}'; use one of {string.Join(", ", Enum.GetNames<HistorySort>())}."];
        }

        descending = !bool.TryParse(query["desc"], out var desc) || desc;
        var q = query["q"].ToString();
        if (q.Length > 200)
        {
            errors["q"] = ["Search text is at most 200 characters."];
        }

        filter = new HistoryFilter(q, severities, query["service"].ToString(), states, from, to);
        return errors.Count == 0;
    }

    private static List<T> ParseEnums<T>(Microsoft.Extensions.Primitives.StringValues values, string name, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        var result = new List<T>();
        foreach (var part in values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
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

    private static DateTimeOffset? ParseTime(Microsoft.Extensions.Primitives.StringValues value, string name, Dictionary<string, string[]> errors)
    {
        if (value.Count == 0 || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors[name] = [$"'{value}' is not a date/time; use ISO 8601 such as 2026-01-31 or 2026-01-31T12:00:00Z."];
        return null;
    }
}
