using System.Net;
using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.RealServers;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.Deployment;

/// <summary>
/// The published app (`dotnet publish` output) started the way the image starts it, `dotnet IncidentHub.Web.dll` in
/// the publish directory with ASPNETCORE_ENVIRONMENT=Production: it serves /health/live, the login page, and the
/// static assets the page names (blazor.web.js, styles), which outside Development come only from the publish output.
/// </summary>
public sealed partial class PublishedAppTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _publish = Directory.CreateTempSubdirectory("ih-publish-").FullName;
    private TestDatabase _database = default!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_publish, recursive: true);
    }

    [Fact]
    public async Task PublishedApp_InProduction_ServesLiveHealth_TheLoginPage_AndItsStaticAssets()
    {
        // --no-build: the build the tests run on (same configuration) is published, so this takes seconds, not a build.
        var built = new DirectoryInfo(Path.GetDirectoryName(AppProcess.DllPath())!);
        var project = Path.Combine(IncidentHubFactory.RepositoryRoot(), "src", "IncidentHub.Web", "IncidentHub.Web.csproj");
        await RealProcess.RunAsync("dotnet", ["publish", project, "-c", built.Parent!.Name, "--no-build", "-o", _publish, "-nologo", "-v", "q"]);
        Assert.True(File.Exists(Path.Combine(_publish, "IncidentHub.Web.dll")));

        var port = RealProcess.FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        await using var app = await RealProcess.StartAsync("dotnet", ["IncidentHub.Web.dll"], new Uri(address, "/health/live"), TimeSpan.FromSeconds(60),
            _publish, new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = address.ToString(),
                ["ConnectionStrings__Postgres"] = _database.ConnectionString,
                ["Database__MigrateOnStart"] = "true",
                ["Seed__Admin__Email"] = "admin@published.local",
                ["Seed__Admin__Password"] = "Admin!pass-123",
                ["DataProtection__CertificatePath"] = Path.Combine(_publish, "keys", "dataprotection.pfx"),
            });
        try
        {
            using var http = new HttpClient { BaseAddress = address };
            var login = await http.GetAsync("/account/login");
            var html = await login.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);

            var script = Assert.Single(ScriptSources().Matches(html).Select(m => m.Groups[1].Value), s => s.Contains("blazor.web", StringComparison.Ordinal));
            var styles = Stylesheets().Matches(html).Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(styles);
            foreach (var asset in styles.Prepend(script))
            {
                using var response = await http.GetAsync(new Uri(address, asset));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
                Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100, $"{asset} is empty");
            }
        }
        finally
        {
            output.WriteLine(app.Output);
        }
    }

    [GeneratedRegex("<script[^>]+src=\"([^\"]+\\.js)\"")]
    private static partial Regex ScriptSources();

    [GeneratedRegex("<link[^>]+href=\"([^\"]+\\.css)\"")]
    private static partial Regex Stylesheets();
}
