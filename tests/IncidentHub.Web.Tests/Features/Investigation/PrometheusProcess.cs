using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>
/// The real Prometheus (Debian package) on loopback, its TSDB backfilled from an OpenMetrics file
/// with <c>promtool tsdb create-blocks-from openmetrics</c>, so range queries see history.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _log = new();

    private PrometheusProcess(Process process, string dir, Uri address)
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
        var data = Path.Combine(dir, "data");
        var om = Path.Combine(dir, "history.om");
        await File.WriteAllTextAsync(om, openMetrics);
        await RunAsync(promtool, "tsdb", "create-blocks-from", "openmetrics", om, data);

        var config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 1m\n");
        var port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                $"--config.file={config}", $"--storage.tsdb.path={data}", $"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=10y", "--log.level=warn",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Prometheus.");
        var prom = new PrometheusProcess(process, dir, new Uri($"http://127.0.0.1:{port}/"));
        process.ErrorDataReceived += (_, e) => { lock (prom._log) { prom._log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        using var http = new HttpClient { BaseAddress = prom.Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("-/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return prom;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                var log = prom._log.ToString();
                await prom.DisposeAsync();
                throw new InvalidOperationException($"Prometheus did not become ready within 30 s: {log}");
            }

            await Task.Delay(100);
        }
    }

    public static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await output}{await error}");
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
