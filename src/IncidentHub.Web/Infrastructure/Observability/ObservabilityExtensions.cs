using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IncidentHub.Web.Infrastructure.Observability;

/// <summary>
/// OpenTelemetry: the app's meter and ASP.NET Core's at /metrics (Prometheus text format), traces to OTLP when
/// <see cref="OtlpOptions.Endpoint"/> is set. Hangfire jobs are timed and scoped by <see cref="JobObservationFilter"/>.
/// </summary>
public static class ObservabilityExtensions
{
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.SectionName);
        services.AddOptions<OtlpOptions>().BindConfiguration(OtlpOptions.SectionName);
        services.AddSingleton<DatabaseGauges>();
        services.AddSingleton<IncidentHubMetrics>();
        services.AddSingleton<JobObservationFilter>();
        services.AddSingleton<IAuthorizationHandler, MetricsAccessHandler>();

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("incidenthub"))
            .WithMetrics(m => m
                .AddMeter(IncidentHubMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        var otlp = builder.Configuration.GetSection(OtlpOptions.SectionName).Get<OtlpOptions>();
        if (otlp?.Endpoint is { } endpoint)
        {
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/_blazor"))
                .AddSource("Npgsql")
                .AddOtlpExporter(o => o.Endpoint = endpoint));
        }

        return builder;
    }

    /// <summary>GET /metrics for whoever <see cref="MetricsOptions"/> lets in, else users <paramref name="adminPolicy"/> allows.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app, string adminPolicy)
    {
        app.MapPrometheusScrapingEndpoint("/metrics")
            .RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(new MetricsAccessRequirement(adminPolicy)).Build());
        return app;
    }

    private sealed record MetricsAccessRequirement(string AdminPolicy) : IAuthorizationRequirement;

    /// <summary>Anonymous or loopback when configured; the configured bearer secret; or an Admin (cookie or API token).</summary>
    private sealed class MetricsAccessHandler(IOptionsMonitor<MetricsOptions> options, IServiceProvider services) : AuthorizationHandler<MetricsAccessRequirement>
    {
        protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsAccessRequirement requirement)
        {
            var settings = options.CurrentValue;
            var http = context.Resource as HttpContext;
            if (settings.AllowAnonymous
                || (settings.AllowLoopback && http?.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address))
                || (http is not null && BearerMatches(http, settings.BearerToken)))
            {
                context.Succeed(requirement);
                return;
            }

            if (context.User.Identity?.IsAuthenticated == true
                && (await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, requirement.AdminPolicy)).Succeeded)
            {
                context.Succeed(requirement);
            }
        }

        private static bool BearerMatches(HttpContext http, string? expected)
        {
            var header = http.Request.Headers.Authorization.ToString();
            return !string.IsNullOrEmpty(expected)
                && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), Encoding.UTF8.GetBytes(expected));
        }
    }
}
