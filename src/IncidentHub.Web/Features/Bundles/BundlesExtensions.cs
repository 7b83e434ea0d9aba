namespace IncidentHub.Web.Features.Bundles;

public static class BundlesExtensions
{
    public static WebApplicationBuilder AddBundles(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BundleOptions>().BindConfiguration(BundleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<BundleImporter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapBundles(this IEndpointRouteBuilder app) => app.MapBundlesApi();
}
