using System.Text.Json;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Investigation.Deploys;

/// <summary>What a pipeline posts: one object or an array of them.</summary>
public sealed record DeployRequest(string? Service, string? Version, string? Commit, DateTimeOffset? At, string? Status, string? Kind);

public sealed record DeployView(long Id, string Service, string Version, string? Commit, DateTimeOffset At, string? Status, string? Kind, DateTimeOffset ReceivedAt);

/// <summary>/api/deploys: deploy events from pipelines (Responder/Admin, by login or API token), read by investigations.</summary>
public static class DeploysApi
{
    public const int MaxBatch = 500;

    public static IEndpointRouteBuilder MapDeploysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/deploys").RequireAuthorization().WithTags("Deploys");
        api.MapPost("/", PostDeploys).RequireAuthorization(Policies.Responder).WithName("PostDeploys");
        api.MapGet("/", ListDeploys).WithName("ListDeploys");
        return app;
    }

    /// <summary>Reads the body itself: it is one deploy object or an array of them, which a bound parameter cannot be.</summary>
    public static async Task<Results<Created<IReadOnlyList<DeployView>>, ValidationProblem>> PostDeploys(
        HttpRequest request, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        List<DeployRequest?> items;
        try
        {
            using var json = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            items = json.RootElement.ValueKind switch
            {
                JsonValueKind.Array => json.RootElement.Deserialize<List<DeployRequest?>>(JsonDefaults.Options) ?? [],
                JsonValueKind.Object => [json.RootElement.Deserialize<DeployRequest>(JsonDefaults.Options)],
                _ => throw new JsonException("The body must be a deploy object or an array of them."),
            };
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [ex.Message] }, detail: ex.Message, title: "Invalid JSON");
        }

        var errors = Validate(items);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid deploy");
        }

        var now = clock.GetUtcNow();
        var deploys = items.Select(i => Deploy.Create(i!.Service!.Trim(), i.Version!.Trim(), Clean(i.Commit), i.At!.Value, Clean(i.Status), Clean(i.Kind) ?? "deploy", now)).ToList();
        db.Deploys.AddRange(deploys);
        await db.SaveChangesAsync(ct);
        IReadOnlyList<DeployView> views = deploys.Select(View).ToList();
        return TypedResults.Created("/api/deploys", views);
    }

    public static async Task<Ok<IReadOnlyList<DeployView>>> ListDeploys(AppDbContext db, string? service, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var query = db.Deploys.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(service))
        {
            query = query.Where(d => d.Service == service);
        }

        if (from is { } f)
        {
            var start = f.ToUniversalTime();
            query = query.Where(d => d.At >= start);
        }

        if (to is { } t)
        {
            var end = t.ToUniversalTime();
            query = query.Where(d => d.At <= end);
        }

        var list = await query.OrderByDescending(d => d.At).Take(500).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<DeployView>>(list.Select(View).ToList());
    }

    private static Dictionary<string, string[]> Validate(List<DeployRequest?> items)
    {
        var errors = new Dictionary<string, string[]>();
        if (items.Count == 0)
        {
            errors["body"] = ["Send at least one deploy."];
        }

        if (items.Count > MaxBatch)
        {
            errors["body"] = [$"At most {MaxBatch} deploys per request."];
            return errors;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var prefix = items.Count == 1 ? "" : $"[{i}].";
            var item = items[i];
            if (item is null)
            {
                errors[$"[{i}]"] = ["A deploy must be an object."];
                continue;
            }

            Check(errors, prefix + "service", string.IsNullOrWhiteSpace(item.Service) ? "service is required." : item.Service.Length > 200 ? "service is at most 200 characters." : null);
            Check(errors, prefix + "version", string.IsNullOrWhiteSpace(item.Version) ? "version is required." : item.Version.Length > 200 ? "version is at most 200 characters." : null);
            Check(errors, prefix + "at", item.At is null ? "at (ISO 8601 time of the deploy) is required." : null);
            Check(errors, prefix + "commit", item.Commit is { } c && !string.IsNullOrWhiteSpace(c) && (c.Trim().Length is < 4 or > 64 || !c.Trim().All(char.IsAsciiHexDigit))
                ? "commit must be a hexadecimal commit id (4 to 64 characters)." : null);
            Check(errors, prefix + "status", item.Status?.Length > 32 ? "status is at most 32 characters." : null);
            Check(errors, prefix + "kind", item.Kind?.Length > 32 ? "kind is at most 32 characters." : null);
        }

        return errors;
    }

    private static void Check(Dictionary<string, string[]> errors, string key, string? error)
    {
        if (error is not null)
        {
            errors[key] = [error];
        }
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DeployView View(Deploy d) => new(d.Id, d.Service, d.Version, d.Commit, d.At, d.Status, d.Kind, d.ReceivedAt);
}
