using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using Case = IncidentHub.Analysis.Tests.Diagnosis.DiagnosisEngineTests.Case;

namespace IncidentHub.Analysis.Tests.Diagnosis;

/// <summary>
/// Evidence rules added after measuring on the development split (issue 16): errors that began before the incident
/// window, the service's own answers versus an upstream's, statement timeouts behind a migration, failures confined to
/// one zone, and name resolution blamed on the catalog's DNS service. Each case is a general situation.
/// </summary>
public sealed class DiagnosisEvidenceRulesTests
{
    private static readonly DateTimeOffset Alert = new(2026, 3, 2, 10, 20, 0, TimeSpan.Zero);
    private static readonly string ShaBase = new('1', 40);
    private static readonly string ShaMigration = new('2', 40);
    private static readonly string ShaRelease = new('3', 40);

    private static Hypothesis Of(IncidentHub.Analysis.Diagnosis.Diagnosis d, HypothesisCategory category) => d.Hypotheses.Single(h => h.Category == category);

    [Fact]
    public void ErrorsThatBeganMinutesBeforeTheIncidentWindow_AreNew_AndShowImpact()
    {
        // The alert fired 12 minutes after the errors began; the log analysis saw a few of them in its baseline.
        var c = new Case("billing")
            .Template("t-fail", "charge <*> failed: ledger rejected the entry", baseline: 4, incident: 180, firstSeen: Alert.AddMinutes(-12))
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.True(Of(d, HypothesisCategory.NoisyFalseAlarm).Discarded, d.Summary);
    }

    [Fact]
    public void AWarningKnownForAnHour_IsNotNew()
    {
        var c = new Case("billing")
            .Template("t-warn", "slow query on invoices", baseline: 40, incident: 130, firstSeen: Alert.AddMinutes(-58))
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.False(Of(d, HypothesisCategory.NoisyFalseAlarm).Discarded, d.Summary);
    }

    [Fact]
    public void AKeyErrorOnALowercaseKey_IsACodeDefect_NotAMissingSetting()
    {
        var lower = new Case("invoice-worker").Template("t-key", "Task render_invoice raised unexpected: KeyError: 'tax_region'", 0, 60);
        var upper = new Case("invoice-worker").Template("t-key", "Task render_invoice raised unexpected: KeyError: 'TAX_REGION_URL'", 0, 60);

        Assert.True(Of(DiagnosisEngine.Diagnose(lower.Build()), HypothesisCategory.ConfigChange).Discarded);
        Assert.False(Of(DiagnosisEngine.Diagnose(upper.Build()), HypothesisCategory.ConfigChange).Discarded);
    }

    [Fact]
    public void TheServicesOwnStatusInItsAccessLog_IsNotAnUpstreamError()
    {
        var own = new Case("accounts").Template("t-own", "GET /accounts/<*> failed status=503", 0, 90);
        var upstream = new Case("accounts").Template("t-up", "call to ledger returned 503 Service Unavailable", 0, 90);

        Assert.True(Of(DiagnosisEngine.Diagnose(own.Build()), HypothesisCategory.DependencyFailure).Discarded);
        Assert.False(Of(DiagnosisEngine.Diagnose(upstream.Build()), HypothesisCategory.DependencyFailure).Discarded);
    }

