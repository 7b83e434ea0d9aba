using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// The real Prometheus Alertmanager (Debian package), started on loopback with a config whose
/// only receiver is an IncidentHub webhook URL. Gossip is off; grouping waits one second.
/// </summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private AlertmanagerProcess(Process process, string dir, Uri address)
    {
        _process = process;
        _dir = dir;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<AlertmanagerProcess> StartAsync(string webhookUrl)
    {
        var binary = Environment.GetEnvironmentVariable("ALERTMANAGER_BIN") ?? "/usr/bin/prometheus-alertmanager";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"Alertmanager is not installed at {binary}; scripts/test.sh installs prometheus-alertmanager.");
        }

        var dir = Directory.CreateTempSubdirectory("ih-alertmanager-").FullName;
        var config = Path.Combine(dir, "alertmanager.yml");
        await File.WriteAllTextAsync(config, $"""
            route:
              receiver: incidenthub
              group_by: ['alertname', 'service']
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: incidenthub
                webhook_configs:
                  - url: '{webhookUrl}'
                    send_resolved: true
            """);
        var port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                $"--config.file={config}", $"--storage.path={dir}", $"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=", "--log.level=warn",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Alertmanager.");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var am = new AlertmanagerProcess(process, dir, new Uri($"http://127.0.0.1:{port}"));

        using var http = new HttpClient { BaseAddress = am.Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/-/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return am;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                await am.DisposeAsync();
                throw new InvalidOperationException("Alertmanager did not become ready within 20 s.");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
