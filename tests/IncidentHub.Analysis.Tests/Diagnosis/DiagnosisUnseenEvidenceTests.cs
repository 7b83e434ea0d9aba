using IncidentHub.Analysis.Diagnosis;
using Case = IncidentHub.Analysis.Tests.Diagnosis.DiagnosisEngineTests.Case;

namespace IncidentHub.Analysis.Tests.Diagnosis;

/// <summary>
/// General evidence features of the fifth pass (issue 16): where a probe fails from, which change wrote the bad data,
/// configuration changed without a commit, a called service down by its own measure, one row failing every run, and
/// how uncertain a detected onset is. Each case is a general situation, not one bundle.
/// </summary>
public sealed class DiagnosisUnseenEvidenceTests
{
    private static readonly DateTimeOffset Alert = new(2026, 3, 2, 10, 20, 0, TimeSpan.Zero);
    private static readonly string ShaBase = new('1', 40);
    private static readonly string ShaIds = new('2', 40);
    private static readonly string ShaRelease = new('3', 40);

    private static Hypothesis Of(IncidentHub.Analysis.Diagnosis.Diagnosis d, HypothesisCategory category) => d.Hypotheses.Single(h => h.Category == category);

    private static Case OneLocationProbe(bool usersFail)
    {
        var here = new Dictionary<string, string> { ["check"] = "site-uptime", ["location"] = "ap-southeast-2" };
        var there = new Dictionary<string, string> { ["check"] = "site-uptime", ["location"] = "eu-central-1" };
        var c = new Case("marketing-site", title: "marketing-site uptime check failing (ap-southeast-2)")
            .Points("s-here", "probe_success{check=\"site-uptime\",location=\"ap-southeast-2\"}", MetricRole.Other, i => i < 200 ? 1 : 0, here)
            .Points("s-there", "probe_success{check=\"site-uptime\",location=\"eu-central-1\"}", MetricRole.Other, _ => 1, there)
            .Onset("on-here", "probe_success{check=\"site-uptime\",location=\"ap-southeast-2\"}", MetricRole.Other, 1, 0, Alert.AddMinutes(-8))
            .Deploy("dep", "1.5.0", ShaRelease, Alert.AddMinutes(-33))
            .Template("t-old", "sitemap refresh failed: upstream CMS returned <NUM>", 5, 2);
        if (usersFail)
        {
            c.Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.3, Alert.AddMinutes(-8));
        }
        else
        {
            c.Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001);
        }

        return c;
    }

    [Fact]
    public void AProbeFailingFromOnePlace_WhileUsersAreServed_IsNoiseThatDoesNotPage()
    {
        var d = DiagnosisEngine.Diagnose(OneLocationProbe(usersFail: false).Build());

        Assert.Equal(HypothesisCategory.NoisyFalseAlarm, d.Category);
        Assert.False(d.WouldPage);
        Assert.Contains(Of(d, HypothesisCategory.NoisyFalseAlarm).Features, f => f.Contains("the probe's own path failed", StringComparison.Ordinal));
    }

    [Fact]
    public void AProbeFailingFromOnePlace_WhileUsersFail_IsNotNoise()
    {
        var d = DiagnosisEngine.Diagnose(OneLocationProbe(usersFail: true).Build());

        Assert.True(Of(d, HypothesisCategory.NoisyFalseAlarm).Discarded);
        Assert.True(d.WouldPage);
    }

    private static Case DuplicateKeysAfterDeploy(bool migration)
    {
        var c = new Case("order-intake")
            .Deploy("dep-prev", "1.4.0", ShaBase, Alert.AddDays(-6))
            .Deploy("dep-new", "1.5.0", ShaRelease, Alert.AddMinutes(-10))
            .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "1.4.0", "order_intake/app.py")
            .Commit("c-ids", ShaIds, Alert.AddHours(-30), "ids: take the worker id from the platform", "order_intake/ids.py",
                migration ? "migrations/0042_orders_id.sql" : "order_intake/settings.py")
            .Commit("c-rel", ShaRelease, Alert.AddHours(-2), "release 1.5.0", "CHANGELOG.md")
            .Trace("tr-dup", StackLanguage.Python, "psycopg.errors.UniqueViolation", "duplicate key value violates unique constraint \"orders_pkey\"", 28,
                Alert.AddMinutes(-9), new StackFrame("create", "/app/order_intake/ids.py", 40, true), new StackFrame("app", "/app/order_intake/app.py", 12, true))
            .Template("t-dup", "psycopg.errors.UniqueViolation: duplicate key value violates unique constraint \"orders_pkey\"", 0, 28, firstSeen: Alert.AddMinutes(-9))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.08, Alert.AddMinutes(-9));
        return c;
    }

    [Fact]
    public void ConstraintViolations_RightAfterADeployThatChangedTheFailingFile_AreTheCodesDoing()
    {
        var d = DiagnosisEngine.Diagnose(DuplicateKeysAfterDeploy(migration: false).Build());

        Assert.Equal(HypothesisCategory.BadDeployCode, d.Category);
        Assert.Equal(ShaIds, d.Suspect?.Commit);
        Assert.True(Of(d, HypothesisCategory.DataSchema).Score < Of(d, HypothesisCategory.BadDeployCode).Score);
    }

    [Fact]
    public void ConstraintViolations_WithAMigrationInTheRelease_StayDataEvidence()
    {
        var withMigration = DiagnosisEngine.Diagnose(DuplicateKeysAfterDeploy(migration: true).Build());
        var without = DiagnosisEngine.Diagnose(DuplicateKeysAfterDeploy(migration: false).Build());

        Assert.True(Of(withMigration, HypothesisCategory.DataSchema).Score > Of(without, HypothesisCategory.DataSchema).Score);
    }

    [Theory]
    [InlineData("env: RANKER_TIMEOUT_MS=150 (was 1500)", "env")]
    [InlineData("UPSTREAM_TIMEOUT: 2s -> 250ms", "feature-flag")]
    public void AnEnvironmentChangeWithoutACommit_IsAConfigurationChange_AndItsExtremeValueNamesIt(string description, string kind)
    {
        var c = new Case("search-gateway")
            .Deploy("dep-prev", "1.5.1", ShaBase, Alert.AddDays(-1))
            .Commit("c-base", ShaBase, Alert.AddDays(-1).AddHours(-1), "release 1.5.1", "src/search.rs")
            .Deploy("dep-env", description, "", Alert.AddMinutes(-11), kind: kind)
            .Template("t-timeout", "request to ranking-service failed: operation timed out", 0, 140, firstSeen: Alert.AddMinutes(-10))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.45, Alert.AddMinutes(-10));

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.ConfigChange, d.Category);
        Assert.True(Of(d, HypothesisCategory.BadDeployCode).Discarded, Of(d, HypothesisCategory.BadDeployCode).DiscardReason);
        Assert.Contains(Of(d, HypothesisCategory.ConfigChange).Features, f => f.Contains("sets", StringComparison.Ordinal) || f.Contains("extreme", StringComparison.Ordinal));
    }

    private static Case ProviderFailing(bool providerProbeFails)
    {
        var c = new Case("order-checkout")
            .Deploy("dep-prev", "1.4.0", ShaBase, Alert.AddDays(-6))
            .Deploy("dep-new", "1.5.1", ShaRelease, Alert.AddMinutes(-22))
            .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "1.4.0", "src/Checkout.php")
            .Commit("c-key", ShaIds, Alert.AddHours(-20), "payments: send an idempotency key with every provider call", "src/Provider.php")
            .Commit("c-rel", ShaRelease, Alert.AddHours(-2), "release 1.5.1", "CHANGELOG.md")
            .Trace("tr-503", StackLanguage.Php, "ServerException", "HTTP/2 503 returned for \"https://api.cardvault.example/v2/charges\"", 103, Alert.AddMinutes(-9),
                new StackFrame("charge", "/var/www/src/Provider.php", 28, true), new StackFrame("pay", "/var/www/src/Checkout.php", 10, true))
            .Template("t-503", "cardvault POST https://api.cardvault.example/v2/charges failed: 503 Service Unavailable", 0, 103, firstSeen: Alert.AddMinutes(-9))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.7, Alert.AddMinutes(-9));
        c.Blame.Add(new("bl-28", new BlameLine("src/Provider.php", 28, ShaIds, "$headers['Idempotency-Key'] = $key;")));
        if (providerProbeFails)
        {
            c.Onset("on-probe", "probe_success{instance=\"https://api.cardvault.example/health\"}", MetricRole.Other, 1, 0, Alert.AddMinutes(-8));
        }

        return c;
    }

    [Fact]
    public void ACalledServiceFailingItsOwnProbe_OutweighsADeployOnTheFailingCall()
    {
        var down = DiagnosisEngine.Diagnose(ProviderFailing(providerProbeFails: true).Build());
        var up = DiagnosisEngine.Diagnose(ProviderFailing(providerProbeFails: false).Build());

        Assert.True(down.Hypotheses[0].Category == HypothesisCategory.DependencyFailure, string.Join(" / ", down.Hypotheses.Select(h => $"{h.Category} {h.Score} {string.Join("; ", h.Features)}")));
        Assert.True(Of(down, HypothesisCategory.BadDeployCode).Score < Of(up, HypothesisCategory.BadDeployCode).Score);
    }

    [Fact]
    public void OneRowFailingEveryRun_IsAPoisonRecord()
    {
        var c = new Case("price-feed-importer")
            .Template("t-row", "import run <NUM> failed at row 18442 (sku=<*>); batch rolled back", 0, 8, firstSeen: Alert.AddMinutes(-35))
            .Onset("on-failed", "import_runs_failed_total", MetricRole.Other, 0, 0.2, Alert.AddMinutes(-35));
        c.Templates[0] = c.Templates[0] with { Fact = c.Templates[0].Fact with { Examples = ["import run 29545500 failed at row 18442 (sku=TR-88213); batch rolled back", "import run 29545505 failed at row 18442 (sku=TR-88213); batch rolled back"] } };

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Contains(Of(d, HypothesisCategory.DataSchema).Features, f => f.Contains("one message (18442)", StringComparison.Ordinal));
        Assert.False(Of(d, HypothesisCategory.DataSchema).Discarded);
    }

    [Theory]
    [InlineData(3, false)] // a deploy 3 min after the detected onset: the onset was walked back along a ramp, the deploy counts
    [InlineData(8, true)]  // 8 min after: the failure began before it
    public void ADeployMinutesAfterTheDetectedOnset_StillCountsAsBeforeIt(int minutesAfterOnset, bool discarded)
    {
        var onset = Alert.AddMinutes(-15);
        var c = new Case("invoice-portal")
            .Deploy("dep-prev", "1.4.0", ShaBase, Alert.AddDays(-6))
            .Deploy("dep-new", "1.5.2", ShaRelease, onset.AddMinutes(minutesAfterOnset))
            .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "1.4.0", "src/app.php")
            .Commit("c-rel", ShaRelease, Alert.AddHours(-2), "release 1.5.2", "src/app.php")
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0, 0.04, onset);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(discarded, Of(d, HypothesisCategory.BadDeployCode).Discarded);
    }

    [Theory]
    [InlineData("org.apache.kafka.common.errors.SerializationException: Error deserializing key/value for partition payments-3 at offset 81723")]
    [InlineData("io.confluent.kafka.serializers.KafkaAvroDeserializer: Unknown magic byte!")]
    [InlineData("org.apache.avro.AvroTypeException: Expected int. Got VALUE_STRING")]
    [InlineData("JSON::ParserError: unexpected token at '{\"amount\": 12,50}'")]
    [InlineData("ERROR: value too long for type character varying(64)")]
    [InlineData("App\\Import\\InvalidRowException: row 18442: column \"price\" expected a decimal, got \"12,50\"")]
    [InlineData("ERROR: column \"amount\" is of type numeric but expression is of type text")]
    public void DataAndSchemaErrors_OfManyFormats_AreDataEvidence(string line)
    {
        var c = new Case("ledger-writer").Template("t-data", line, 0, 40, firstSeen: Alert.AddMinutes(-9));

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.False(Of(d, HypothesisCategory.DataSchema).Discarded, line);
    }

    [Fact]
    public void AQueryThatLostItsIndex_AfterAMigration_IsADataSchemaCause()
    {
        Case Build(bool planChanged)
        {
            var c = new Case("order-history")
                .Deploy("dep-prev", "1.4.0", ShaBase, Alert.AddDays(-6))
                .Deploy("dep-new", "1.5.0", ShaRelease, Alert.AddMinutes(-14))
                .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "1.4.0", "app/models/order.rb")
                .Commit("c-mig", ShaIds, Alert.AddHours(-30), "db: drop indexes the audit reported as unused", "db/migrate/20260302_remove_order_indexes.rb")
                .Commit("c-rel", ShaRelease, Alert.AddHours(-2), "release 1.5.0", "CHANGELOG.md")
                .Onset("on-p99", "http_request_duration_p99_seconds", MetricRole.Latency, 0.09, 6.7, Alert.AddMinutes(-13));
            if (planChanged)
            {
                c.Onset("on-seq", "pg_stat_user_tables_seq_scan_total{relname=\"orders\"}", MetricRole.Other, 0, 9.8, Alert.AddMinutes(-13))
                    .Onset("on-idx", "pg_stat_user_tables_idx_scan_total{relname=\"orders\"}", MetricRole.Other, 9.8, 0.3, Alert.AddMinutes(-13));
            }

            return c;
        }

        var lost = DiagnosisEngine.Diagnose(Build(planChanged: true).Build());
        var kept = DiagnosisEngine.Diagnose(Build(planChanged: false).Build());

        Assert.Equal(HypothesisCategory.DataSchema, lost.Hypotheses[0].Category);
        Assert.Contains(Of(lost, HypothesisCategory.DataSchema).Features, f => f.Contains("a query lost its index", StringComparison.Ordinal));
        Assert.Contains("c-mig", Of(lost, HypothesisCategory.DataSchema).EvidenceIds);
        Assert.True(Of(kept, HypothesisCategory.DataSchema).Discarded);
    }

    [Fact]
    public void TheServersOwnHandshakeLog_DoesNotMakeItsExpiredCertificateTheCallersClientCertificate()
    {
        // The caller fails to verify the server's certificate; the server (read as a related service) logs that clients
        // break off the handshake ("remote error: tls: bad certificate"): the remote there is the caller, refusing the server.
        var c = new Case("notifier")
            .Template("t-x509", "Post \"https://push-gateway:8443/v1/send\": tls: failed to verify certificate: x509: certificate has expired", 0, 300)
            .Template("t-hs", "http: TLS handshake error from 10.0.44.80:56253: remote error: tls: bad certificate", 0, 200)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0, 0.9);
        c.KnownServices.AddRange(["notifier", "push-gateway"]);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.CertificateExpiry, d.Category);
        Assert.Equal("push-gateway", d.Triage.Service);
    }
}
