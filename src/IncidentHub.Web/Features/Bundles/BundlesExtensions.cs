namespace IncidentHub.Web.Features.Bundles;

public static class BundlesExtensions
{
    public static WebApplicationBuilder AddBundles(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BundleOptions>().BindConfiguration(BundleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<BundleImporter>();
        builder.Services.AddSingleton<BundleImports>();
        return builder;
    }

    public static IEndpointRouteBuilder MapBundles(this IEndpointRouteBuilder app) => app.MapBundlesApi();
}

/// <summary>For the Import bundle page: one import in its own scope (a circuit lives long; a DbContext should not).</summary>
public sealed class BundleImports(IServiceScopeFactory scopes)
{
    public async Task<BundleImportResult> ImportAsync(IReadOnlyList<BundleFile> files, string by, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BundleImporter>().ImportAsync(files, by, ct);
    }
}
