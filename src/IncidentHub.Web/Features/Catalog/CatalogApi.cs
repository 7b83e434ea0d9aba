using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>/api/catalog: everyone signed in reads; Admins create, edit and delete entries.</summary>
public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalog").WithTags("Catalog");
        api.MapGet("/", ListServices).WithName("ListCatalogServices");
        api.MapGet("/{name}", GetService).WithName("GetCatalogService");
        api.MapPut("/{name}", SaveService).RequireAuthorization(Policies.Admin).WithName("SaveCatalogService");
        api.MapDelete("/{name}", DeleteService).RequireAuthorization(Policies.Admin).WithName("DeleteCatalogService");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<CatalogEntryView>>> ListServices(CatalogStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListAsync(ct));

    public static async Task<Results<Ok<CatalogEntryView>, NotFoundProblem>> GetService(string name, CatalogStore store, CancellationToken ct) =>
        await store.GetAsync(name, ct) is { } view ? TypedResults.Ok(view) : NoSuchService(name);

    /// <summary>Creates or replaces the entry; a different name in the body renames it.</summary>
    public static async Task<Results<Ok<CatalogEntryView>, ValidationProblem>> SaveService(
        string name, ServiceDefinition service, CatalogStore store, HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(service.Name))
        {
            service.Name = name;
        }

        var errors = store.Validate(service);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [service.Name ?? name] = [.. errors] },
                title: "The catalog entry is not valid");
        }

        return TypedResults.Ok(await store.SaveAsync(service, AuditActor.Of(http.User), originalName: name, ct));
    }

    public static async Task<Results<NoContent, NotFoundProblem>> DeleteService(string name, CatalogStore store, HttpContext http, CancellationToken ct) =>
        await store.DeleteAsync(name, AuditActor.Of(http.User), ct) ? TypedResults.NoContent() : NoSuchService(name);

    private static NotFoundProblem NoSuchService(string name) => NotFoundProblem.For("Catalog entry", $"The catalog has no service '{name}'.");
}
