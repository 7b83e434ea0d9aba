using IncidentHub.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace IncidentHub.Web.Tests.Infrastructure.Observability;

/// <summary>An app of its own: every log line captured with its scopes, and a bearer secret for Prometheus.</summary>
public sealed class ObservabilityApp : IAsyncLifetime
{
    public const string MetricsToken = "prometheus-scrape-secret-0123456789";

    public IncidentHubFactory App { get; } = new();

    public CapturedLog Log { get; } = new();

    public async Task InitializeAsync()
    {
        App.Logging = logging =>
        {
            logging.AddProvider(Log);
            logging.AddFilter<CapturedLog>(null, LogLevel.Debug);
        };
        App.Settings["Metrics:BearerToken"] = MetricsToken;
        await App.InitializeAsync();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// The tests of <see cref="ObservabilityApp"/> share one instance and run after the parallel collections, with no other
/// app alive in the process: with two apps in one process, OpenTelemetry's export and Hangfire's (process-wide) job
/// activation were seen to follow only the app started last.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ObservabilityCollection : ICollectionFixture<ObservabilityApp>
{
    public const string Name = "observability";
}
