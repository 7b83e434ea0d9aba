namespace IncidentHub.Web.Features.Ingestion;

public static class IngestionExtensions
{
    public static WebApplicationBuilder AddIngestion(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<IngestionService>();
        builder.Services.AddScoped<IntegrationService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapIngestion(this IEndpointRouteBuilder app) =>
        app.MapHooksApi().MapIntegrationsApi();
}
