using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Security;

namespace IncidentHub.Web.Features.Notifications;

public static class NotificationsExtensions
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ChannelSecrets>();
        services.AddScoped<ChannelService>();
        services.AddScoped<IOutboxChannel, ChannelSender>();
        // No redirects: a webhook that redirects a POST is misconfigured, and a redirect must not carry the body elsewhere.
        // No HttpClient logging: its request lines carry the URL, and a Slack or Teams webhook URL is the secret.
        services.AddHttpClient(ChannelSender.HttpClientName, c => c.MaxResponseContentBufferSize = 1024 * 1024)
            .AddOutboundPolicy(followRedirects: false).RemoveAllLoggers();
        return builder;
    }
}
