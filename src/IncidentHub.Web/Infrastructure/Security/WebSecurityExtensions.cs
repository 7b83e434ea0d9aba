using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>
/// What every response gets (CSP, nosniff, Referrer-Policy, HSTS on HTTPS), forwarded headers from a configured
/// reverse proxy, the rate limits, and webhook tokens kept out of every log (docs/decisions/025).
/// </summary>
public static class WebSecurityExtensions
{
    public static WebApplicationBuilder AddWebSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebSecurityOptions>().BindConfiguration(WebSecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Before hosting logs the request line: the webhook token leaves the path.
        services.AddSingleton<IHttpContextFactory>(sp => new WebhookPathRedaction(sp));

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, settings) =>
        {
            var s = settings.Value;
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            o.ForwardLimit = s.ForwardLimit;
            foreach (var proxy in s.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in s.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddOptions<HstsOptions>().Configure<IOptions<WebSecurityOptions>>((o, web) => o.MaxAge = web.Value.HstsMaxAge);

        services.AddRateLimits();
        return builder;
    }

    /// <summary>First in the pipeline: the client's real address and scheme are known before anything reads them.</summary>
    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        var web = app.Services.GetRequiredService<IOptions<WebSecurityOptions>>().Value;
        app.Use((http, next) =>
        {
            // As the response starts: the exception handler clears headers set earlier.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = web.ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = web.ReferrerPolicy;
                headers.XFrameOptions = "DENY";
                return Task.CompletedTask;
            });
            return next(http);
        });

        // Only on HTTPS answers (HTTP ones would be ignored by browsers anyway); loopback hosts excluded.
        app.UseHsts();
        return app;
    }
}
