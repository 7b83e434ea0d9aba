namespace IncidentHub.Web.Features.Incidents;

public static class IncidentsExtensions
{
    public static WebApplicationBuilder AddIncidents(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<IncidentService>();
        return builder;
    }
}
