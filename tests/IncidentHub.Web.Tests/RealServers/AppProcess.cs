using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// IncidentHub as a separate operating-system process (the built IncidentHub.Web.dll), so a test
/// can kill it the hard way and start it again on the same database, or run it with its own
/// settings (configuration keys such as "Seed:CatalogPath", passed as environment variables).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private AppProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static string DllPath()
    {
        // bin/<Configuration>/net10.0/ of this test project -> the same configuration of the web project.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        return Path.Combine(IncidentHubFactory.RepositoryRoot(), "src", "IncidentHub.Web", "bin", configuration, framework.Name, "IncidentHub.Web.dll");
    }

    /// <summary>Runs `IncidentHub.Web.dll migrate` (migrations and seed) and waits for it.</summary>
    public static async Task MigrateAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        using var process = Process.Start(StartInfo(connectionString, 0, settings, "migrate")) ?? throw new InvalidOperationException("Could not start IncidentHub.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"migrate exited with {process.ExitCode}: {await output}{await errors}");
        }
    }

    public static async Task<AppProcess> StartAsync(string connectionString, int port = 0, IReadOnlyDictionary<string, string>? settings = null)
    {
        port = port == 0 ? FreePort() : port;
        var process = Process.Start(StartInfo(connectionString, port, settings)) ?? throw new InvalidOperationException("Could not start IncidentHub.");
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var log = app.Log;
                await app.DisposeAsync();
                throw new InvalidOperationException($"IncidentHub did not become healthy within 60 s: {log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; whatever was in memory is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static ProcessStartInfo StartInfo(string connectionString, int port, IReadOnlyDictionary<string, string>? settings, string? verb = null)
    {
        var dll = DllPath();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        if (verb is not null)
        {
            start.ArgumentList.Add(verb);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["IncidentHub__Role"] = "All";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
