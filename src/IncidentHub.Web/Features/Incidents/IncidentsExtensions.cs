namespace IncidentHub.Web.Features.Incidents;

public static class IncidentsExtensions
{
    public static WebApplicationBuilder AddIncidents(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<IncidentService>();
        builder.Services.AddSingleton<WallFeed>();
        builder.Services.AddSingleton<IncidentPipeline>();
        return builder;
    }

    public static IEndpointRouteBuilder MapIncidents(this IEndpointRouteBuilder app) => app.MapIncidentsApi();
}
