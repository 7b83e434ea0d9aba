using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Response.Components;
using IncidentHub.Web.Features.Response.StatusUpdates;

namespace IncidentHub.Web.Features.Response;

public static class ResponseExtensions
{
    public static WebApplicationBuilder AddResponse(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ResponseService>();
        builder.Services.AddScoped<StatusUpdateService>();
        builder.Services.AddOptions<StatusUpdateOptions>().Bind(builder.Configuration.GetSection(StatusUpdateOptions.Section));
        builder.Services.AddIncidentPanel<ResponsePanel>(IncidentPanelPlace.Header);
        return builder;
    }

    public static IEndpointRouteBuilder MapResponse(this IEndpointRouteBuilder app) => app.MapResponseApi();
}
