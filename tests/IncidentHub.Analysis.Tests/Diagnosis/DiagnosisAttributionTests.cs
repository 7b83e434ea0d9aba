using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using Case = IncidentHub.Analysis.Tests.Diagnosis.DiagnosisEngineTests.Case;

namespace IncidentHub.Analysis.Tests.Diagnosis;

/// <summary>
/// Which change of a window, and which service, a failure belongs to (issue 16, second round): one release that ships both
/// code and configuration, documentation that ships no code, configuration in JSON, traces carried in JSON log records,
/// the error share of status-labelled request counters, the DNS service in trouble, and a client certificate the peer
/// refused. Each case is a general situation built by hand, not one of the corpus bundles.
/// </summary>
public sealed class DiagnosisAttributionTests
{
    private static readonly DateTimeOffset Alert = new(2026, 3, 2, 10, 20, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset OnsetTime = Alert.AddMinutes(-8);
    private static readonly string ShaBase = new('1', 40);
    private static readonly string ShaCode = new('2', 40);
    private static readonly string ShaConfig = new('4', 40);

    private static Hypothesis Of(IncidentHub.Analysis.Diagnosis.Diagnosis d, HypothesisCategory category) => d.Hypotheses.Single(h => h.Category == category);

    private const string BatchZeroDiff = """
        diff --git a/config/settings.prod.yaml b/config/settings.prod.yaml
        --- a/config/settings.prod.yaml
        +++ b/config/settings.prod.yaml
        @@ -1,4 +1,4 @@
         export:
        -  batch_size: 500
        +  batch_size: 0
           enabled: true
        """;

    private const string TimeoutTweakDiff = """
        diff --git a/config/settings.prod.yaml b/config/settings.prod.yaml
        --- a/config/settings.prod.yaml
        +++ b/config/settings.prod.yaml
        @@ -1,4 +1,4 @@
         export:
        -  read_timeout_s: 30
        +  read_timeout_s: 40
           enabled: true
        """;

    /// <summary>
    /// One release ships a config commit and a code commit; the exception is raised in a file neither touches, whose
    /// failing line was blamed on an old commit.
    /// </summary>
    private static (Case Case, List<Cited<CommitDiff>> Diffs) ReleaseWithConfigAndCode(string configDiff, bool codeTouchesFailingLine)
    {
        var c = new Case("ledger-export", tier: 2)
            .Deploy("dep-prev", "1.4.0", ShaBase, Alert.AddDays(-6))
            .Deploy("dep-new", "1.5.0", ShaCode, OnsetTime.AddMinutes(-1), kind: "deploy")
            .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "1.4.0", "export/batching.py")
            .Commit("c-cfg", ShaConfig, Alert.AddHours(-26), "config: tune export for prod", "config/settings.prod.yaml")
            .Commit("c-code", ShaCode, Alert.AddHours(-3), "fetch: tolerate empty upstream bodies", codeTouchesFailingLine ? "export/batching.py" : "export/fetch.py")
            .Trace("tr-val", StackLanguage.Python, "ValueError", "range() arg 3 must not be zero", 87, null,
                new StackFrame("chunks", "/app/export/batching.py", 3, true), new StackFrame("load", "/app/export/app.py", 20, true))
            .Template("t-500", "/exports failed with <NUM>", 0, 90)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.88);
        c.Blame.Add(new("bl-3", new BlameLine("export/batching.py", 3, codeTouchesFailingLine ? ShaCode : ShaBase, "for start in range(0, len(rows), size):")));
        return (c, [new("diff-cfg", new CommitDiff(ShaConfig, configDiff))]);
    }

    [Fact]
    public void OneReleaseWithCodeAndConfig_TheConfigValueSetToZero_ExplainsBetter_ConfigChangeNamesTheConfigCommit()
    {
        var (c, diffs) = ReleaseWithConfigAndCode(BatchZeroDiff, codeTouchesFailingLine: false);

        var d = DiagnosisEngine.Diagnose(c.Build() with { Diffs = diffs });

        Assert.Equal(HypothesisCategory.ConfigChange, d.Category);
        Assert.Equal((ShaConfig, "config/settings.prod.yaml"), (d.Suspect?.Commit, d.Suspect?.File));
        Assert.True(Of(d, HypothesisCategory.ConfigChange).Score > Of(d, HypothesisCategory.BadDeployCode).Score);
        Assert.Contains(Of(d, HypothesisCategory.ConfigChange).Features, f => f.Contains("new error template after the change", StringComparison.Ordinal));
    }

    [Fact]
    public void OneReleaseWithCodeAndConfig_TheCodeCommitChangedTheFailingLine_BadDeployNamesTheCodeCommit()
    {
        // The config edit is modest (30 s to 40 s) and no error names it: the commit that last changed the failing line wins.
        var (c, diffs) = ReleaseWithConfigAndCode(TimeoutTweakDiff, codeTouchesFailingLine: true);

        var d = DiagnosisEngine.Diagnose(c.Build() with { Diffs = diffs });

        Assert.Equal(HypothesisCategory.BadDeployCode, d.Category);
        Assert.Equal(ShaCode, d.Suspect?.Commit);
        Assert.True(Of(d, HypothesisCategory.BadDeployCode).Score > Of(d, HypothesisCategory.ConfigChange).Score);
    }

    [Fact]
    public void AReleaseOfAManifestChangeAndADocsPage_ShipsNoCode_AndTheExtremeProbeDelayIsAConfigChange()
    {
        const string probeDiff = """
            diff --git a/deploy/k8s/deployment.yaml b/deploy/k8s/deployment.yaml
            --- a/deploy/k8s/deployment.yaml
            +++ b/deploy/k8s/deployment.yaml
            @@ -18,3 +18,3 @@
                         port: 8080
            -            initialDelaySeconds: 90
            +            initialDelaySeconds: 10
                         periodSeconds: 10
            """;
        var c = new Case("accounts-api", tier: 2)
            .Deploy("dep-prev", "1.4.0", ShaBase, Alert.AddDays(-6))
            .Deploy("dep-new", "1.5.0", ShaCode, OnsetTime.AddMinutes(-1))
            .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "1.4.0", "src/app.rb")
            .Commit("c-probe", ShaConfig, Alert.AddHours(-2), "deploy: align probes with the platform template", "deploy/k8s/deployment.yaml")
            .Commit("c-docs", ShaCode, Alert.AddHours(-1), "metrics: document the build info gauge", "docs/metrics.md")
            .Template("t-503", "GET <PATH> <NUM>: server busy", 0, 60)
            .Onset("on-restarts", "kube_pod_container_status_restarts_total{pod=\"accounts-api-new-1\"}", MetricRole.Other, 0, 0.02)
            .Onset("on-p99", "http_request_duration_p99_seconds", MetricRole.Latency, 0.1, 1.5);

        var d = DiagnosisEngine.Diagnose(c.Build() with { Diffs = [new("diff-probe", new CommitDiff(ShaConfig, probeDiff))] });

        Assert.Equal(HypothesisCategory.ConfigChange, d.Category);
        Assert.Equal((ShaConfig, "deploy/k8s/deployment.yaml"), (d.Suspect?.Commit, d.Suspect?.File));
        Assert.True(Of(d, HypothesisCategory.BadDeployCode).Discarded);
        Assert.Contains("changed only configuration", Of(d, HypothesisCategory.BadDeployCode).DiscardReason, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigDiff_ReadsJsonSettings_AndAnErrorNamingAnyTellingWordOfTheKeyCounts()
    {
        const string json = """
            diff --git a/Api/appsettings.Production.json b/Api/appsettings.Production.json
            --- a/Api/appsettings.Production.json
            +++ b/Api/appsettings.Production.json
            @@ -2,4 +2,4 @@
               "upstream": {
            -    "timeout_ms": 2000,
            +    "timeout_ms": 0,
                 "enabled": "true"
            """;

        var edit = Assert.Single(ConfigDiff.From([new("diff-json", new CommitDiff(ShaConfig, json))]));

        Assert.Equal(("timeout_ms", "2000", "0", true), (edit.Key, edit.OldValue, edit.NewValue, edit.Extreme));
        Assert.Contains("timeout", ConfigDiff.KeyWords("timeout_ms"));
        Assert.Contains("ratelimit", ConfigDiff.KeyWords("ratelimit.permits-per-second"));
        Assert.Contains("initialdelay", ConfigDiff.KeyWords("initialDelaySeconds"));
        Assert.Empty(ConfigDiff.KeyWords("enabled")); // names no particular setting
        Assert.Empty(ConfigDiff.KeyWords("size"));
    }

    [Fact]
    public void StackTracesInsideJsonLogRecords_AreRead_WhateverTheLanguage()
    {
        var python = """{"ts": "2026-01-15T03:29:11Z", "level": "error", "msg": "task failed", "stack": "Traceback (most recent call last):\n  File \"/app/worker/tasks.py\", line 40, in render\n    region = row[\"tax_region\"]\nKeyError: 'tax_region'"}""";
        var java = """{"ts": "2026-01-15T03:29:12Z", "level": "error", "msg": "/api/orders failed with 429", "stack": "io.github.resilience4j.ratelimiter.RequestNotPermitted: RateLimiter 'orders' does not permit further calls\n\tat com.acme.orders.core.ItemService.load(ItemService.java:30)\n\tat com.acme.orders.web.Api.get(Api.java:12)"}""";
        var plain = "com.acme.orders.core.Cache: warmed 120 entries"; // a logger name, not a throwable: no frames follow

        var traces = StackTraceExtractor.Extract([new LogLine("w", 1, null, python), new LogLine("w", 2, null, java), new LogLine("w", 3, null, plain)]);

        Assert.Equal(2, traces.Count);
        var py = traces.Single(t => t.Language == StackLanguage.Python);
        Assert.Equal(("KeyError", "/app/worker/tasks.py", 40), (py.ExceptionType, py.Frames[0].File, py.Frames[0].Line));
        var jvm = traces.Single(t => t.Language == StackLanguage.Java);
        Assert.Equal("io.github.resilience4j.ratelimiter.RequestNotPermitted", jvm.ExceptionType);
        Assert.Equal(30, jvm.Frames[0].Line);
    }

    private static IReadOnlyDictionary<string, string> Labels(string status, string pod) => new Dictionary<string, string> { ["code"] = status, ["pod"] = pod };

    [Fact]
    public void RequestCountersSplitByStatus_GiveTheErrorShareUsersSee_ForImpactAndSeverity()
    {
        // Two pods; from point 160 on, most requests answer 500. There is no error-ratio series.
        var c = new Case("loyalty-web", tier: 2)
            .Template("t-fail", "<PATH> failed", 0, 300)
            .Points("s-200a", "http_requests_total{code=\"200\",pod=\"a\"}", MetricRole.Traffic, i => i < 160 ? 5 : 0.2, Labels("200", "a"))
            .Points("s-500a", "http_requests_total{code=\"500\",pod=\"a\"}", MetricRole.Traffic, i => i < 160 ? 0 : 4.8, Labels("500", "a"))
            .Points("s-200b", "http_requests_total{code=\"200\",pod=\"b\"}", MetricRole.Traffic, i => i < 160 ? 5 : 0.2, Labels("200", "b"))
            .Points("s-500b", "http_requests_total{code=\"500\",pod=\"b\"}", MetricRole.Traffic, i => i < 160 ? 0 : 4.8, Labels("500", "b"));

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.True(Of(d, HypothesisCategory.NoisyFalseAlarm).Discarded);
        Assert.Equal(Severity.P1, d.Triage.Severity);
        Assert.Contains("96 % of requests fail", d.Triage.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesThatDoNotResolve_AreBlamedOnTheDnsServiceThatChangedBeforeTheOnset_NotTheOneTheMetricPrefixNames()
    {
        var c = new Case("checkout-bff", tier: 1)
            .Template("t-dns", "getaddrinfo EAI_AGAIN payments.prod.svc.cluster.local", 0, 200)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0, 0.8)
            .Onset("on-servfail", "coredns_dns_responses_total{rcode=\"SERVFAIL\"}", MetricRole.Other, 0, 40)
            .Deploy("dep-dns", "Corefile: add hosts plugin", null, OnsetTime.AddMinutes(-3), forService: "node-local-dns", kind: "config");
        c.KnownServices.AddRange(["checkout-bff", "payments", "coredns", "node-local-dns"]);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.NetworkDns, d.Category);
        Assert.Equal("node-local-dns", d.Triage.Service);
    }

    [Fact]
    public void ANameAnsweredDoesNotExist_StaysWithTheCaller_WhenTheOnlyDnsServiceShowsNoTroubleOfItsOwn()
    {
        var c = new Case("billing-worker", tier: 2)
            .Template("t-nx", "NameResolutionError: Failed to resolve 'tax-service.prod.internal' ([Errno -2] Name or service not known)", 0, 200)
            .Onset("on-err", "task_failure_ratio", MetricRole.ErrorRatio, 0, 0.9)
            .Onset("on-nx", "coredns_dns_responses_total{rcode=\"NXDOMAIN\"}", MetricRole.Other, 0, 30);
        c.KnownServices.AddRange(["billing-worker", "tax-service", "coredns"]);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.NetworkDns, d.Category);
        Assert.Equal("billing-worker", d.Triage.Service);
    }

    [Fact]
    public void ResolversTimingOut_AreTheOnlyDnsServicesFault_EvenWithoutAChangeOfIt()
    {
        var c = new Case("checkout-bff", tier: 1)
            .Template("t-to", "dial tcp: lookup payments.prod.svc.cluster.local on 10.0.0.10:53: read udp 10.4.0.7:41234->10.0.0.10:53: i/o timeout", 0, 200)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0, 0.8);
        c.KnownServices.AddRange(["checkout-bff", "payments", "coredns"]);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.NetworkDns, d.Category);
        Assert.Equal("coredns", d.Triage.Service);
    }

    [Fact]
    public void APeerThatRefusesOurExpiredClientCertificate_LeavesTheFaultWithTheCaller()
    {
        var c = new Case("payouts", tier: 2)
            .Template("t-tls", "POST https://bank-gateway.internal:8443/v1/transfer failed: remote error: tls: expired certificate", 0, 150)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0, 0.9);
        c.KnownServices.AddRange(["payouts", "bank-gateway"]);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.CertificateExpiry, d.Category);
        Assert.Equal("payouts", d.Triage.Service);

        // The same host failing OUR verification of ITS certificate is the callee's fault.
        var server = new Case("payouts", tier: 2)
            .Template("t-tls", "POST https://bank-gateway.internal:8443/v1/transfer failed: tls: failed to verify certificate: x509: certificate has expired", 0, 150)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0, 0.9);
        server.KnownServices.AddRange(["payouts", "bank-gateway"]);
        Assert.Equal("bank-gateway", DiagnosisEngine.Diagnose(server.Build()).Triage.Service);
    }
}

