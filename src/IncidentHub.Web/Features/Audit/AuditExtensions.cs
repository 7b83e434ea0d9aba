using IncidentHub.Web.Infrastructure.Audit;

namespace IncidentHub.Web.Features.Audit;

public static class AuditExtensions
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IAuditLog, AuditLog>();
        builder.Services.AddSingleton<AuditQueries>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app) => app.MapAuditApi();
}
