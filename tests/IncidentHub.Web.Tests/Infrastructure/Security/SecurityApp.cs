using IncidentHub.Tests.Shared;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IncidentHub.Web.Tests.Infrastructure.Security;

/// <summary>
/// An app of its own with production-like rate limits, every configured secret set, every log line captured at
/// Debug, and its PostgreSQL behind a relay the tests can cut (<see cref="Database"/>).
/// </summary>
public sealed class SecurityApp : IAsyncLifetime
{
    public const string SmtpPassword = "smtp-secret-pass-0123456789";
    public const int LoginPerMinute = 5;
    public const int ApiPerMinute = 30;
    public const int WebhookPerSecond = 5;
    public const int TokenLookupsPerMinute = 8;

    public IncidentHubFactory App { get; } = new();

    public CapturedLog Log { get; } = new();

    public TcpProxy Database { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var direct = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("INCIDENTHUB_TEST_PG")
            ?? throw new InvalidOperationException("INCIDENTHUB_TEST_PG is not set; run scripts/test.sh."));
        Database = new TcpProxy(direct.Host!, direct.Port);
        App.Logging = logging =>
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddProvider(Log);
            logging.AddFilter<CapturedLog>(null, LogLevel.Debug);
        };
        App.Settings["RateLimits:LoginPerMinute"] = LoginPerMinute.ToString();
        App.Settings["RateLimits:ApiPerMinute"] = ApiPerMinute.ToString();
        App.Settings["RateLimits:WebhookPerSecond"] = WebhookPerSecond.ToString();
        App.Settings["RateLimits:TokenLookupsPerMinute"] = TokenLookupsPerMinute.ToString();
        App.Settings["Email:User"] = "incidenthub";
        App.Settings["Email:Password"] = SmtpPassword;
        App.Settings["Email:Host"] = "127.0.0.1";
        App.Settings["Email:Port"] = "9";
        App.Settings["Email:TlsMode"] = "StartTls"; // credentials travel only over TLS
        App.Settings["Email:From"] = "IncidentHub <incidenthub@test.local>";
        App.ConnectionStringOverride = cs => new NpgsqlConnectionStringBuilder(cs) { Host = "127.0.0.1", Port = Database.Port, Timeout = 3 }.ConnectionString;
        await App.InitializeAsync();
    }

    /// <summary>Every secret the app was configured with or issued.</summary>
    public List<string> Secrets { get; } =
    [
        IncidentHubFactory.AdminPassword, IncidentHubFactory.AdminToken, IncidentHubFactory.GitHubWebhookToken,
        IncidentHubFactory.GitHubWebhookSecret, SmtpPassword,
    ];

    public async Task DisposeAsync()
    {
        Database.Up();
        await ((IAsyncLifetime)App).DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SecurityAppCollection : ICollectionFixture<SecurityApp>
{
    public const string Name = "security-app";
}