    private static Case ReleaseWithAMigration(string error) => new Case("subscriptions")
        .Deploy("dep-prev", "1.4.0", ShaBase, Alert.AddDays(-3))
        .Deploy("dep-new", "1.5.0", ShaRelease, Alert.AddMinutes(-12))
        .Commit("c-base", ShaBase, Alert.AddDays(-3).AddHours(-1), "1.4.0", "app/models/subscription.rb")
        .Commit("c-mig", ShaMigration, Alert.AddDays(-1), "db: index subscriptions by customer", "db/migrate/20260301_add_index.rb")
        .Commit("c-rel", ShaRelease, Alert.AddHours(-20), "docs: API examples", "docs/api.md")
        .Template("t-timeout", error, 0, 200, firstSeen: Alert.AddMinutes(-11))
        .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.85, Alert.AddMinutes(-11));

    [Fact]
    public void StatementTimeouts_RightAfterAMigrationShipped_AreDataSchema_WithTheMigrationAsSuspect()
    {
        var d = DiagnosisEngine.Diagnose(ReleaseWithAMigration("PG::QueryCanceled: ERROR: canceling statement due to statement timeout").Build());

        Assert.Equal(HypothesisCategory.DataSchema, d.Hypotheses[0].Category);
        Assert.Equal((ShaMigration, "db/migrate/20260301_add_index.rb"), (d.Suspect?.Commit, d.Suspect?.File));
    }

    [Fact]
    public void StatementTimeouts_WithoutAMigration_AreNotLockWaits()
    {
        var c = new Case("subscriptions")
            .Template("t-timeout", "PG::QueryCanceled: ERROR: canceling statement due to statement timeout", 0, 200, firstSeen: Alert.AddMinutes(-11));

        Assert.True(Of(DiagnosisEngine.Diagnose(c.Build()), HypothesisCategory.DataSchema).Discarded);
    }

    private static Case ZoneProbes(bool otherZonesHealthy)
    {
        var labelsA = new Dictionary<string, string> { ["source_zone"] = "zone-a", ["target"] = "ledger-db" };
        var labelsB = new Dictionary<string, string> { ["source_zone"] = "zone-b", ["target"] = "ledger-db" };
        var c = new Case("orders")
            .Template("t-dial", "GET /orders failed: dial tcp 10.0.3.15:5432: i/o timeout zone=zone-a", 0, 150, firstSeen: Alert.AddMinutes(-9))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.33, Alert.AddMinutes(-9))
            .Points("s-probe-a", "probe_success{source_zone=\"zone-a\",target=\"ledger-db\"}", MetricRole.Other, i => i < 200 ? 1 : 0, labelsA)
            .Points("s-probe-b", "probe_success{source_zone=\"zone-b\",target=\"ledger-db\"}", MetricRole.Other, i => otherZonesHealthy || i < 200 ? 1 : 0, labelsB)
            .Onset("on-probe-a", "probe_success{source_zone=\"zone-a\",target=\"ledger-db\"}", MetricRole.Other, 1, 0, Alert.AddMinutes(-10));
        if (!otherZonesHealthy)
        {
            c.Onset("on-probe-b", "probe_success{source_zone=\"zone-b\",target=\"ledger-db\"}", MetricRole.Other, 1, 0, Alert.AddMinutes(-10));
        }

        return c;
    }

    [Fact]
    public void ADependencyThatAnswersFromOtherZones_IsNotTheCause_ThePathFromOneZoneIs()
    {
        var d = DiagnosisEngine.Diagnose(ZoneProbes(otherZonesHealthy: true).Build());

        Assert.Equal(HypothesisCategory.NetworkDns, d.Hypotheses[0].Category);
        Assert.Contains(Of(d, HypothesisCategory.NetworkDns).Features, f => f.Contains("the path from one place is cut", StringComparison.Ordinal));
    }

    [Fact]
    public void ADependencyFailingFromEveryZone_StaysADependencyFailure()
    {
        var d = DiagnosisEngine.Diagnose(ZoneProbes(otherZonesHealthy: false).Build());

        Assert.DoesNotContain(Of(d, HypothesisCategory.NetworkDns).Features, f => f.Contains("the path from one place is cut", StringComparison.Ordinal));
        Assert.Contains(Of(d, HypothesisCategory.DependencyFailure).Features, f => f.Contains("the dependency's probe fails", StringComparison.Ordinal));
    }

    [Fact]
    public void NamesThatDoNotResolve_BlameTheDnsServiceOfTheCatalog_NotTheCaller()
    {
        var c = new Case("match-api")
            .Template("t-dns", "ConnectionError: host='profiles.prod.svc.cluster.local' Temporary failure in name resolution", 0, 120, firstSeen: Alert.AddMinutes(-10))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.8, Alert.AddMinutes(-10))
            .Onset("on-servfail", "coredns_dns_responses_total{rcode=\"SERVFAIL\"}", MetricRole.Other, 0, 40, Alert.AddMinutes(-10));
        c.KnownServices.AddRange(["match-api", "profiles", "coredns"]);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.NetworkDns, d.Category);
        Assert.Equal("coredns", d.Triage.Service);
    }

    [Theory]
    [InlineData(0.8, false, "P1")]  // requests fail outright: P1
    [InlineData(0.15, false, "P2")] // a small share of requests: partial, one lower
    [InlineData(0.8, true, "P2")]   // saturation degrades part of the work: one lower
    public void Severity_FollowsWhatFails_HowMuch_AndTheKindOfCause(double share, bool saturated, string expected)
    {
        var c = new Case("orders", alertSeverity: Severity.P3)
            .Template("t-fail", "GET /orders failed: invalid state", 0, 200, firstSeen: Alert.AddMinutes(-9))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, share, Alert.AddMinutes(-9));
        if (saturated)
        {
            c.Template("t-pool", "worker pool exhausted, rejecting request", 0, 200, firstSeen: Alert.AddMinutes(-9))
                .Onset("on-sat", "worker_pool_busy", MetricRole.Saturation, 10, 64, Alert.AddMinutes(-10));
        }

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(expected, d.Triage.Severity.ToString());
    }

    [Fact]
    public void Severity_OfFailingBackgroundWork_IsP2_AndTheAlertsOwnSeverityIsNotUsed()
    {
        var c = new Case("invoice-worker", alertSeverity: Severity.P0)
            .Template("t-fail", "Task render_invoice raised unexpected: ValueError", 0, 90, firstSeen: Alert.AddMinutes(-9))
            .Onset("on-failed", "tasks_failed_total", MetricRole.Other, 0, 0.5, Alert.AddMinutes(-9));

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(Severity.P2, d.Triage.Severity);
    }
}
