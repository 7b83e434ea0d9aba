using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using Case = IncidentHub.Analysis.Tests.Diagnosis.DiagnosisEngineTests.Case;

namespace IncidentHub.Analysis.Tests.Diagnosis;

/// <summary>
/// The general evidence features (issue 16): impact from failed work and from the alert itself, exhaustion of any
/// resource, configuration in the repository, migrations holding locks, poison messages, and suspects ranked by how
/// much of the failure they explain. Each case is a general situation, not one of the example bundles.
/// </summary>
public sealed class DiagnosisGeneralizationTests
{
    private static readonly DateTimeOffset Alert = new(2026, 3, 2, 10, 20, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset OnsetTime = Alert.AddMinutes(-8);
    private static readonly string ShaBase = new('1', 40);
    private static readonly string ShaBug = new('2', 40);
    private static readonly string ShaOther = new('3', 40);
    private static readonly string ShaConfig = new('4', 40);

    private static Hypothesis Of(IncidentHub.Analysis.Diagnosis.Diagnosis d, HypothesisCategory category) => d.Hypotheses.Single(h => h.Category == category);

    /// <summary>A worker: a deploy of two commits, one of which changed the file a repeated exception is raised in.</summary>
    private static Case WorkerAfterDeploy()
    {
        var c = new Case("report-worker", tier: 2)
            .Deploy("dep-prev", "2.3.0", ShaBase, Alert.AddDays(-4))
            .Deploy("dep-new", "2.4.0", ShaOther, OnsetTime.AddMinutes(-2))
            .Commit("c-base", ShaBase, Alert.AddDays(-4).AddHours(-1), "2.3.0", "worker/app.py")
            .Commit("c-bug", ShaBug, Alert.AddHours(-5), "reports: render totals per region", "worker/reports.py")
            .Commit("c-other", ShaOther, Alert.AddHours(-3), "docs: describe the retry policy", "docs/retries.md")
            .Trace("tr-val", StackLanguage.Python, "ValueError", "region totals do not add up for report <id>", 48, null,
                new StackFrame("render_totals", "/srv/worker/reports.py", 88, true), new StackFrame("run", "/srv/worker/app.py", 30, true))
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001)
            .Flat("s-p99", "http_request_duration_p99_seconds", MetricRole.Latency, 0.2);
        c.Blame.Add(new("bl-88", new BlameLine("worker/reports.py", 88, ShaBug, "assert sum(parts) == total")));
        return c;
    }

    [Fact]
    public void FailedJobsCounter_IsUserImpact_AndTheDeployThatChangedTheFailingFileIsTheCause()
    {
        var c = WorkerAfterDeploy().Onset("on-failed", "worker_tasks_failed_total", MetricRole.Other, 0, 14);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.False(d.Unknown, d.Summary);
        Assert.Equal(HypothesisCategory.BadDeployCode, d.Category);
        Assert.Equal((ShaBug, "worker/reports.py", 88), (d.Suspect?.Commit, d.Suspect?.File, d.Suspect?.Line));
        Assert.True(Of(d, HypothesisCategory.NoisyFalseAlarm).Discarded);
        Assert.Contains("worker_tasks_failed_total", Of(d, HypothesisCategory.NoisyFalseAlarm).DiscardReason, StringComparison.Ordinal);
        Assert.Contains("on-failed", Of(d, HypothesisCategory.BadDeployCode).EvidenceIds);
    }

