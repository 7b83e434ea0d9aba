using System.Globalization;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// The real Prometheus (Debian package) on loopback, its TSDB backfilled from an OpenMetrics file
/// with <c>promtool tsdb create-blocks-from openmetrics</c>, so range queries see history.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly RealProcess _process;
    private readonly string _dir;

    private PrometheusProcess(RealProcess process, string dir, Uri address)
    {
        _process = process;
        _dir = dir;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<PrometheusProcess> StartAsync(string openMetrics)
    {
        var binary = Environment.GetEnvironmentVariable("PROMETHEUS_BIN") ?? "/usr/bin/prometheus";
        var promtool = Path.Combine(Path.GetDirectoryName(binary)!, "promtool");
        if (!File.Exists(binary) || !File.Exists(promtool))
        {
            throw new InvalidOperationException($"Prometheus is not installed at {binary}; scripts/test.sh installs the prometheus package.");
        }

        var dir = Directory.CreateTempSubdirectory("ih-prometheus-").FullName;
        try
        {
            var data = Path.Combine(dir, "data");
            var om = Path.Combine(dir, "history.om");
            await File.WriteAllTextAsync(om, openMetrics);
            await RealProcess.RunAsync(promtool, ["tsdb", "create-blocks-from", "openmetrics", om, data]);

            var config = Path.Combine(dir, "prometheus.yml");
            await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 1m\n");
            var port = RealProcess.FreePort();
            var address = new Uri($"http://127.0.0.1:{port}/");
            var process = await RealProcess.StartAsync(binary,
                [$"--config.file={config}", $"--storage.tsdb.path={data}", $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=10y", "--log.level=warn"],
                new Uri(address, "-/ready"), TimeSpan.FromSeconds(30));
            return new PrometheusProcess(process, dir, address);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>A Prometheus that scrapes <paramref name="target"/> (a /metrics URL) every second, with no history.</summary>
    public static async Task<PrometheusProcess> StartScrapingAsync(Uri target)
    {
        var binary = Environment.GetEnvironmentVariable("PROMETHEUS_BIN") ?? "/usr/bin/prometheus";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"Prometheus is not installed at {binary}; scripts/test.sh installs the prometheus package.");
        }

        var dir = Directory.CreateTempSubdirectory("ih-prometheus-").FullName;
        try
        {
            var config = Path.Combine(dir, "prometheus.yml");
            await File.WriteAllTextAsync(config, $$"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: service
                    metrics_path: '{{target.AbsolutePath}}'
                    static_configs:
                      - targets: ['{{target.Authority}}']
                """);
            var port = RealProcess.FreePort();
            var address = new Uri($"http://127.0.0.1:{port}/");
            var process = await RealProcess.StartAsync(binary,
                [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                new Uri(address, "-/ready"), TimeSpan.FromSeconds(30));
            return new PrometheusProcess(process, dir, address);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    public static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
