using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IncidentHub.Web.Features.Notifications;

/// <summary>/api/notifications/channels: Admins configure where messages go; a channel's secret is write-only.</summary>
public static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notifications/channels").WithTags("Notifications").RequireAuthorization(Policies.Admin);
        api.MapGet("/", ListChannels).WithName("ListNotificationChannels");
        api.MapPost("/", CreateChannel).WithName("CreateNotificationChannel");
        api.MapDelete("/{id:guid}", DeleteChannel).WithName("DeleteNotificationChannel");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ChannelView>>> ListChannels(ChannelService channels, CancellationToken ct) =>
        TypedResults.Ok(await channels.ListAsync(ct));

    public static async Task<Results<Created<ChannelView>, ValidationProblem>> CreateChannel(ChannelRequest request, ChannelService channels, HttpContext http,
        CancellationToken ct)
    {
        if (channels.Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors, title: "The channel is not valid");
        }

        var view = await channels.CreateAsync(request, AuditActor.Of(http.User), ct);
        return TypedResults.Created($"/api/notifications/channels/{view.Id}", view);
    }

    public static async Task<Results<NoContent, NotFoundProblem>> DeleteChannel(Guid id, ChannelService channels, HttpContext http, CancellationToken ct) =>
        await channels.DeleteAsync(id, AuditActor.Of(http.User), ct)
            ? TypedResults.NoContent()
            : NotFoundProblem.For("Notification channel", $"There is no channel {id}.");
}
