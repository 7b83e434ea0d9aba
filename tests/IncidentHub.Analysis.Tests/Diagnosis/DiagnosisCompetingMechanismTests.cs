using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using Case = IncidentHub.Analysis.Tests.Diagnosis.DiagnosisEngineTests.Case;

namespace IncidentHub.Analysis.Tests.Diagnosis;

/// <summary>
/// Sixth pass (issue 16): evidence that fits a better mechanism counts against the naive one. Requests that rose after the
/// failures, with the retries or by moving between instances are an echo, not a traffic spike; a peer's certificate that
/// changed is not our deploy's defect; a change just before the alert keeps a quiet service from being called noise.
/// Each case is a general situation with its control, so each test can fail.
/// </summary>
public sealed class DiagnosisCompetingMechanismTests
{
    private static readonly DateTimeOffset Alert = new(2026, 3, 2, 10, 20, 0, TimeSpan.Zero);
    private static readonly string ShaBase = new('1', 40);
    private static readonly string ShaClient = new('2', 40);
    private static readonly string ShaRelease = new('3', 40);

    private static Hypothesis Of(IncidentHub.Analysis.Diagnosis.Diagnosis d, HypothesisCategory category) => d.Hypotheses.Single(h => h.Category == category);

    /// <summary>Connections to a dependency reset; requests rise three-fold at <paramref name="surgeAt"/>; latency follows.</summary>
    private static Case ResetsAndASurge(DateTimeOffset surgeAt, bool retrySeries = false)
    {
        var c = new Case("booking-api")
            .Template("t-reset", "call to inventory-svc:8443 failed: read: connection reset by peer", 0, 400, firstSeen: Alert.AddMinutes(-15))
            .Onset("on-traffic", "http_requests_total", MetricRole.Traffic, 100, 300, surgeAt)
            .Onset("on-lat", "http_request_duration_p99_seconds", MetricRole.Latency, 0.2, 2.5, surgeAt.AddMinutes(1));
        if (retrySeries)
        {
            c.Onset("on-retry", "client_retries_total", MetricRole.Other, 1, 250, surgeAt.AddSeconds(-30));
        }

        return c;
    }

    [Fact]
    public void RequestsThatRoseAfterTheFailuresBegan_AreRetries_NotATrafficSpike()
    {
        var d = DiagnosisEngine.Diagnose(ResetsAndASurge(Alert.AddMinutes(-10)).Build());

        var traffic = Of(d, HypothesisCategory.TrafficSpike);
        Assert.True(traffic.Discarded);
        Assert.Contains("after the failures had begun", traffic.DiscardReason, StringComparison.Ordinal);
        Assert.NotEqual(HypothesisCategory.TrafficSpike, d.Category);
    }

    [Fact]
    public void RequestsThatRoseBeforeTheFailures_AreATrafficSpike()
    {
        var d = DiagnosisEngine.Diagnose(ResetsAndASurge(Alert.AddMinutes(-16)).Build());

        Assert.False(Of(d, HypothesisCategory.TrafficSpike).Discarded);
    }

    [Fact]
    public void RequestsThatRoseWithTheRetries_AreRetries_EvenWhenTheyCameFirst()
    {
        var d = DiagnosisEngine.Diagnose(ResetsAndASurge(Alert.AddMinutes(-16), retrySeries: true).Build());

        var traffic = Of(d, HypothesisCategory.TrafficSpike);
        Assert.True(traffic.Discarded);
        Assert.Contains("retries", traffic.DiscardReason, StringComparison.Ordinal);
    }

    /// <summary>Requests per zone: zone b doubles at the onset; zone a drains to nothing (failover) or keeps serving (growth).</summary>
    private static Case ZonesAtTheOnset(bool otherZoneDrains)
    {
        var a = new Dictionary<string, string> { ["zone"] = "a" };
        var b = new Dictionary<string, string> { ["zone"] = "b" };
        return new Case("search-api")
            .Points("s-a", "requests_total{zone=\"a\"}", MetricRole.Traffic, i => i < 200 || !otherZoneDrains ? 50 : 0, a)
            .Points("s-b", "requests_total{zone=\"b\"}", MetricRole.Traffic, i => i < 200 ? 50 : 110, b)
            .Onset("on-b", "requests_total{zone=\"b\"}", MetricRole.Traffic, 50, 110, Alert.AddMinutes(-10))
            .Onset("on-lat", "http_request_duration_p99_seconds", MetricRole.Latency, 0.2, 1.5, Alert.AddMinutes(-9));
    }

