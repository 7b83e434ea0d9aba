using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Text;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Tests.RealServers;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>Against the real Prometheus with two hours of backfilled history: a counter whose 5xx rate jumps 30 minutes ago.</summary>
public sealed class PrometheusConnectorTests : IAsyncLifetime
{
    private readonly DateTimeOffset _now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60);
    private PrometheusProcess? _prometheus;

    private DateTimeOffset Jump => _now.AddMinutes(-30);

    public async Task InitializeAsync()
    {
        var om = new StringBuilder("# TYPE http_requests counter\n");
        double ok = 0, errors = 0;
        var samples = new List<(DateTimeOffset At, double Ok, double Errors)>();
        for (var t = _now.AddHours(-2); t <= _now.AddMinutes(-2); t = t.AddMinutes(1))
        {
            ok += 600;
            errors += t >= Jump ? 300 : 6;
            samples.Add((t, ok, errors));
        }

        foreach (var s in samples)
        {
            om.Append($"http_requests_total{{service=\"ingest\",code=\"200\"}} {s.Ok} {PrometheusProcess.Seconds(s.At)}\n");
        }

        foreach (var s in samples)
        {
            om.Append($"http_requests_total{{service=\"ingest\",code=\"500\"}} {s.Errors} {PrometheusProcess.Seconds(s.At)}\n");
        }

        om.Append("# EOF\n");
        _prometheus = await PrometheusProcess.StartAsync(om.ToString());
    }

    [Fact]
    public async Task RangeQuery_ReturnsTheBackfilledHistory_WithTheErrorRatioJump()
    {
        using var http = new HttpClient();
        var connector = new PrometheusConnector(http, Options.Create(new OutboundOptions()), NullLogger<PrometheusConnector>.Instance);
        const string query = "sum(rate(http_requests_total{code=\"500\"}[5m])) / sum(rate(http_requests_total[5m]))";

        var series = Assert.Single(await connector.QueryRangeAsync(_prometheus!.Address, query, MetricRole.ErrorRatio, _now.AddMinutes(-90), _now.AddMinutes(-5), TimeSpan.FromMinutes(1), CancellationToken.None));

        Assert.Equal(MetricRole.ErrorRatio, series.Role);
        Assert.True(series.Points.Count > 60, $"only {series.Points.Count} points");
        var before = series.Points.Where(p => p.At < Jump.AddMinutes(-10)).Select(p => p.Value).ToList();
        var after = series.Points.Where(p => p.At > Jump.AddMinutes(6)).Select(p => p.Value).ToList();
        Assert.All(before, v => Assert.InRange(v, 0.005, 0.015));
        Assert.All(after, v => Assert.InRange(v, 0.3, 0.36));
    }

    [Fact]
    public async Task InstantQuery_ReturnsOneSeriesPerLabelSet()
    {
        using var http = new HttpClient();

        var series = await new PrometheusConnector(http, Options.Create(new OutboundOptions()), NullLogger<PrometheusConnector>.Instance).QueryAsync(_prometheus!.Address, "http_requests_total", MetricRole.Traffic, _now.AddMinutes(-3), CancellationToken.None);

        Assert.Equal(2, series.Count);
        Assert.Contains(series, s => s.Labels["code"] == "500" && s.Name.StartsWith("http_requests_total", StringComparison.Ordinal));
        Assert.All(series, s => Assert.Single(s.Points));
    }

    [Fact]
    public async Task BadQuery_IsUnavailable_WithPrometheusOwnError()
    {
        using var http = new HttpClient();

        var result = await Connector.BoundedAsync("prometheus", TimeSpan.FromSeconds(5),
            c => new PrometheusConnector(http, Options.Create(new OutboundOptions()), NullLogger<PrometheusConnector>.Instance).QueryAsync(_prometheus!.Address, "sum(", MetricRole.Other, _now, c), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("Prometheus answered 400", result.Unavailable, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_IsUnavailable()
    {
        using var http = new HttpClient();

        var result = await Connector.BoundedAsync("prometheus", TimeSpan.FromSeconds(5),
            c => new PrometheusConnector(http, Options.Create(new OutboundOptions()), NullLogger<PrometheusConnector>.Instance).QueryAsync(new Uri("http://127.0.0.1:9/"), "up", MetricRole.Other, _now, c), CancellationToken.None);

        Assert.False(result.Ok);
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
    }
}
