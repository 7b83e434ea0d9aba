using IncidentHub.Web.Infrastructure.Data;

namespace IncidentHub.Web.Features.Catalog;

public static class CatalogExtensions
{
    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ServiceCatalog>();
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton<CatalogChangeListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CatalogChangeListener>());
        builder.Services.AddOptions<CatalogSeedOptions>().BindConfiguration(CatalogSeedOptions.SectionName);
        builder.Services.AddDatabaseSeeder<CatalogSeeder>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder app) => app.MapCatalogApi();
}