    [Fact]
    public void RepeatedNewErrors_AreImpact_UnlessSomethingShowsTheAlertIsNoise()
    {
        var plain = DiagnosisEngine.Diagnose(WorkerAfterDeploy().Build());
        Assert.True(Of(plain, HypothesisCategory.NoisyFalseAlarm).Discarded);

        var flapping = new Case("report-worker", title: "Worker errors flapping");
        flapping.Traces.AddRange(WorkerAfterDeploy().Traces);
        flapping.Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001);
        var noisy = DiagnosisEngine.Diagnose(flapping.Build());
        Assert.False(Of(noisy, HypothesisCategory.NoisyFalseAlarm).Discarded);
    }

    [Fact]
    public void ProbeThatStartedFailing_IsUserImpact()
    {
        var c = new Case("ledger")
            .Onset("on-probe", "probe_success{target=\"ledger\"}", MetricRole.Other, 1, 0)
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.True(Of(d, HypothesisCategory.NoisyFalseAlarm).Discarded);
    }

    [Fact]
    public void ExhaustionOfAResourceOutsideTheVocabulary_FromLimitLanguageAndUsageAtItsLimit()
    {
        var c = new Case("render-farm", tier: 2)
            .Template("t-slots", "render slots exhausted, job <*> deferred", 0, 300)
            .Points("s-used", "render_slots_used", MetricRole.Other, i => Math.Min(64, 20 + i * 0.4))
            .Points("s-max", "render_slots_max", MetricRole.Other, _ => 64)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.002, 0.2);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.CapacityExhaustion, d.Category);
        Assert.Contains("s-used", d.Hypotheses[0].EvidenceIds);
        Assert.Contains("t-slots", d.Hypotheses[0].EvidenceIds);
        Assert.Null(d.Suspect);
    }

    [Fact]
    public void UsageBesideItsLimit_FreeBesideItsSize_AndARatioNearOne_AreNearTheirLimit()
    {
        var c = new Case("cache")
            .Points("s-mem", "kv_memory_used_bytes", MetricRole.Saturation, i => 1e9 * (0.5 + i * 0.002))
            .Points("s-lim", "kv_memory_limit_bytes", MetricRole.Saturation, _ => 1e9)
            .Points("s-free", "volume_free_bytes", MetricRole.Other, i => Math.Max(1e6, 5e9 - i * 2.1e7))
            .Points("s-size", "volume_size_bytes", MetricRole.Other, _ => 5e9)
            .Points("s-pct", "queue_fill_percent", MetricRole.Other, i => Math.Min(100, 40 + i * 0.5))
            .Points("s-hit", "lookup_hit_ratio", MetricRole.Other, _ => 0.99)
            .Points("s-thr", "executor_active_threads", MetricRole.Saturation, i => Math.Min(200, 50 + i))
            .Points("s-thr-max", "executor_pool_max_threads", MetricRole.Saturation, _ => 200)
            .Points("s-steady", "sessions_open", MetricRole.Other, _ => 95)
            .Points("s-steady-max", "sessions_max", MetricRole.Other, _ => 100);

        var near = LimitSeries.Find(c.Build(), _ => false).Select(n => n.Name).ToList();

        Assert.Contains("kv_memory_used_bytes", near);
        Assert.Contains("volume_free_bytes", near);
        Assert.Contains("queue_fill_percent", near);
        Assert.Contains("executor_active_threads", near);
        Assert.DoesNotContain("sessions_open", near); // always at 95 %: its normal level, not an approach
        Assert.DoesNotContain("lookup_hit_ratio", near); // a ratio that is good when high
    }

    [Fact]
    public void ARateLimitOfACalledService_IsNotExhaustion()
    {
        var c = new Case("search")
            .Template("t-429", "upstream returned 429 Too Many Requests: rate limit exceeded", 0, 200)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.002, 0.3);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.True(Of(d, HypothesisCategory.CapacityExhaustion).Discarded);
    }

    private const string ZeroPoolDiff = """
        diff --git a/config/app.properties b/config/app.properties
        --- a/config/app.properties
        +++ b/config/app.properties
        @@ -3,3 +3,3 @@
         server.port=8080
        -store.pool.max-size=20
        +store.pool.max-size=0
         store.url=jdbc:postgresql://db/app
        """;

    [Fact]
    public void AConfigValueSetToZeroInTheRepository_AndErrorsNamingTheKey_AreAConfigChange()
    {
        var c = new Case("stock-api", tier: 2)
            .Deploy("dep-prev", "7.0.0", ShaBase, Alert.AddDays(-2))
            .Deploy("dep-new", "7.1.0", ShaConfig, OnsetTime.AddMinutes(-3))
            .Commit("c-base", ShaBase, Alert.AddDays(-2).AddHours(-1), "7.0.0", "src/Stock.java")
            .Commit("c-code", ShaBug, Alert.AddHours(-4), "stock: log the warehouse id", "src/Stock.java")
            .Commit("c-cfg", ShaConfig, Alert.AddHours(-2), "tune the store pool", "config/app.properties")
            .Template("t-pool", "cannot borrow a store connection: max size is 0", 0, 250)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.4);
        var input = c.Build() with { Diffs = [new("diff-cfg", new CommitDiff(ShaConfig, ZeroPoolDiff))] };

        var d = DiagnosisEngine.Diagnose(input);

        Assert.Equal(HypothesisCategory.ConfigChange, d.Category);
        Assert.Equal((ShaConfig, "config/app.properties"), (d.Suspect?.Commit, d.Suspect?.File));
        Assert.Contains("diff-cfg", d.Hypotheses[0].EvidenceIds);
        Assert.Contains(d.Hypotheses[0].Features, x => x.Contains("store.pool.max-size", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("20", "0", true)]
    [InlineData("30s", "-1", true)]
    [InlineData("5s", "200ms", true)]
    [InlineData("512mb", "8gb", true)]
    [InlineData("30", "45", false)]
    [InlineData("enabled", "disabled", false)]
    public void ExtremeValues_AreZeroNegativeOrAnOrderOfMagnitudeAway(string before, string after, bool extreme) =>
        Assert.Equal(extreme, ConfigDiff.IsExtreme(before, after));

    [Fact]
    public void AMigrationShippedByTheDeploy_AndLockWaits_AreDataSchema_NotACodeDefect()
    {
        var c = new Case("accounts", tier: 2)
            .Deploy("dep-prev", "4.0.0", ShaBase, Alert.AddDays(-6))
            .Deploy("dep-new", "4.1.0", ShaOther, OnsetTime.AddMinutes(-3))
            .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "4.0.0", "accounts/models.py")
            .Commit("c-mig", ShaBug, Alert.AddHours(-6), "add an index on accounts.email", "db/migrations/0042_email_index.sql")
            .Commit("c-rel", ShaOther, Alert.AddHours(-2), "accounts: show the email on the profile", "accounts/views.py")
            .Template("t-lock", "canceling statement due to lock timeout while updating accounts", 0, 320)
            .Trace("tr-lock", StackLanguage.Python, "psycopg.errors.LockNotAvailable", "canceling statement due to lock timeout", 300, null,
                new StackFrame("save", "/app/accounts/views.py", 51, true))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.35);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.DataSchema, d.Category);
        Assert.Contains("c-mig", d.Hypotheses[0].EvidenceIds);
        Assert.Equal((ShaBug, "db/migrations/0042_email_index.sql"), (d.Suspect?.Commit, d.Suspect?.File));
    }

    [Fact]
    public void ADataMigration_AndReplicasFallingBehind_AreDataSchema_NotACodeDefect()
    {
        var c = new Case("order-history", tier: 2)
            .Deploy("dep-prev", "4.0.0", ShaBase, Alert.AddDays(-6))
            .Deploy("dep-new", "4.1.0", ShaOther, OnsetTime.AddMinutes(-4))
            .Commit("c-base", ShaBase, Alert.AddDays(-6).AddHours(-1), "4.0.0", "lib/orders.ex")
            .Commit("c-mig", ShaBug, Alert.AddHours(-6), "db: rewrite orders in place", "priv/repo/migrations/20260301_rewrite_orders.exs")
            .Commit("c-rel", ShaOther, Alert.AddHours(-2), "refactor: rename helper", "docs/dev.md")
            .Template("t-miss", "GET /api/orders/<*> right after create returned 404", 0, 120)
            .Onset("on-lag", "pg_replication_lag_seconds", MetricRole.Other, 0.4, 420)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.3);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.True(d.Category == HypothesisCategory.DataSchema, d.Confidence + "\n" + string.Join("\n", d.Hypotheses.Select(h => $"{h.Category} {h.Score:0.00} {h.DiscardReason} | {string.Join("; ", h.Features)}")));
        Assert.Contains("on-lag", d.Hypotheses[0].EvidenceIds);
        Assert.Equal(ShaBug, d.Suspect?.Commit);
    }

    [Theory]
    [InlineData("com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `BigDecimal` from String <*>")]
    [InlineData("System.Text.Json.JsonException: The JSON value could not be converted to System.DateTime. Path: $.issuedAt")]
    [InlineData("io.circe.DecodingFailure: Attempt to decode value on failed cursor: DownField(trackingNumber)")]
    [InlineData("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")]
    public void InputThatCannotBeDecoded_IsDataSchemaEvidence(string error)
    {
        static IncidentHub.Analysis.Diagnosis.Diagnosis Run(string template) => DiagnosisEngine.Diagnose(new Case("shipment-tracker", tier: 2)
            .Template("t-decode", template, 0, 60)
            .Onset("on-lag", "consumer_lag_messages", MetricRole.Other, 20, 4000).Build());

        Assert.Null(Run("handler failed: " + error).Hypotheses.Single(h => h.Category == HypothesisCategory.DataSchema).DiscardReason);
        Assert.NotNull(Run("handler failed: upstream took too long").Hypotheses.Single(h => h.Category == HypothesisCategory.DataSchema).DiscardReason);
    }

    [Fact]
    public void ANewMessageSeenThreeTimes_IsNoise_WhileTheSameMessageThirtyTimesIsUserImpact()
    {
        static IncidentHub.Analysis.Diagnosis.Diagnosis Run(int lines) => DiagnosisEngine.Diagnose(new Case("newsletter-editor", tier: 3)
            .Template("t-ping", "failed to send usage ping: connection reset by peer", 0, lines)
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.002)
            .Flat("s-p99", "http_p99_seconds", MetricRole.Latency, 0.15).Build());

        var sporadic = Run(3);
        var repeated = Run(30);

        Assert.Equal(HypothesisCategory.NoisyFalseAlarm, sporadic.Hypotheses[0].Category);
        Assert.Contains(sporadic.Hypotheses[0].Features, x => x.Contains("sporadic", StringComparison.Ordinal));
        Assert.NotNull(repeated.Hypotheses.Single(h => h.Category == HypothesisCategory.NoisyFalseAlarm).DiscardReason);
    }

    [Theory]
    [InlineData("memory resource limit alarm set on node <*>. Publishers will be blocked until this alarm clears", true)]
    [InlineData("flood stage disk watermark [<NUM>] exceeded on [<*>], all indices on this node will be marked read-only", true)]
    [InlineData("node <*> joined the cluster, rebalancing partitions", false)]
    public void AWarningThatALimitWasReached_IsExhaustionEvidence_ThoughNotWordedAsAnError(string warning, bool exhaustion)
    {
        var d = DiagnosisEngine.Diagnose(new Case("events-broker", tier: 2)
            .Template("t-warn", warning, 0, 80, error: false)
            .Flat("s-used", "broker_memory_used_bytes", MetricRole.Other, 6.4e9)
            .Flat("s-limit", "broker_memory_limit_bytes", MetricRole.Other, 6.4e9).Build());

        var capacity = d.Hypotheses.Single(h => h.Category == HypothesisCategory.CapacityExhaustion);
        Assert.Equal(exhaustion, capacity.EvidenceIds.Contains("t-warn"));
    }

    [Fact]
    public void ReplicaLagWithoutDataErrors_StillKeepsDataSchemaAlive_AndANonLagSeriesDoesNot()
    {
        static IncidentHub.Analysis.Diagnosis.Diagnosis Run(string series) => DiagnosisEngine.Diagnose(new Case("profile-service", tier: 2)
            .Onset("on-lag", series, MetricRole.Other, 0.5, 300)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.3).Build());

        Assert.Null(Run("mysql_slave_status_seconds_behind_master").Hypotheses.Single(h => h.Category == HypothesisCategory.DataSchema).DiscardReason);
        Assert.NotNull(Run("http_server_duration_seconds").Hypotheses.Single(h => h.Category == HypothesisCategory.DataSchema).DiscardReason);
    }

    [Fact]
    public void OneMessageFailingTheConsumerAgainAndAgain_IsAPoisonMessage()
    {
        var c = new Case("billing-consumer", tier: 2)
            .Template("t-poison", "handler raised for message offset=48213 on partition 3, will retry", 0, 90)
            .Onset("on-lag", "consumer_group_lag", MetricRole.Other, 4, 5200)
            .Flat("s-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.Equal(HypothesisCategory.DataSchema, d.Category);
        Assert.Contains("t-poison", d.Hypotheses[0].EvidenceIds);
        Assert.Contains("48213", d.Hypotheses[0].Features[0], StringComparison.Ordinal);
    }

    [Fact]
    public void FailuresCarryingDifferentMessageIds_AreNotAPoisonMessage()
    {
        var texts = new[] { new TextFact(EvidenceKind.Logs, "t", "handler raised for message offset=<*>\nhandler raised for message offset=11\nhandler raised for message offset=12", "x", 1, null) };

        Assert.Empty(PoisonMessages.Find(texts, new Dictionary<string, int> { ["t"] = 90 }));
    }

    private const string FeatureDiff = """
        diff --git a/shop/pricing.py b/shop/pricing.py
        --- a/shop/pricing.py
        +++ b/shop/pricing.py
        @@ -38,6 +38,8 @@ def apply_discount(order, code):
             rate = DISCOUNTS[code]
        +    if order.region:
        +        rate = rate / order.region_discount_divisor
             return order.total * (1 - rate)
        """;

    [Fact]
    public void TheSuspect_IsTheCommitThatExplainsTheFailingFrames_NotTheNewestOfTheDeploy()
    {
        var c = new Case("shop", tier: 2)
            .Deploy("dep-prev", "9.0.0", ShaBase, Alert.AddDays(-3))
            .Deploy("dep-new", "9.1.0", ShaOther, OnsetTime.AddMinutes(-2))
            .Commit("c-base", ShaBase, Alert.AddDays(-3).AddHours(-1), "9.0.0", "shop/app.py")
            .Commit("c-feat", ShaBug, Alert.AddHours(-5), "pricing: regional discount divisor", "shop/pricing.py", "shop/regions.py")
            .Commit("c-ui", ShaOther, Alert.AddHours(-3), "ui: new checkout button", "web/checkout.js")
            .Trace("tr-div", StackLanguage.Python, "ZeroDivisionError", "division by zero", 70, null,
                new StackFrame("apply_discount", "/app/shop/pricing.py", 41, true), new StackFrame("checkout", "/app/shop/app.py", 12, true))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.25);
        var input = c.Build() with { Diffs = [new("diff-feat", new CommitDiff(ShaBug, FeatureDiff))] };

        var d = DiagnosisEngine.Diagnose(input);

        Assert.Equal(HypothesisCategory.BadDeployCode, d.Category);
        Assert.Equal((ShaBug, "shop/pricing.py", 41, "9.1.0"), (d.Suspect?.Commit, d.Suspect?.File, d.Suspect?.Line, d.Suspect?.Version));
        Assert.Contains("diff-feat", d.Suspect!.EvidenceIds);
    }

    /// <summary>A deploy whose commit changed the failing line, and a close competitor (a failing dependency seen before).</summary>
    private static Case DeployWithACloseCompetitor(bool commitTouchesTheFrame)
    {
        var c = new Case("quota", tier: 2)
            .Deploy("dep-prev", "2.13.0", ShaBase, Alert.AddDays(-4))
            .Deploy("dep-new", "2.14.0", ShaBug, OnsetTime.AddMinutes(-3))
            .Commit("c-base", ShaBase, Alert.AddDays(-4).AddHours(-1), "2.13.0", "quota/server.go")
            .Commit("c-bug", ShaBug, Alert.AddHours(-3), "policy: honour the burst allowance", commitTouchesTheFrame ? "quota/check.go" : "quota/burst.go")
            .Trace("tr-nil", StackLanguage.Go, "runtime error", "invalid memory address or nil pointer dereference", 40, null,
                new StackFrame("main.(*Checker).Check", "/src/quota/check.go", 57, true))
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0, 0.3)
            .Onset("on-up", "upstream_request_errors", MetricRole.Other, 0, 12);
        c.Health.Add(new("h-ledger", new HealthResult("https://ledger.internal/health", 503, 40, null, Alert)));
        c.Memory.Add(new("m-dep", new PastIncident("INC-7", "quota", HypothesisCategory.DependencyFailure, "ledger down", "failover", true, 0.9, ["quota"])));
        if (commitTouchesTheFrame)
        {
            c.Blame.Add(new("bl-57", new BlameLine("quota/check.go", 57, ShaBug, "limit := p.Burst.Allowance")));
        }

        return c;
    }

    [Fact]
    public void ADeployedCommitThatChangedTheFailingLine_CommitsTheAnswer_DespiteACloseCompetitor()
    {
        var d = DiagnosisEngine.Diagnose(DeployWithACloseCompetitor(commitTouchesTheFrame: true).Build());

        Assert.False(d.Unknown, d.Summary);
        Assert.Equal(HypothesisCategory.BadDeployCode, d.Category);
        Assert.Equal(0.5, d.Confidence);
        Assert.Equal((ShaBug, "quota/check.go", 57), (d.Suspect?.Commit, d.Suspect?.File, d.Suspect?.Line));
    }

    [Fact]
    public void WithoutAChangeExplainingTheFailingFrames_TheCloseCallStaysUnknown()
    {
        var d = DiagnosisEngine.Diagnose(DeployWithACloseCompetitor(commitTouchesTheFrame: false).Build());

        Assert.True(d.Unknown, d.Summary);
        Assert.Null(d.Suspect);
    }

    [Fact]
    public void AmongTheConfigCommitsOfADeploy_TheOneSettingAnExtremeValueIsTheSuspect()
    {
        var c = new Case("stock-api", tier: 2)
            .Deploy("dep-prev", "7.0.0", ShaBase, Alert.AddDays(-2))
            .Deploy("dep-new", "7.1.0", ShaOther, OnsetTime.AddMinutes(-3))
            .Commit("c-base", ShaBase, Alert.AddDays(-2).AddHours(-1), "7.0.0", "src/Stock.java")
            .Commit("c-cfg", ShaConfig, Alert.AddHours(-4), "tune the store pool", "config/app.properties")
            .Commit("c-log", ShaOther, Alert.AddHours(-2), "quieter logging", "config/logging.yaml")
            .Template("t-pool", "cannot borrow a store connection: max size is 0", 0, 250)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.4);
        var input = c.Build() with { Diffs = [new("diff-cfg", new CommitDiff(ShaConfig, ZeroPoolDiff))] };

        var d = DiagnosisEngine.Diagnose(input);

        Assert.Equal(HypothesisCategory.ConfigChange, d.Category);
        Assert.Equal((ShaConfig, "config/app.properties"), (d.Suspect?.Commit, d.Suspect?.File));
    }

    [Fact]
    public void ADiskFilledAfterADeploy_IsExhaustion_WhenTheUsageSeriesShowsTheResourceRanOut()
    {
        var c = new Case("audit-api", tier: 2)
            .Deploy("dep-prev", "3.1.0", ShaBase, Alert.AddDays(-3))
            .Deploy("dep-new", "3.2.0", ShaOther, Alert.AddMinutes(-60))
            .Commit("c-base", ShaBase, Alert.AddDays(-3).AddHours(-1), "3.1.0", "audit/app.py")
            .Commit("c-log", ShaOther, Alert.AddHours(-2), "log every request body at debug", "audit/app.py")
            .Template("t-disk", "failed to write audit record: [Errno 28] No space left on device", 0, 400)
            .Points("s-free", "node_filesystem_avail_bytes", MetricRole.Saturation, i => Math.Max(0, 8e9 - i * 4e7))
            .Points("s-size", "node_filesystem_size_bytes", MetricRole.Saturation, _ => 8e9)
            .Onset("on-err", "http_error_ratio", MetricRole.ErrorRatio, 0.001, 0.5);

        var d = DiagnosisEngine.Diagnose(c.Build());

        Assert.False(d.Unknown, d.Summary);
        Assert.Equal(HypothesisCategory.CapacityExhaustion, d.Category);
        Assert.Contains("s-free", d.Hypotheses[0].EvidenceIds);
    }
}
