using IncidentHub.Web.Infrastructure.Data;

namespace IncidentHub.Web.Features.Ingestion;

public static class IngestionExtensions
{
    public static WebApplicationBuilder AddIngestion(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<SigningSecrets>();
        builder.Services.AddSingleton<TokenLookupGuard>();
        builder.Services.AddHttpClient("sns");
        builder.Services.AddScoped<IngestionService>();
        builder.Services.AddScoped<WebhookSignatureCheck>();
        builder.Services.AddScoped<AlertBatchApplier>();
        builder.Services.AddSingleton<InboxWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InboxWriter>());
        builder.Services.AddSingleton<InboxProcessor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InboxProcessor>());
        builder.Services.AddScoped<IntegrationService>();
        builder.Services.AddScoped<SilenceService>();
        builder.Services.AddOptions<DemoIntegrationsOptions>().BindConfiguration(DemoIntegrationsOptions.SectionName);
        builder.Services.AddDatabaseSeeder<DemoIntegrationsSeeder>();
        return builder;
    }

    public static IEndpointRouteBuilder MapIngestion(this IEndpointRouteBuilder app) =>
        app.MapHooksApi().MapIntegrationsApi();
}
