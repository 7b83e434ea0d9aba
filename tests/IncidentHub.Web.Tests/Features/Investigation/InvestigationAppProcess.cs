using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IncidentHub.Web.Tests.RealServers;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>
/// IncidentHub as its own process (the built IncidentHub.Web.dll, role all) with a test's own
/// service catalog, admin token and demo Alertmanager integration: the catalog is read at start,
/// so a test with its own services needs its own app.
/// </summary>
public sealed class InvestigationAppProcess : IAsyncDisposable
{
    public const string AdminToken = "ih_investigation_admin_token_0123456789";
    public const string HookToken = "ih_investigation_hook_token_0123456789ab";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private InvestigationAppProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string HookPath => $"/hooks/alertmanager/{HookToken}";

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

    public static async Task<InvestigationAppProcess> StartAsync(string connectionString, string catalogPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        using (var migrate = Process.Start(StartInfo(connectionString, catalogPath, port, settings, "migrate"))!)
        {
            var output = migrate.StandardOutput.ReadToEndAsync();
            var errors = migrate.StandardError.ReadToEndAsync();
            await migrate.WaitForExitAsync();
            if (migrate.ExitCode != 0)
            {
                throw new InvalidOperationException($"migrate exited with {migrate.ExitCode}: {await output}{await errors}");
            }
        }

        var process = Process.Start(StartInfo(connectionString, catalogPath, port, settings)) ?? throw new InvalidOperationException("Could not start IncidentHub.");
        var app = new InvestigationAppProcess(process, new Uri($"http://127.0.0.1:{port}"));
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

    public HttpClient Client(bool admin = true)
    {
        var http = new HttpClient { BaseAddress = Address };
        if (admin)
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        }

        return http;
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

    private static ProcessStartInfo StartInfo(string connectionString, string catalogPath, int port, IReadOnlyDictionary<string, string>? settings, string? verb = null)
    {
        var dll = AppProcess.DllPath();
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
        start.Environment["Seed__CatalogPath"] = catalogPath;
        start.Environment["Seed__Admin__Email"] = "admin@investigation.test";
        start.Environment["Seed__Admin__Password"] = "Admin!pass-123";
        start.Environment["Seed__Admin__ApiToken"] = AdminToken;
        start.Environment["Seed__DemoIntegrations__Alertmanager"] = HookToken;
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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
