using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Response.Components;

namespace IncidentHub.Web.Features.Response;

public static class ResponseExtensions
{
    public static WebApplicationBuilder AddResponse(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ResponseService>();
        builder.Services.AddIncidentPanel<ResponsePanel>(IncidentPanelPlace.Header);
        return builder;
    }

    public static IEndpointRouteBuilder MapResponse(this IEndpointRouteBuilder app) => app.MapResponseApi();
}
