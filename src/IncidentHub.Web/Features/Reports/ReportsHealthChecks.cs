using System.Net.Sockets;
using IncidentHub.Web.Features.Reports.Email;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Reports;

/// <summary>/health/ready: the Chromium that prints post-mortems is installed where Reports:ChromiumPath says.</summary>
internal sealed class ChromiumHealthCheck(IOptions<ReportsOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(options.Value.ChromiumPath)
            ? HealthCheckResult.Healthy($"Chromium at {options.Value.ChromiumPath}")
            // Degraded, not unhealthy: alerts and incidents work; only the PDF is missing (the email carries Markdown).
            : HealthCheckResult.Degraded($"Chromium not found at {options.Value.ChromiumPath}: post-mortem PDFs cannot be printed."));
}

/// <summary>/health/ready: the SMTP server answers a TCP connection, when one is configured.</summary>
internal sealed class SmtpHealthCheck(IOptions<EmailOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (!o.IsConfigured)
        {
            return HealthCheckResult.Healthy("SMTP not configured: post-mortems wait in the outbox.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(o.Host!, o.Port, timeout.Token);
            return HealthCheckResult.Healthy($"SMTP {o.Host}:{o.Port} reachable");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return HealthCheckResult.Degraded($"SMTP {o.Host}:{o.Port} not reachable: post-mortem emails wait in the outbox.");
        }
    }
}
