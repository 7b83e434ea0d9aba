using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>Response headers and transport settings of every page and API answer.</summary>
public sealed class WebSecurityOptions
{
    public const string SectionName = "WebSecurity";

    /// <summary>
    /// Blazor Server needs only its own scripts and a WebSocket to its own origin ('self' covers ws/wss of the same
    /// host); MudBlazor writes style attributes and a theme &lt;style&gt; element, hence 'unsafe-inline' for styles only;
    /// charts use data: images. frame-ancestors 'none': no page may frame the dashboard (clickjacking on Approve).
    /// </summary>
    [Required]
    public string ContentSecurityPolicy { get; set; } =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    [Required]
    public string ReferrerPolicy { get; set; } = "no-referrer";

    /// <summary>Strict-Transport-Security on HTTPS answers (directly or, with forwarded headers, behind a TLS proxy).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "730.00:00:00")]
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}

/// <summary>
/// X-Forwarded-For / -Proto from a reverse proxy. Off by default: a client could otherwise claim any address (and
/// escape the per-address rate limits). When on, only the listed proxies are believed; loopback always is.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string SectionName = "ForwardedHeaders";

    public bool Enabled { get; set; }

    /// <summary>Addresses of the proxies in front, e.g. "10.0.0.5".</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of the proxies in front, in CIDR form, e.g. "10.0.0.0/8".</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row are believed.</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;
}
