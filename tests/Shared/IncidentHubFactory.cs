using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Audit;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IncidentHub.Tests.Shared;

/// <summary>
/// The real application (role "all": web + Hangfire worker) on a real Kestrel socket and a
/// fresh real PostgreSQL database. Nothing of ours is replaced.
/// </summary>
public sealed class IncidentHubFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@test.local";

    /// <summary>The seeded Admin as the services see a person: with the role their login carries (Permissions checks it).</summary>
    public static readonly AuditActor Admin = AuditActor.Person(AdminEmail) with { Roles = [Roles.Admin] };
    public const string AdminPassword = "Admin!pass-123";
    public const string AdminToken = "ih_test_admin_token_0123456789abcdefghij";

    /// <summary>Gets every post-mortem (Email:DistributionList) when tests run with an SMTP server.</summary>
    public const string DistributionList = "postmortems@test.local";

    private TestDatabase? _database;

    /// <summary>Imported bundles are stored here (deleted with the factory).</summary>
    public string BundlesDirectory { get; } = Directory.CreateTempSubdirectory("ih-test-bundles-").FullName;

    public string ConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The loopback GitHub the app's GitHub:ApiUrl points at (services that name repository.github get draft pull requests there).</summary>
    public GitHubFake GitHub { get; private set; } = default!;

    public const string GitHubWebhookToken = "gh-hook-token-0123456789";
    public const string GitHubWebhookSecret = "gh-hook-secret-for-tests";

    /// <summary>The Slack app's signing secret: tests sign Slack interactivity payloads with it.</summary>
    public const string SlackSigningSecret = "slack-signing-secret-for-tests-0123";

    /// <summary>Throwaway worktrees of the code-analysis agent (deleted with the factory).</summary>
    public string WorktreesDirectory { get; } = Path.Combine(Path.GetTempPath(), "ih-test-worktrees-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>More configuration for a dedicated fixture (e.g. Remediation:Alertmanager:Url), set before it starts.</summary>
    public Dictionary<string, string> Settings { get; } = [];

    /// <summary>The connection string the app uses, from the test database's (e.g. through a relay the test can cut).</summary>
    public Func<string, string>? ConnectionStringOverride { get; set; }

    /// <summary>Services of a dedicated fixture that replace the app's (e.g. a <see cref="ShiftedClock"/> as TimeProvider), set before it starts.</summary>
    public Action<IServiceCollection>? TestServices { get; set; }

    /// <summary>More logging for a dedicated fixture (e.g. a capturing provider at Debug), set before it starts.</summary>
    public Action<ILoggingBuilder>? Logging { get; set; }

    /// <summary>The app's log file (host lifetime, Hangfire, warnings) under test-output/logs.</summary>
    public FileLog Log { get; } = new(Path.Combine(RepositoryRoot(), "test-output", "logs", $"app-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.log"));

    /// <summary>The real server's address, e.g. http://127.0.0.1:40123.</summary>
    public Uri ServerAddress { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        GitHub = await GitHubFake.StartAsync();

        // Schema first, so nothing that starts with the server (data protection keys, Hangfire) meets an empty database.
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(ConnectionString).Options))
        {
            await db.Database.MigrateAsync();
        }

        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        ServerAddress = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        await Services.InitializeDatabaseAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Log);
            Logging?.Invoke(logging);
        });

        // Outside Development the build's static web assets manifest (blazor.web.js, MudBlazor's
        // files) is not loaded by default; a real browser needs them.
        builder.UseStaticWebAssets();
        builder.UseSetting("ConnectionStrings:Postgres", ConnectionStringOverride?.Invoke(ConnectionString) ?? ConnectionString);
        builder.UseSetting("IncidentHub:Role", "All");
        builder.UseSetting("IncidentHub:WorkerCount", "2");
        builder.UseSetting("Ingestion:MaxBacklogAlerts", "1000");
        builder.UseSetting("IncidentHub:PublicBaseUrl", "http://127.0.0.1:5080");
        builder.UseSetting("Seed:Admin:Email", AdminEmail);
        builder.UseSetting("Seed:Admin:Password", AdminPassword);
        builder.UseSetting("Seed:Admin:ApiToken", AdminToken);
        builder.UseSetting("Bundles:DataDirectory", BundlesDirectory);
        // The fakes and receivers of the tests listen on 127.0.0.1; catalog samples name hosts under test.local.
        builder.UseSetting("Outbound:AllowLoopback", "true");
        builder.UseSetting("Outbound:AllowedHosts:0", "*.test.local");
        builder.UseSetting("CodeFix:WorkDirectory", WorktreesDirectory);
        builder.UseSetting("GitHub:ApiUrl", GitHub.Url.ToString());
        builder.UseSetting("GitHub:Token", GitHub.Token);
        builder.UseSetting("GitHub:WebhookToken", GitHubWebhookToken);
        builder.UseSetting("GitHub:WebhookSecret", GitHubWebhookSecret);
        builder.UseSetting("Slack:SigningSecret", SlackSigningSecret);
        builder.UseSetting("Seed:CatalogPath", Path.Combine(RepositoryRoot(), "seed-data", "services.yaml"));
        builder.UseSetting("Seed:PlaybooksPath", Path.Combine(RepositoryRoot(), "seed-data", "playbooks.yaml"));
        // Tests of one app share 127.0.0.1 and the admin token: limits far above what they send (the security tests
        // run an app of their own with real limits). Forwarded headers on: a test may act from another address
        // (X-Forwarded-For from loopback, a known proxy).
        builder.UseSetting("RateLimits:LoginPerMinute", "100000");
        builder.UseSetting("RateLimits:ApiPerMinute", "10000000");
        builder.UseSetting("RateLimits:TokenLookupsPerMinute", "1000000");
        builder.UseSetting("ForwardedHeaders:Enabled", "true");
        builder.UseSetting("Reports:ChromiumPath", Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } chromium ? chromium : "/usr/bin/chromium");

        // The real SMTP server scripts/test.sh starts (aiosmtpd writing a Maildir), when there is one.
        if (Environment.GetEnvironmentVariable("INCIDENTHUB_TEST_SMTP_PORT") is { Length: > 0 } smtpPort)
        {
            builder.UseSetting("Email:Host", "127.0.0.1");
            builder.UseSetting("Email:Port", smtpPort);
            builder.UseSetting("Email:TlsMode", "None");
            builder.UseSetting("Email:From", "IncidentHub <incidenthub@test.local>");
            builder.UseSetting("Email:DistributionList:0", DistributionList);
        }

        builder.UseSetting("StatusUpdates:InternalRecipients:0", "stakeholders@test.local");
        builder.UseSetting("StatusUpdates:PublicRecipients:0", "status-page@test.local");

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (TestServices is { } testServices)
        {
            builder.ConfigureTestServices(testServices);
        }
    }

    /// <summary>An HTTP client on the real socket, optionally with a bearer token.</summary>
    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = ServerAddress };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
    }

    /// <summary>Creates an integration and returns its webhook path (with the secret token).</summary>
    public async Task<string> CreateIntegrationAsync(SourceKind kind, string? name = null) =>
        new Uri((await IssueIntegrationAsync(kind, name)).Url).AbsolutePath;

    /// <summary>The id of the integration whose webhook path is <paramref name="hook"/> (as <see cref="CreateIntegrationAsync"/> returns it).</summary>
    public async Task<Guid> IntegrationIdAsync(string hook)
    {
        var hash = IncidentHub.Web.Infrastructure.Security.SecretTokens.Hash(hook[(hook.LastIndexOf('/') + 1)..]);
        using var scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Integrations.Where(i => i.TokenHash == hash).Select(i => i.Id).SingleAsync();
    }

    /// <summary>Creates an integration and returns its id, for tests that write its incidents and alerts directly.</summary>
    public async Task<Guid> CreateIntegrationIdAsync(SourceKind kind, string? name = null) =>
        (await IssueIntegrationAsync(kind, name)).IntegrationId;

    private async Task<IssuedUrl> IssueIntegrationAsync(SourceKind kind, string? name)
    {
        using var scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IntegrationService>()
            .CreateAsync(name ?? $"{kind} {Guid.NewGuid():N}", kind);
    }

    /// <summary>Creates a user with one role and a personal API token; returns the token.</summary>
    public async Task<string> CreateUserAsync(string email, string password, string role)
    {
        using var scope = Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var error = await accounts.CreateUserAsync(email, password, role);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }

        var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
        return await accounts.CreateTokenAsync(user!.Id, "test");
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IncidentHub.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (IncidentHub.sln).");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await DisposeAsync();
            Log.Write($"factory: stopped in {stopping.ElapsedMilliseconds} ms");
        }
        catch (Exception ex)
        {
            Log.Write($"factory: stop failed after {stopping.ElapsedMilliseconds} ms: {ex}");
            throw;
        }
        finally
        {
            Log.Dispose();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (Directory.Exists(BundlesDirectory))
        {
            Directory.Delete(BundlesDirectory, recursive: true);
        }

        if (Directory.Exists(WorktreesDirectory))
        {
            Directory.Delete(WorktreesDirectory, recursive: true);
        }

        await GitHub.DisposeAsync();
    }
}