    [Fact]
    public void RequestsThatMovedFromOneZoneToAnother_AreFailover_NotATrafficSpike()
    {
        var d = DiagnosisEngine.Diagnose(ZonesAtTheOnset(otherZoneDrains: true).Build());

        var traffic = Of(d, HypothesisCategory.TrafficSpike);
        Assert.True(traffic.Discarded);
        Assert.Contains("moved between instances", traffic.DiscardReason, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestsThatGrewInOneZoneWhileTheOtherKeptServing_AreATrafficSpike()
    {
        var d = DiagnosisEngine.Diagnose(ZonesAtTheOnset(otherZoneDrains: false).Build());

        Assert.False(Of(d, HypothesisCategory.TrafficSpike).Discarded);
    }

    /// <summary>
    /// Our client fails to verify a partner's certificate right after our deploy, whose commit changed the failing line of the
    /// client (a decoy on the failing path). The commit's subject says whether it touched TLS.
    /// </summary>
    private static DiagnosisInput PartnerCertificate(string commitSubject)
    {
        var c = new Case("payouts-api")
            .Deploy("dep-prev", "2.3.0", ShaBase, Alert.AddDays(-4))
            .Deploy("dep-new", "2.4.0", ShaRelease, Alert.AddMinutes(-12))
            .Commit("c-base", ShaBase, Alert.AddDays(-4).AddHours(-1), "2.3.0", "payouts/app.py")
            .Commit("c-client", ShaClient, Alert.AddHours(-5), commitSubject, "payouts/partner_client.py")
            .Commit("c-rel", ShaRelease, Alert.AddHours(-1), "release 2.4.0", "CHANGELOG.md")
            .Trace("tr-tls", StackLanguage.Python, "ssl.SSLCertVerificationError",
                "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006) calling https://api.partner.example/v2/payouts", 120,
                Alert.AddMinutes(-8), new StackFrame("send", "/app/payouts/partner_client.py", 41, true), new StackFrame("pay", "/app/payouts/app.py", 12, true))
            .Template("t-tls", "payout to partner failed: certificate verify failed calling https://api.partner.example/v2/payouts", 0, 120, firstSeen: Alert.AddMinutes(-8))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.6, Alert.AddMinutes(-8));
        c.Blame.Add(new("bl-41", new BlameLine("payouts/partner_client.py", 41, ShaClient, "resp = self.session.post(url, json=body, timeout=5)")));
        return c.Build();
    }

    [Fact]
    public void TlsVerificationFailures_WhenNoChangeTouchedTls_AreThePeersCertificate_NotOurDeploy()
    {
        var d = DiagnosisEngine.Diagnose(PartnerCertificate("payouts: send the idempotency key in a header"));

        Assert.NotEqual(HypothesisCategory.BadDeployCode, d.Category);
        Assert.True(Of(d, HypothesisCategory.CertificateExpiry).Score > Of(d, HypothesisCategory.BadDeployCode).Score);
    }

    [Fact]
    public void TlsVerificationFailures_AfterAChangeThatTouchedTls_KeepTheDeployInTheRunning()
    {
        var notTls = DiagnosisEngine.Diagnose(PartnerCertificate("payouts: send the idempotency key in a header"));
        var tls = DiagnosisEngine.Diagnose(PartnerCertificate("payouts: pin the partner's certificate fingerprint"));

        Assert.True(Of(tls, HypothesisCategory.BadDeployCode).Score > Of(notTls, HypothesisCategory.BadDeployCode).Score);
    }

    /// <summary>An alert with nothing moving: user series flat, only a known warning; with or without a deploy just before.</summary>
    private static Case QuietAlert(bool deployBefore)
    {
        var c = new Case("profile-api", title: "profile-api availability below SLO")
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.002)
            .Template("t-warn", "cache miss for key <*>", 40, 45, error: false)
            .Deploy("dep-prev", "4.0.0", ShaBase, Alert.AddDays(-3));
        if (deployBefore)
        {
            c.Deploy("dep-new", "4.1.0", ShaRelease, Alert.AddMinutes(-25));
        }

        return c;
    }

