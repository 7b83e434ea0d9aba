using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

public sealed class SamplePayloadsTests
{
    [Theory]
    [InlineData(SourceKind.Alertmanager)]
    [InlineData(SourceKind.Grafana)]
    [InlineData(SourceKind.PagerDuty)]
    [InlineData(SourceKind.CloudWatch)]
    [InlineData(SourceKind.Datadog)]
    [InlineData(SourceKind.Generic)]
    public void Sample_ParsesAsOneFiringTestAlert_InItsOwnSourceFormat(SourceKind kind)
    {
        var now = new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);

        var result = AlertSources.Parse(kind, SamplePayloads.For(kind, now, "abc123"), now,
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-amz-sns-message-type"] = "Notification" });

        Assert.Null(result.Error);
        var alert = Assert.Single(result.Alerts);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Contains("Test alert from IncidentHub", alert.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Samples_WithDifferentIds_AreDifferentAlerts()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var kind in Enum.GetValues<SourceKind>())
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-amz-sns-message-type"] = "Notification" };
            var a = AlertSources.Parse(kind, SamplePayloads.For(kind, now, "one"), now, headers).Alerts.Single();
            var b = AlertSources.Parse(kind, SamplePayloads.For(kind, now, "two"), now, headers).Alerts.Single();
            Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        }
    }
}
