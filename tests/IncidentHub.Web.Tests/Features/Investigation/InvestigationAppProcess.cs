using IncidentHub.Web.Tests.RealServers;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>
/// IncidentHub as its own process (<see cref="AppProcess"/>, role all) with a test's own service
/// catalog file, admin token and demo Alertmanager integration, seeded when it migrates.
/// </summary>
public sealed class InvestigationAppProcess : IAsyncDisposable
{
    public const string AdminToken = "ih_investigation_admin_token_0123456789";
    public const string HookToken = "ih_investigation_hook_token_0123456789ab";

    private readonly AppProcess _app;

    private InvestigationAppProcess(AppProcess app) => _app = app;

    public Uri Address => _app.Address;

    public string HookPath => $"/hooks/alertmanager/{HookToken}";

    public string Log => _app.Log;

    public static async Task<InvestigationAppProcess> StartAsync(string connectionString, string catalogPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["Seed:CatalogPath"] = catalogPath,
            // The scenario's logs and metrics sit beside its catalog file.
            ["Catalog:AllowedFileRoots:0"] = Path.GetDirectoryName(Path.GetFullPath(catalogPath))!,
            ["Seed:Admin:Email"] = "admin@investigation.test",
            ["Seed:Admin:Password"] = "Admin!pass-123",
            ["Seed:Admin:ApiToken"] = AdminToken,
            ["Seed:DemoIntegrations:Alertmanager"] = HookToken,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        await AppProcess.MigrateAsync(connectionString, all);
        return new InvestigationAppProcess(await AppProcess.StartAsync(connectionString, settings: all));
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

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
