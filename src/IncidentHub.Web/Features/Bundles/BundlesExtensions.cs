using IncidentHub.Web.Infrastructure.Audit;
namespace IncidentHub.Web.Features.Bundles;

public static class BundlesExtensions
{
    public static WebApplicationBuilder AddBundles(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BundleOptions>().BindConfiguration(BundleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<BundleImporter>();
        // Imported bundles' logs and metrics live under the data directory: catalog entries may point there.
        builder.Services.AddOptions<Catalog.CatalogOptions>().Configure<Microsoft.Extensions.Options.IOptions<BundleOptions>>((catalog, bundles) =>
            catalog.AllowedFileRoots.Add(bundles.Value.FullDataDirectory));
        builder.Services.AddSingleton<BundleImports>();
        return builder;
    }

    public static IEndpointRouteBuilder MapBundles(this IEndpointRouteBuilder app) => app.MapBundlesApi();
}

/// <summary>For the Import bundle page: one import in its own scope (a circuit lives long; a DbContext should not).</summary>
public sealed class BundleImports(IServiceScopeFactory scopes)
{
    public async Task<BundleImportResult> ImportAsync(IReadOnlyList<BundleFile> files, AuditActor by, IReadOnlyCollection<string> confirmed, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BundleImporter>().ImportAsync(files, by, confirmed, ct);
    }
}
