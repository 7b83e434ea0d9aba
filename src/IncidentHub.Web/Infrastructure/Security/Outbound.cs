using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Infrastructure.Security;

/// <summary>
/// Where the hub may send requests that a catalog entry (Prometheus, Loki, health checks) or a runbook
/// names. A catalog entry is input from outside (an Admin's typo, an imported bundle): without this the
/// hub is a request forwarder to the cloud metadata service or to anything on its own network.
/// </summary>
public sealed class OutboundOptions
{
    public const string SectionName = "Outbound";

    /// <summary>Host names (exact, case-insensitive), <c>*.example.com</c> for a domain's hosts, or IP literals. Empty: none.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>127.0.0.0/8, ::1 and localhost; for local runs and tests (Development and the test factory turn it on).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Largest response body read from Prometheus or Loki; a larger one ends the read with an error.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxResponseBytes { get; set; } = 32L * 1024 * 1024;
}

/// <summary>A request the outbound policy does not allow; nothing was sent.</summary>
public sealed class OutboundRefusedException(string message) : InvalidOperationException(message);

/// <summary>
/// The one decision on an outbound URL and on the addresses its host resolves to. Never: link-local
/// (169.254.0.0/16 with the cloud metadata service, fe80::/10), the AWS IPv6 metadata address, 0.0.0.0/8,
/// multicast. Loopback only with <see cref="OutboundOptions.AllowLoopback"/>. Anything else only when the
/// host is on <see cref="OutboundOptions.AllowedHosts"/>.
/// </summary>
public sealed class OutboundPolicy(IOptions<OutboundOptions> options)
{
    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>Why the URL may not be called (naming the setting to change), or null when it may.</summary>
    public string? Refusal(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme is not ("http" or "https"))
        {
            return $"'{url.Scheme}' is not http or https.";
        }

        var host = url.IdnHost.Trim('[', ']');
        if (IPAddress.TryParse(host, out var ip))
        {
            if (AddressRefusal(ip) is { } refused)
            {
                return refused;
            }

            return IPAddress.IsLoopback(Plain(ip)) || IsListed(host) ? null : NotListed(host);
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return options.Value.AllowLoopback ? null : $"the host '{host}' is loopback; set {OutboundOptions.SectionName}:AllowLoopback=true to allow it (local runs only).";
        }

        return IsListed(host) ? null : NotListed(host);
    }

    /// <summary>Why an address may not be connected to, or null. Checked again at connect time, after DNS.</summary>
    public string? AddressRefusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var ip = Plain(address);
        if (IsNeverAllowed(ip))
        {
            return $"{ip} is a link-local, metadata, unspecified or multicast address; never called.";
        }

        if (IPAddress.IsLoopback(ip) && !options.Value.AllowLoopback)
        {
            return $"{ip} is loopback; set {OutboundOptions.SectionName}:AllowLoopback=true to allow it (local runs only).";
        }

        return null;
    }

    public void ThrowIfRefused(Uri url)
    {
        if (Refusal(url) is { } reason)
        {
            throw new OutboundRefusedException($"{url.GetLeftPart(UriPartial.Authority)} refused: {reason}");
        }
    }

    public static bool IsNeverAllowed(IPAddress address)
    {
        var ip = Plain(address);
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = ip.GetAddressBytes();
            return b[0] == 0 || (b[0] == 169 && b[1] == 254) || b[0] >= 224;
        }

        return ip.IsIPv6LinkLocal || ip.IsIPv6Multicast || ip.Equals(IPAddress.IPv6Any) || ip.Equals(AwsMetadataV6) || ip.IsIPv6SiteLocal;
    }

    private static IPAddress Plain(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    private bool IsListed(string host) =>
        options.Value.AllowedHosts.Any(h => string.Equals(h, host, StringComparison.OrdinalIgnoreCase)
            || (h.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(h[1..], StringComparison.OrdinalIgnoreCase)));

    private static string NotListed(string host) =>
        $"the host '{host}' is not on {OutboundOptions.SectionName}:AllowedHosts; add it there if the hub may call it.";
}

public static class OutboundExtensions
{
    /// <summary>The policy (once, whichever feature asks first).</summary>
    public static IServiceCollection AddOutbound(this IServiceCollection services)
    {
        services.AddOptions<OutboundOptions>().BindConfiguration(OutboundOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<OutboundPolicy>();
        return services;
    }

    /// <summary>
    /// Every request of this client passes the policy: the URL before sending, each resolved address at
    /// connect time (DNS cannot point an allowed name at the metadata service), and redirects are followed
    /// only within the same scheme, host and port (at most 5), never across hosts.
    /// </summary>
    /// <param name="checkHosts">False for a client with an allowlist of its own (health checks, runbooks): addresses are still checked.</param>
    public static IHttpClientBuilder AddOutboundPolicy(this IHttpClientBuilder builder, bool followRedirects = true, bool checkHosts = true)
    {
        builder.Services.AddOutbound();
        builder.ConfigurePrimaryHttpMessageHandler(sp =>
        {
            var policy = sp.GetRequiredService<OutboundPolicy>();
            return new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectCallback = async (context, ct) =>
                {
                    var addresses = IPAddress.TryParse(context.DnsEndPoint.Host.Trim('[', ']'), out var literal)
                        ? [literal]
                        : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
                    var allowed = addresses.Where(a => policy.AddressRefusal(a) is null).ToList();
                    if (allowed.Count == 0)
                    {
                        throw new OutboundRefusedException($"{context.DnsEndPoint.Host} refused: " +
                            (addresses.Length == 0 ? "it does not resolve." : policy.AddressRefusal(addresses[0])));
                    }

                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(allowed.ToArray(), context.DnsEndPoint.Port, ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
        });
        builder.AddHttpMessageHandler(sp => new OutboundRedirectHandler(sp.GetRequiredService<OutboundPolicy>(), followRedirects, checkHosts));
        return builder;
    }
}

/// <summary>Checks each request against the policy and follows same-origin redirects only.</summary>
internal sealed class OutboundRedirectHandler(OutboundPolicy policy, bool followRedirects, bool checkHosts) : DelegatingHandler
{
    private const int MaxRedirects = 5;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            if (checkHosts)
            {
                policy.ThrowIfRefused(request.RequestUri!);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (!followRedirects || (int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location)
            {
                return response;
            }

            var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
            var from = request.RequestUri!;
            if (hop >= MaxRedirects || target.Scheme != from.Scheme || !string.Equals(target.IdnHost, from.IdnHost, StringComparison.OrdinalIgnoreCase) || target.Port != from.Port)
            {
                response.Dispose();
                throw new OutboundRefusedException(hop >= MaxRedirects
                    ? $"{from.GetLeftPart(UriPartial.Authority)} redirected more than {MaxRedirects} times; not followed."
                    : $"{from.GetLeftPart(UriPartial.Authority)} redirected to another host ({target.GetLeftPart(UriPartial.Authority)}); not followed.");
            }

            response.Dispose();
            if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
            {
                throw new OutboundRefusedException($"{from.GetLeftPart(UriPartial.Authority)} redirected a {request.Method} request; not followed.");
            }

            request = new HttpRequestMessage(request.Method, target);
        }
    }
}
