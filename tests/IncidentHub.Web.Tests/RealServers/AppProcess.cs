using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// IncidentHub as a separate operating-system process (the built IncidentHub.Web.dll), so a test
/// can kill it the hard way and start it again on the same database, or run it with its own
/// settings (configuration keys such as "Seed:CatalogPath", passed as environment variables).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly RealProcess _process;

    private AppProcess(RealProcess process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Log => _process.Output;

    public static string DllPath()
    {
        // bin/<Configuration>/net10.0/ of this test project -> the same configuration of the web project.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        return Path.Combine(IncidentHubFactory.RepositoryRoot(), "src", "IncidentHub.Web", "bin", configuration, framework.Name, "IncidentHub.Web.dll");
    }

    /// <summary>Runs `IncidentHub.Web.dll migrate` (migrations and seed) and waits for it.</summary>
    public static Task MigrateAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null) =>
        RunCommandAsync(connectionString, ["migrate"], settings);

    /// <summary>Runs one of the app's commands (`migrate`, `seed-history ...`) and returns what it wrote.</summary>
    public static Task<string> RunCommandAsync(string connectionString, IEnumerable<string> args, IReadOnlyDictionary<string, string>? settings = null) =>
        RealProcess.RunAsync("dotnet", [DllPath(), .. args], Path.GetDirectoryName(DllPath()), EnvironmentFor(connectionString, 0, settings));

    public static async Task<AppProcess> StartAsync(string connectionString, int port = 0, IReadOnlyDictionary<string, string>? settings = null)
    {
        port = port == 0 ? RealProcess.FreePort() : port;
        var address = new Uri($"http://127.0.0.1:{port}");
        var process = await RealProcess.StartAsync("dotnet", [DllPath()], new Uri(address, "/health"), TimeSpan.FromSeconds(60),
            Path.GetDirectoryName(DllPath()), EnvironmentFor(connectionString, port, settings));
        return new AppProcess(process, address);
    }

    /// <summary>Starts the app without waiting for it to answer (a test that first expects it to wait for PostgreSQL).</summary>
    public static AppProcess Launch(string connectionString, int port = 0, IReadOnlyDictionary<string, string>? settings = null)
    {
        port = port == 0 ? RealProcess.FreePort() : port;
        var process = RealProcess.Launch("dotnet", [DllPath()], Path.GetDirectoryName(DllPath()), EnvironmentFor(connectionString, port, settings));
        return new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Waits until /health answers 200 (PostgreSQL reachable, the server listening).</summary>
    public Task WaitForHealthAsync(TimeSpan timeout) => _process.WaitForOkAsync(new Uri(Address, "/health"), timeout);

    /// <summary>Waits until the process has written <paramref name="text"/>.</summary>
    public Task WaitForLogAsync(string text, TimeSpan timeout) =>
        _process.WaitUntilAsync(() => Task.FromResult(Log.Contains(text, StringComparison.Ordinal)), timeout, $"write \"{text}\"");

    /// <summary>Waits for the process to exit by itself; its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>SIGKILL: no shutdown hooks, no flushing; whatever was in memory is gone.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static Dictionary<string, string> EnvironmentFor(string connectionString, int port, IReadOnlyDictionary<string, string>? settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Postgres"] = connectionString,
            ["IncidentHub__Role"] = "All",
            ["Outbound__AllowLoopback"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return environment;
    }
}
