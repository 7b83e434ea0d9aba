using System.Diagnostics;
using System.Globalization;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.Features.Investigation;
using IncidentHub.Web.Tests.Features.Remediation;
using IncidentHub.Web.Tests.RealServers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// The app wired to what remediation acts on and checks, all real and on loopback: the Debian Alertmanager
/// (silences), the runbook receiver for runbook.rollback (checks the signature, does the work once per key), and
/// the Debian Prometheus scraping a small /metrics endpoint that plays quota-service after the rollback: 10,000
/// requests a second of which 1% fail, as http_requests_total counters by code.
/// </summary>
public sealed class RemediationSystem : IAsyncLifetime
{
    public const string RunbookSecret = "e2e-runbook-secret";

    /// <summary>The error ratio as an operator would write it for the catalog (role error_ratio, source prometheus).</summary>
    public const string ErrorRatioQuery =
        "sum(rate(http_requests_total{service=\"quota-service\",code=~\"5..\"}[30s])) / sum(rate(http_requests_total{service=\"quota-service\"}[30s]))";

    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    private LoopbackServer? _service;

    public IncidentHubFactory App { get; } = new();

    public AlertmanagerProcess Alertmanager { get; private set; } = default!;

    public PrometheusProcess Prometheus { get; private set; } = default!;

    public RunbookReceiver Runbooks { get; private set; } = default!;

    /// <summary>Answers 503 whenever it is asked.</summary>
    public Uri DownHealthUrl => new(_service!.Address, "healthz");

    public async Task InitializeAsync()
    {
        _service = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/metrics", Metrics);
            // A health URL that stays down, for the rollback whose verification fails.
            app.MapGet("/healthz", () => Results.StatusCode(503));
        });
        Prometheus = await PrometheusProcess.StartScrapingAsync(new Uri(_service.Address, "metrics"));
        // Notifications go nowhere (nothing listens on port 9): the test reads the silences.
        Alertmanager = await AlertmanagerProcess.StartAsync("http://127.0.0.1:9/");
        Runbooks = await RunbookReceiver.StartAsync(RunbookSecret);

        App.Settings["Remediation:Alertmanager:Url"] = Alertmanager.Address.ToString();
        App.Settings["Remediation:Prometheus:Url"] = Prometheus.Address.ToString();
        App.Settings["Remediation:Runbooks:runbook.rollback:Url"] = Runbooks.Url.ToString();
        App.Settings["Remediation:Runbooks:runbook.rollback:Secret"] = RunbookSecret;
        App.Settings["Remediation:RunbookAllowedHosts:0"] = Runbooks.Url.Host;
        App.Settings["Investigation:HealthCheckAllowedHosts:0"] = _service.Address.Host;
        await App.InitializeAsync();
    }

    private IResult Metrics()
    {
        var seconds = _uptime.Elapsed.TotalSeconds;
        string Line(string code, double perSecond) =>
            $"http_requests_total{{service=\"quota-service\",code=\"{code}\"}} {(seconds * perSecond).ToString("0.###", CultureInfo.InvariantCulture)}\n";
        return Results.Text("# TYPE http_requests_total counter\n" + Line("200", 9900) + Line("500", 100), "text/plain; version=0.0.4");
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Runbooks.DisposeAsync();
        await Alertmanager.DisposeAsync();
        await Prometheus.DisposeAsync();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }
}

/// <summary>The remediation browser test has its own app (its settings name the real Alertmanager, Prometheus and receiver).</summary>
[CollectionDefinition(Name)]
public sealed class RemediationCollection : ICollectionFixture<RemediationSystem>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "e2e-remediation";
}