    [Fact]
    public void AQuietAlertRightAfterADeploy_IsNotCommittedAsNoise()
    {
        var quiet = DiagnosisEngine.Diagnose(QuietAlert(deployBefore: false).Build());
        var afterDeploy = DiagnosisEngine.Diagnose(QuietAlert(deployBefore: true).Build());

        Assert.Equal(HypothesisCategory.NoisyFalseAlarm, quiet.Category);
        Assert.NotEqual(HypothesisCategory.NoisyFalseAlarm, afterDeploy.Category);
        Assert.True(afterDeploy.WouldPage);
    }

    /// <summary>Calls to a provider fail after a secret was rotated (a commit-less deploy of kind secret).</summary>
    private static Case ProviderRejects(string error)
    {
        return new Case("notify-worker")
            .Deploy("dep-prev", "5.2.0", ShaBase, Alert.AddDays(-2))
            .Commit("c-base", ShaBase, Alert.AddDays(-2).AddHours(-1), "5.2.0", "src/notify.ts")
            .Deploy("dep-secret", "rotate SMS_PROVIDER_KEY", "", Alert.AddMinutes(-14), kind: "secret")
            .Template("t-auth", error, 0, 300, firstSeen: Alert.AddMinutes(-13))
            .Onset("on-failed", "notify_jobs_failed_total", MetricRole.Other, 0, 4, Alert.AddMinutes(-13));
    }

    [Fact]
    public void CallsRejectingOurCredentials_AfterASecretRotation_AreAConfigurationChange()
    {
        var rejected = DiagnosisEngine.Diagnose(ProviderRejects("send to sms provider failed: provider returned 401 Unauthorized: invalid api key").Build());
        var other = DiagnosisEngine.Diagnose(ProviderRejects("send to sms provider failed: message body is empty").Build());

        Assert.Equal(HypothesisCategory.ConfigChange, rejected.Category);
        Assert.Contains(Of(rejected, HypothesisCategory.ConfigChange).Features, f => f.Contains("our credentials are rejected", StringComparison.Ordinal));
        Assert.True(Of(rejected, HypothesisCategory.ConfigChange).Score > Of(other, HypothesisCategory.ConfigChange).Score);
    }

