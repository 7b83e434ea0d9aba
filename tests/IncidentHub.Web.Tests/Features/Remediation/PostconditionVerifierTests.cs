using System.Globalization;
using System.Text;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Tests.RealServers;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>
/// Against the real Debian Prometheus, backfilled by promtool with an hour of error ratios ending at a fixed
/// <see cref="At"/> in the past: "calm" stays near 0.01, "spiky" crosses 0.05 once, five minutes before the end.
/// </summary>
public sealed class PostconditionVerifierTests(ErrorRatioPrometheus prometheus) : IClassFixture<ErrorRatioPrometheus>
{
    private static readonly DateTimeOffset At = ErrorRatioPrometheus.At;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private PostconditionVerifier Verifier => prometheus.Services.GetRequiredService<PostconditionVerifier>();

    [Fact]
    public async Task Metric_UnderTheThresholdForTheWholeWindow_IsVerified()
    {
        var result = await Verifier.VerifyAsync(Postcondition.Metric("error_ratio{service=\"calm\"}", "<", 0.05, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.Verified, result.Outcome);
        Assert.Equal(0.014, result.WorstValue!.Value, 6);
        Assert.Equal(41, result.Samples); // 10 minutes at a 15 s step, both ends included
        Assert.Contains("all 41 samples of 1 series < 0.05", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metric_ThatCrossesTheThreshold_IsNotVerified_WithTheWorstValue()
    {
        var result = await Verifier.VerifyAsync(Postcondition.Metric("error_ratio{service=\"spiky\"}", "<", 0.05, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.NotVerified, result.Outcome);
        Assert.Equal(0.31, result.WorstValue!.Value, 6);
        Assert.Contains("worst 0.31 at 2026-03-02 11:55:00Z", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metric_EverySeriesCounts_NotJustTheFirst()
    {
        var result = await Verifier.VerifyAsync(Postcondition.Metric("error_ratio", "<=", 0.05, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.NotVerified, result.Outcome);
        Assert.Equal(0.31, result.WorstValue!.Value, 6);
    }

    [Fact]
    public async Task Metric_LowerBound_ReportsTheLowestSample()
    {
        var result = await Verifier.VerifyAsync(Postcondition.Metric("error_ratio{service=\"spiky\"}", ">=", 0.01, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.Verified, result.Outcome);
        Assert.Equal(0.01, result.WorstValue!.Value, 6);
    }

    [Fact]
    public async Task Metric_WithNoData_IsNotVerified_BecauseThereIsNoData()
    {
        var result = await Verifier.VerifyAsync(Postcondition.Metric("error_ratio{service=\"absent\"}", "<", 0.05, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.NotVerified, result.Outcome);
        Assert.Equal("no data", result.Reason);
        Assert.Null(result.WorstValue);
    }

    [Fact]
    public async Task Metric_BadQuery_CouldNotBeChecked_WithPrometheusOwnError()
    {
        var result = await Verifier.VerifyAsync(Postcondition.Metric("sum(", "<", 0.05, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.CouldNotCheck, result.Outcome);
        Assert.Contains("Prometheus answered 400", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metric_UnknownComparison_CouldNotBeChecked()
    {
        var result = await Verifier.VerifyAsync(Postcondition.Metric("error_ratio", "==", 0.05, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.CouldNotCheck, result.Outcome);
        Assert.Contains("'=='", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metric_WithoutPrometheusConfigured_SaysWhatToSet()
    {
        await using var services = ExecutorServices.Build(new Dictionary<string, string?>());

        var result = await services.GetRequiredService<PostconditionVerifier>().VerifyAsync(Postcondition.Metric("error_ratio", "<", 0.05, Window), At, CancellationToken.None);

        Assert.Equal(VerificationOutcome.CouldNotCheck, result.Outcome);
        Assert.Contains("set Remediation:Prometheus:Url", result.Reason, StringComparison.Ordinal);
    }
}

/// <summary>One real Prometheus for the metric tests, backfilled once.</summary>
public sealed class ErrorRatioPrometheus : IAsyncLifetime
{
    public static readonly DateTimeOffset At = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private PrometheusProcess? _prometheus;

    public ServiceProvider Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var om = new StringBuilder("# TYPE error_ratio gauge\n");
        foreach (var service in new[] { "calm", "spiky" })
        {
            var minute = 0;
            for (var t = At.AddHours(-1); t <= At; t = t.AddMinutes(1), minute++)
            {
                var value = service == "spiky" && t == At.AddMinutes(-5) ? 0.31 : 0.01 + (minute % 3 * 0.002);
                om.Append($"error_ratio{{service=\"{service}\"}} {value.ToString(CultureInfo.InvariantCulture)} {PrometheusProcess.Seconds(t)}\n");
            }
        }

        om.Append("# EOF\n");
        _prometheus = await PrometheusProcess.StartAsync(om.ToString());
        Services = ExecutorServices.Build(new Dictionary<string, string?> { ["Remediation:Prometheus:Url"] = _prometheus.Address.ToString() });
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
    }
}
