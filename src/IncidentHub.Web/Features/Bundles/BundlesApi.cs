using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Bundles;

public sealed record BundleImported(string BundleId, IReadOnlyList<string> Incidents, IReadOnlyList<string> Services);

/// <summary>
/// POST /api/bundles: multipart/form-data with the parts scenario, alert, logs (1..n), metrics,
/// repository, catalog. Admin API tokens only (Bearer): a form post that a browser could be tricked
/// into sending with the login cookie is not accepted here; people use the Import bundle page.
/// </summary>
public static class BundlesApi
{
    public static IEndpointRouteBuilder MapBundlesApi(this IEndpointRouteBuilder app)
    {
        var adminToken = new AuthorizationPolicyBuilder(ApiTokenAuthenticationHandler.SchemeName).RequireRole(Roles.Admin).Build();
        app.MapGroup("/api/bundles").WithTags("Bundles")
            .MapPost("/", ImportBundle)
            .RequireAuthorization(adminToken)
            .DisableAntiforgery()
            .WithName("ImportBundle");
        return app;
    }

    /// <param name="confirm">Existing services (comma-separated) whose changes, as a previous 409 answer showed them, the Admin accepts.</param>
    public static async Task<Results<Created<BundleImported>, ProblemHttpResult>> ImportBundle(
        HttpContext http, BundleImporter importer, IOptions<BundleOptions> options, CancellationToken ct, string? confirm = null)
    {
        var limits = options.Value;
        if (!http.Request.HasFormContentType || !http.Request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not a bundle upload",
                detail: $"Send multipart/form-data with the parts {string.Join(", ", BundleImporter.Fields)} (ih import does this).");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limits.MaxRequestBytes;
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (InvalidDataException ex)
        {
            throw new BundleRejectedException($"The multipart body could not be read: {ex.Message}");
        }

        if (form.Keys.FirstOrDefault() is { } field)
        {
            throw new BundleRejectedException($"Unexpected form field '{field}': a bundle upload carries files only ({string.Join(", ", BundleImporter.Fields)}).");
        }

        var files = new List<BundleFile>();
        foreach (var file in form.Files)
        {
            if (file.Length > limits.MaxFileBytes)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large",
                    detail: $"'{file.FileName}' is {file.Length} bytes; the limit is {limits.MaxFileBytes} bytes.");
            }

            using var content = new MemoryStream((int)file.Length);
            await file.CopyToAsync(content, ct);
            files.Add(new BundleFile(file.Name, file.FileName, content.ToArray()));
        }

        BundleImportResult result;
        try
        {
            result = await importer.ImportAsync(files, AuditActor.Of(http.User),
                (confirm ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), ct);
        }
        catch (BundleChangesExistingServicesException ex)
        {
            // An expected answer: the diff to confirm travels with the problem.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Bundle changes existing services", detail: ex.Message,
                extensions: new Dictionary<string, object?> { ["changes"] = ex.Changes });
        }

        var location = result.Incidents.Count > 0 ? $"/incidents/{result.Incidents[0]["INC-".Length..]}" : "/";
        return TypedResults.Created(location, new BundleImported(result.BundleId, result.Incidents, result.Services));
    }
}