public sealed class PoisonMessageTests
{
    private static readonly DateTimeOffset Alert = new(2026, 3, 2, 10, 20, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset OnsetTime = Alert.AddMinutes(-8);

    /// <summary>A consumer stuck on one record: the same offset fails on every retry, lag grows, consumption stops.</summary>
    internal static Case StuckConsumer(bool withDeploy)
    {
        var c = new Case("ledger-projector", tier: 2, title: "Consumer group ledger-projector-cg lag is growing")
            .Trace("tr-ser", StackLanguage.Java, "org.apache.kafka.common.errors.RecordDeserializationException",
                "Error deserializing key/value for partition ledger-events-3 at offset 918273", 240, null,
                new StackFrame("com.acme.ledger.Projector.poll", "Projector.java", 51, true))
            .Onset("on-lag", "kafka_consumergroup_lag{group=\"ledger-projector-cg\",partition=\"3\"}", MetricRole.Other, 0, 5200)
            .Onset("on-consumed", "kafka_consumer_records_consumed_rate{group=\"ledger-projector-cg\"}", MetricRole.Other, 60, 0);
        c.Templates.Add(new("t-retry", new TemplateShift("ledger-projector", "Retrying record at offset <NUM> of ledger-events-<NUM> (attempt <NUM>)", 0, 240,
            OnsetTime.AddSeconds(10), ["Retrying record at offset 918273 of ledger-events-3 (attempt 12)", "Retrying record at offset 918273 of ledger-events-3 (attempt 13)"],
            true, 240, true)));
        if (withDeploy)
        {
            c.Deploy("dep-prev", "3.1.0", new string('1', 40), Alert.AddDays(-3))
                .Deploy("dep-new", "3.2.0", new string('2', 40), OnsetTime.AddMinutes(-50))
                .Commit("c-new", new string('2', 40), Alert.AddHours(-3), "projector: log batch sizes", "src/main/java/com/acme/ledger/Metrics.java");
        }

        return c;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a deploy that did not touch the failing code is only close in time
    public void OneRecordFailingAgainAndAgain_WhileTheConsumerStops_IsADataProblem(bool withDeploy)
    {
        var d = DiagnosisEngine.Diagnose(StuckConsumer(withDeploy).Build());

        Assert.True(d.Category == HypothesisCategory.DataSchema, string.Join("\n", d.Hypotheses.Take(3).Select(h => $"{h.Category} {h.Score} {string.Join(" | ", h.Features)}")) + d.Summary);
        Assert.Contains("918273", d.Hypotheses[0].Statement, StringComparison.Ordinal);
        Assert.Equal(Severity.P2, d.Triage.Severity); // background work fails
    }

    [Fact]
    public void AnAlertNamingOnlyAConsumerGroup_IsTheCatalogServiceItIsNamedAfter()
    {
        var input = new IncidentHub.Analysis.Triage.TriageInput("Consumer lag high",
            [new IncidentHub.Analysis.Triage.AlertFacts(new Dictionary<string, string> { ["service"] = "ledger-projector-cg" }, new Dictionary<string, string>())],
            [new("ledger-projector", 2), new("ledger-api", 1), new("billing-worker", 2)]);

        Assert.Equal("ledger-projector", IncidentHub.Analysis.Triage.TriageEngine.ResolveService(input).Service);
    }

    [Fact]
    public void NothingToMeasureBy_TheAlertsSeverityStands_SomeEvidenceOfNoImpact_LowersIt()
    {
        var blind = DiagnosisEngine.Diagnose(new Case("ledger-api", tier: 1, alertSeverity: Severity.P0).Build());
        var measured = DiagnosisEngine.Diagnose(new Case("ledger-api", tier: 1, alertSeverity: Severity.P0)
            .Flat("m-errors", "ledger_http_error_ratio", MetricRole.ErrorRatio, 0.001).Build());

        Assert.Equal(Severity.P0, blind.Triage.Severity);
        Assert.Contains("the alert's severity stands", blind.Triage.Reason, StringComparison.Ordinal);
        Assert.Equal(Severity.P3, measured.Triage.Severity);
    }
}
