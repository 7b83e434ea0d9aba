using IncidentHub.Web.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Ingestion;

public static class IntegrationsApi
{
    public static IEndpointRouteBuilder MapIntegrationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/integrations").RequireAuthorization(Policies.Admin).WithTags("Integrations");
        api.MapGet("/", ListIntegrations).WithName("ListIntegrations");
        api.MapGet("/{id:guid}/events", ListRawEvents).WithName("ListRawEvents");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<IntegrationSummary>>> ListIntegrations(IntegrationService integrations, CancellationToken ct) =>
        TypedResults.Ok(await integrations.ListAsync(ct));

    public static async Task<Ok<IReadOnlyList<RawEventView>>> ListRawEvents(Guid id, IntegrationService integrations, CancellationToken ct) =>
        TypedResults.Ok(await integrations.RecentEventsAsync(id, 50, ct));
}