    [Fact]
    public void AnOomKillCounterGoingUp_IsExhaustionEvidence_WhateverTheResourceIsCalled()
    {
        var c = new Case("render-svc")
            .Template("t-restart", "worker exited unexpectedly (signal 9), restarting", 0, 40, firstSeen: Alert.AddMinutes(-9));
        var without = DiagnosisEngine.Diagnose(c.Build());
        c.Onset("on-oom", "container_oom_events_total{container=\"render\"}", MetricRole.Other, 0, 3, Alert.AddMinutes(-9));
        var with = DiagnosisEngine.Diagnose(c.Build());

        Assert.True(Of(without, HypothesisCategory.CapacityExhaustion).Discarded);
        Assert.False(Of(with, HypothesisCategory.CapacityExhaustion).Discarded);
        Assert.Contains(Of(with, HypothesisCategory.CapacityExhaustion).Features, f => f.Contains("processes killed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("maintenance", true)]
    [InlineData("deploy", false)]
    public void AnAlertDuringPlannedMaintenance_WithoutUserImpact_IsExpected(string kind, bool expected)
    {
        var c = new Case("orders-db-proxy", title: "orders-db-proxy backend connections dropped")
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.002)
            .Template("t-info", "backend pool refreshed after switchover", 2, 3, error: false)
            .Deploy("dep-maint", "primary switchover", kind == "deploy" ? ShaRelease : "", Alert.AddMinutes(-20), kind: kind);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(expected, Of(d, HypothesisCategory.NoisyFalseAlarm).Features.Any(f => f.Contains("expected load", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("sum(rate(celery_tasks_total{state=\"failed\"}[1m])) / sum(rate(celery_tasks_total[1m]))", Severity.P2)]
    [InlineData("sum(rate(http_requests_total{code=~\"5..\"}[1m])) / sum(rate(http_requests_total[1m]))", Severity.P1)]
    public void MostOfAWorkersTasksFailing_IsBackgroundWork_NotUsersRequests(string errorRatio, Severity expected)
    {
        var c = new Case("billing-worker")
            .Onset("on-err", errorRatio, MetricRole.ErrorRatio, 0.001, 0.9, Alert.AddMinutes(-9))
            .Template("t-err", "render_invoice failed: KeyError: 'currency'", 0, 300, firstSeen: Alert.AddMinutes(-9));

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(expected, d.Triage.Severity);
    }

    /// <summary>Calls to a provider are reset and answered 503; the provider's own probe fails, or there is no probe of it.</summary>
    private static Case ResetsFromAProvider(bool providerProbeFails)
    {
        var c = new Case("billing-charges")
            .Template("t-503", "payfront POST https://api.payfront.example/v1/charges failed: 503 Service Unavailable", 0, 200, firstSeen: Alert.AddMinutes(-9))
            .Template("t-reset", "POST https://api.payfront.example/v1/charges: Connection reset by peer", 0, 150, firstSeen: Alert.AddMinutes(-9))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.55, Alert.AddMinutes(-9));
        if (providerProbeFails)
        {
            c.Onset("on-probe", "probe_success{instance=\"https://api.payfront.example/health\"}", MetricRole.Other, 1, 0, Alert.AddMinutes(-9));
        }

        return c;
    }

    [Fact]
    public void ConnectionResetsFromAHostThatFailsItsOwnProbe_AreThatHostDown_NotTheNetwork()
    {
        var down = DiagnosisEngine.Diagnose(ResetsFromAProvider(providerProbeFails: true).Build());
        var unknownHealth = DiagnosisEngine.Diagnose(ResetsFromAProvider(providerProbeFails: false).Build());

        Assert.Equal(HypothesisCategory.DependencyFailure, down.Category);
        Assert.True(Of(down, HypothesisCategory.NetworkDns).Score < Of(unknownHealth, HypothesisCategory.NetworkDns).Score);
    }

    [Fact]
    public void ACauseNobodyFelt_WhileUsersAreMeasured_KeepsLessOfItsEvidence()
    {
        Case Sporadic(bool usersMeasured)
        {
            var c = new Case("newsletter-editor")
                .Template("t-reset", "failed to send usage ping: connection reset by peer", 0, 3, firstSeen: Alert.AddMinutes(-6))
                .Template("t-info", "draft saved", 50, 52, error: false);
            return usersMeasured ? c.Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.002) : c;
        }

        var measured = DiagnosisEngine.Diagnose(Sporadic(usersMeasured: true).Build());
        var unmeasured = DiagnosisEngine.Diagnose(Sporadic(usersMeasured: false).Build());

        Assert.True(Of(measured, HypothesisCategory.NetworkDns).Score < Of(unmeasured, HypothesisCategory.NetworkDns).Score);
    }

    [Theory]
    [InlineData("pg_stat_statements_calls_total", false)]
    [InlineData("db_queries_per_request", false)]
    [InlineData("requests_by_client_class_total{class=\"bot\"}", true)]
    public void MoreWorkPerRequest_IsNotATrafficSpike_WhileTheRequestsThemselvesAreFlat(string surging, bool trafficSpike)
    {
        var c = new Case("account-web")
            .Flat("s-req", "http_server_requests_total", MetricRole.Other, 5)
            .Onset("on-surge", surging, MetricRole.Other, 4, 62, Alert.AddMinutes(-12))
            .Onset("on-lat", "http_request_duration_p99_seconds", MetricRole.Latency, 0.2, 3.4, Alert.AddMinutes(-11));

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(trafficSpike, !Of(d, HypothesisCategory.TrafficSpike).Discarded);
    }
}
