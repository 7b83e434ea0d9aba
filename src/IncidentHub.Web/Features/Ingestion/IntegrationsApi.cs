using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>Sets the signing secret at once (null or empty: none); RequireTimestamp refuses bodies without a signed X-Signature-Timestamp.</summary>
public sealed record SigningRequest([property: MinLength(16, ErrorMessage = "A signing secret needs at least 16 characters."), MaxLength(200)] string? Secret, bool RequireTimestamp);

/// <summary>The new secret (null: IncidentHub generates one and answers it once); the old one keeps working for the overlap window.</summary>
public sealed record RotateSigningRequest([property: MinLength(16, ErrorMessage = "A signing secret needs at least 16 characters."), MaxLength(200)] string? Secret);

public static class IntegrationsApi
{
    public static IEndpointRouteBuilder MapIntegrationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/integrations").RequireAuthorization(Policies.Admin).WithTags("Integrations");
        api.MapGet("/", ListIntegrations).WithName("ListIntegrations");
        api.MapGet("/{id:guid}/events", ListRawEvents).WithName("ListRawEvents");
        api.MapPut("/{id:guid}/signing", SetSigning).WithName("SetIntegrationSigning");
        api.MapPost("/{id:guid}/signing/rotate", RotateSigningSecret).WithName("RotateIntegrationSigningSecret");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<IntegrationSummary>>> ListIntegrations(IntegrationService integrations, CancellationToken ct) =>
        TypedResults.Ok(await integrations.ListAsync(ct));

    public static async Task<Ok<IReadOnlyList<RawEventView>>> ListRawEvents(Guid id, IntegrationService integrations, CancellationToken ct) =>
        TypedResults.Ok(await integrations.RecentEventsAsync(id, 50, ct));

    public static async Task<NoContent> SetSigning(Guid id, SigningRequest request, HttpContext http, IntegrationService integrations, CancellationToken ct)
    {
        await integrations.SetSigningAsync(id, request.Secret, request.RequireTimestamp, AuditActor.Of(http.User), ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<RotatedSigningSecret>> RotateSigningSecret(Guid id, RotateSigningRequest request, HttpContext http, IntegrationService integrations, CancellationToken ct) =>
        TypedResults.Ok(await integrations.RotateSigningSecretAsync(id, request.Secret, AuditActor.Of(http.User), ct));
}
