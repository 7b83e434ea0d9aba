using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Security;

namespace IncidentHub.Web.Features.Catalog;

public static class CatalogExtensions
{
    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ServiceCatalog>();
        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.SectionName);
        builder.Services.AddSingleton<CatalogFileRoots>();
        builder.Services.AddOutbound();
        builder.Services.AddSingleton<CatalogStore>();
        builder.Services.AddSingleton<CatalogChangeListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CatalogChangeListener>());
        builder.Services.AddOptions<CatalogSeedOptions>().BindConfiguration(CatalogSeedOptions.SectionName);
        builder.Services.AddDatabaseSeeder<CatalogSeeder>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder app) => app.MapCatalogApi();
}
