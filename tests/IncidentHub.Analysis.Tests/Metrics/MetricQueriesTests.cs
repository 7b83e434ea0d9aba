using IncidentHub.Analysis.Metrics;

namespace IncidentHub.Analysis.Tests.Metrics;

/// <summary>Which series of a bundle's OpenMetrics file become which service's metric queries.</summary>
public sealed class MetricQueriesTests
{
    private const string File = """
        # TYPE http_requests_total counter
        http_requests_total{service="feed-api",code="200"} 100 1700000000
        http_requests_total{service="feed-api",code="503"} 1 1700000000
        http_requests_total{service="ranking",code="200"} 50 1700000000
        http_request_duration_p99_seconds{service="feed-api"} 0.2 1700000000
        kube_deployment_status_replicas{deployment="feed-api"} 12 1700000000
        probe_ssl_earliest_cert_expiry{job="blackbox",instance="ranking.feeds.svc:8443"} 1.7e9 1700000000
        pg_sequence_last_value{datname="feeds",sequence="items_id_seq"} 5 1700000000
        celery_tasks_total{service="digest-worker",state="succeeded"} 5 1700000000
        celery_tasks_total{service="digest-worker",state="retried"} 1 1700000000
        celery_tasks_total{service="digest-worker",state="failed"} 1 1700000000
        # EOF
        """;

    private static readonly string[] Services = ["feed-api", "ranking", "digest-worker"];

    private static Dictionary<string, List<string>> ByRole(string service) =>
        MetricQueries.Guess(File, service, Services)
            .GroupBy(q => q.Role).ToDictionary(g => g.Key, g => g.Select(q => q.Query).ToList());

    [Fact]
    public void HttpService_GetsAnErrorRatio_SummedTraffic_LatencyAndItsOwnSaturation()
    {
        var q = ByRole("feed-api");

        Assert.Equal("sum(rate(http_requests_total{service=\"feed-api\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{service=\"feed-api\"}[1m]))", Assert.Single(q["error_ratio"]));
        Assert.Equal("sum(rate(http_requests_total{service=\"feed-api\"}[1m]))", Assert.Single(q["traffic"]));
        Assert.Equal("http_request_duration_p99_seconds{service=\"feed-api\"}", Assert.Single(q["latency"]));
        Assert.Contains("kube_deployment_status_replicas{deployment=\"feed-api\"}", q["saturation"]);
    }

    [Fact]
    public void ASeriesNamingAnotherService_GoesToThatServiceOnly_AndUnclaimedSeriesGoToEveryone()
    {
        var feed = ByRole("feed-api").Values.SelectMany(v => v).ToList();
        var ranking = ByRole("ranking").Values.SelectMany(v => v).ToList();

        Assert.DoesNotContain(feed, q => q.Contains("probe_ssl_earliest_cert_expiry", StringComparison.Ordinal));
        Assert.Contains("probe_ssl_earliest_cert_expiry{instance=\"ranking.feeds.svc:8443\"}", ranking);
        Assert.Contains("pg_sequence_last_value", feed);
        Assert.Contains("pg_sequence_last_value", ranking);
        Assert.DoesNotContain(ranking, q => q.Contains("feed-api", StringComparison.Ordinal));
    }

    [Fact]
    public void AWorkerWithoutHttp_GetsItsFailedAndRetriedTasksAsTheErrorRatio()
    {
        var q = ByRole("digest-worker");

        Assert.Equal("sum(rate(celery_tasks_total{service=\"digest-worker\",state=~\"failed|retried\"}[1m])) / sum(rate(celery_tasks_total{service=\"digest-worker\"}[1m]))",
            Assert.Single(q["error_ratio"]));
    }
}
