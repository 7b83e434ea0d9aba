using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// The real Prometheus Alertmanager (Debian package), started on loopback with a config whose
/// only receiver is an IncidentHub webhook URL. Gossip is off; grouping waits one second.
/// </summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    private readonly RealProcess _process;
    private readonly string _dir;

    private AlertmanagerProcess(RealProcess process, string dir, Uri address)
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
        var port = RealProcess.FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        try
        {
            var process = await RealProcess.StartAsync(binary,
                [$"--config.file={config}", $"--storage.path={dir}", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"],
                new Uri(address, "/-/ready"), TimeSpan.FromSeconds(20));
            return new AlertmanagerProcess(process, dir, address);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
