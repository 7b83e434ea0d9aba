using System.Text;
using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

public sealed class DatadogSourceTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 0, 41, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TriggeredAt = new(2026, 11, 23, 0, 40, 0, TimeSpan.Zero);

    private static string FixtureText(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", "datadog", name));

    private static NormalisedAlert Fixture(string name) => Single(ParseJson(FixtureText(name)));

    private static ParseResult ParseJson(string json) => AlertSources.Parse(SourceKind.Datadog, Encoding.UTF8.GetBytes(json), ReceivedAt);

    private static NormalisedAlert Single(ParseResult result)
    {
        Assert.Null(result.Error);
        return Assert.Single(result.Alerts);
    }

    [Fact]
    public void Parse_TriggeredDefaultFixture_CleansTitleAndReadsScopeFromIt()
    {
        var alert = Fixture("triggered-default.json");

        Assert.Equal("High CPU on checkout web hosts", alert.Title);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal("checkout-web-3", alert.Labels["host"]);
        Assert.Equal("High CPU on checkout web hosts", alert.Labels["alertname"]);
        Assert.DoesNotContain("severity", alert.Labels.Keys);
        Assert.Equal(TriggeredAt, alert.StartsAt);
        Assert.Null(alert.EndsAt);
        Assert.Null(alert.SourceUrl);
        Assert.StartsWith("%%%\nCPU on checkout-web-3 has been above 90%", alert.Annotations["description"], StringComparison.Ordinal);
        Assert.Equal("Triggered", alert.Annotations["alert_transition"]);
        Assert.Equal("host:checkout-web-3", alert.Annotations["alert_scope"]);
        Assert.Equal("Acme Shop", alert.Annotations["org.name"]);
        Assert.Equal("318204", alert.Annotations["org.id"]);
        Assert.Equal("7891240356120489137", alert.Annotations["id"]);
        Assert.Equal("query_alert_monitor", alert.Annotations["event_type"]);
        Assert.Equal(alert.Fingerprint, alert.GroupKey);
    }

    [Fact]
    public void Parse_TriggeredExtendedFixture_MapsPriorityTagsMonitorAndLink()
    {
        var alert = Fixture("triggered-extended.json");

        Assert.Equal("Checkout error rate above 5%", alert.Title);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal("5f0c8e2a91b34d7e8a6c1f2d3b4e5a69", alert.Fingerprint);
        Assert.Equal("98765432|env:prod,service:checkout", alert.GroupKey);
        Assert.Equal("https://app.datadoghq.com/event/event?id=7891240357719836654", alert.SourceUrl);
        Assert.Equal("checkout", alert.Labels["service"]);
        Assert.Equal("prod", alert.Labels["env"]);
        Assert.Equal("payments", alert.Labels["team"]);
        Assert.Equal("true", alert.Labels["tag_monitor"]);
        Assert.Equal("true", alert.Labels["tag_slo"]);
        Assert.Equal("critical", alert.Labels["severity"]);
        Assert.Equal("Checkout error rate above 5%", alert.Labels["alertname"]);
        Assert.Equal(TriggeredAt, alert.StartsAt);
        Assert.Equal("P1", alert.Annotations["alert_priority"]);
        Assert.Equal("trace.http.request.errors", alert.Annotations["alert_metric"]);
        Assert.StartsWith("sum(last_5m):", alert.Annotations["alert_query"], StringComparison.Ordinal);
        Assert.DoesNotContain("hostname", alert.Annotations.Keys);
        Assert.DoesNotContain("title", alert.Annotations.Keys);
    }

    [Fact]
    public void Parse_RecoveredFixture_ResolvesTheSameAlertInTheSameGroup()
    {
        var triggered = Fixture("triggered-extended.json");
        var recovered = Fixture("recovered.json");

        Assert.Equal(AlertStatus.Resolved, recovered.Status);
        Assert.Equal(triggered.Fingerprint, recovered.Fingerprint);
        Assert.Equal(triggered.GroupKey, recovered.GroupKey);
        Assert.Equal(triggered.Title, recovered.Title);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 1, 5, 0, TimeSpan.Zero), recovered.EndsAt);
        Assert.Equal("critical", recovered.Labels["severity"]);
    }

    [Fact]
    public void Parse_DefaultShapeRecovery_HasANewEventIdButTheSameFingerprint()
    {
        var triggeredJson = FixtureText("triggered-default.json");
        var recoveredJson = triggeredJson
            .Replace("[Triggered on", "[Recovered on", StringComparison.Ordinal)
            .Replace("7891240356120489137", "7891265512048299001", StringComparison.Ordinal)
            .Replace("1795394400000", "1795395900000", StringComparison.Ordinal);

        var triggered = Single(ParseJson(triggeredJson));
        var recovered = Single(ParseJson(recoveredJson));

        Assert.Equal(AlertStatus.Resolved, recovered.Status);
        Assert.Equal(triggered.Fingerprint, recovered.Fingerprint);
        Assert.Equal(triggered.GroupKey, recovered.GroupKey);
        Assert.Equal(triggered.Title, recovered.Title);
    }

    [Fact]
    public void Parse_DefaultShapeOtherHost_IsAnotherAlert()
    {
        var json = FixtureText("triggered-default.json");

        var web3 = Single(ParseJson(json));
        var web4 = Single(ParseJson(json.Replace("{host:checkout-web-3}", "{host:checkout-web-4}", StringComparison.Ordinal)));

        Assert.NotEqual(web3.Fingerprint, web4.Fingerprint);
        Assert.Equal("checkout-web-4", web4.Labels["host"]);
    }

    [Fact]
    public void Parse_NoAggregationKey_FingerprintIsMonitorAndScope_InAnyOrder()
    {
        var a = Single(ParseJson("""{"title":"[Triggered] Queue backlog","alert_id":"4242","alert_scope":"service:orders,env:prod","id":"1"}"""));
        var b = Single(ParseJson("""{"title":"[Recovered] Queue backlog","alert_id":"4242","alert_scope":"env:prod, service:orders","id":"2"}"""));
        var wholeMonitor = Single(ParseJson("""{"title":"Queue backlog","alert_id":4242,"id":"3"}"""));

        Assert.Equal("4242|env:prod,service:orders", a.Fingerprint);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.Equal("4242|env:prod,service:orders", a.GroupKey);
        Assert.Equal(AlertStatus.Resolved, b.Status);
        Assert.Equal("orders", a.Labels["service"]);
        Assert.Equal("4242|", wholeMonitor.Fingerprint);
        Assert.Equal("4242", wholeMonitor.GroupKey);
    }

    [Theory]
    [InlineData("P1", null, "critical")]
    [InlineData("P2", "warning", "error")]
    [InlineData("p3", null, "warning")]
    [InlineData("P4", null, "info")]
    [InlineData("P5", "error", "info")]
    [InlineData(null, "error", "error")]
    [InlineData(null, "warning", "warning")]
    [InlineData(null, "info", "info")]
    [InlineData(null, "success", null)]
    [InlineData("$ALERT_PRIORITY", "warning", "warning")]
    public void Parse_Severity_FromPriorityElseAlertType(string? priority, string? alertType, string? expected)
    {
        var fields = new List<string> { "\"title\":\"Disk almost full\"" };
        if (priority is not null)
        {
            fields.Add($"\"alert_priority\":\"{priority}\"");
        }

        if (alertType is not null)
        {
            fields.Add($"\"alert_type\":\"{alertType}\"");
        }

        var alert = Single(ParseJson("{" + string.Join(',', fields) + "}"));

        Assert.Equal(expected, alert.Labels.GetValueOrDefault("severity"));
    }

    [Theory]
    [InlineData("[Triggered] Disk almost full", "Disk almost full", AlertStatus.Firing)]
    [InlineData("[P2] [Re-Triggered on {host:db-1}] Disk almost full", "Disk almost full", AlertStatus.Firing)]
    [InlineData("[Warn on {host:db-1}] Disk almost full", "Disk almost full", AlertStatus.Firing)]
    [InlineData("[No Data] Disk almost full", "Disk almost full", AlertStatus.Firing)]
    [InlineData("[Recovered] Disk almost full", "Disk almost full", AlertStatus.Resolved)]
    [InlineData("[P1] [Recovered on {host:db-1,env:prod}] Disk almost full", "Disk almost full", AlertStatus.Resolved)]
    [InlineData("[Staging] Disk almost full", "[Staging] Disk almost full", AlertStatus.Firing)]
    [InlineData("[P3] [Staging] Disk almost full", "[Staging] Disk almost full", AlertStatus.Firing)]
    [InlineData("Disk almost full [Triggered]", "Disk almost full [Triggered]", AlertStatus.Firing)]
    public void Parse_TitlePrefixes_AreRemovedAndRead(string title, string expectedTitle, AlertStatus expectedStatus)
    {
        var alert = Single(ParseJson($$"""{"title":"{{title}}"}"""));

        Assert.Equal(expectedTitle, alert.Title);
        Assert.Equal(expectedStatus, alert.Status);
    }

    [Fact]
    public void Parse_TitlePrefixes_FillPriorityTransitionAndScope()
    {
        var alert = Single(ParseJson("""{"title":"[P2] [Re-Triggered on {host:db-1,env:prod}] Disk almost full"}"""));

        Assert.Equal("error", alert.Labels["severity"]);
        Assert.Equal("db-1", alert.Labels["host"]);
        Assert.Equal("prod", alert.Labels["env"]);
        Assert.Equal("P2", alert.Annotations["alert_priority"]);
        Assert.Equal("Re-Triggered", alert.Annotations["alert_transition"]);
        Assert.Equal("host:db-1,env:prod", alert.Annotations["alert_scope"]);
    }

    [Fact]
    public void Parse_AlertTypeSuccess_Resolves()
    {
        var alert = Single(ParseJson("""{"title":"Disk almost full","alert_type":"success","date":1795395900}"""));

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 1, 5, 0, TimeSpan.Zero), alert.EndsAt);
    }

    [Fact]
    public void Parse_TitleOnlyPrefixes_FallsBackToTheMetric()
    {
        var alert = Single(ParseJson("""{"title":"[Triggered]","alert_metric":"system.disk.in_use"}"""));

        Assert.Equal("system.disk.in_use", alert.Title);
        Assert.Equal("system.disk.in_use", alert.Labels["alertname"]);
    }

    [Fact]
    public void Parse_ScopeWinsOverTagsAndTagsMayBeAnArray()
    {
        var alert = Single(ParseJson("""{"title":"Latency","alert_scope":"service:checkout","tags":["service:web","team:payments","url:https://shop.example.com/pay","canary"]}"""));

        Assert.Equal("checkout", alert.Labels["service"]);
        Assert.Equal("payments", alert.Labels["team"]);
        Assert.Equal("https://shop.example.com/pay", alert.Labels["url"]);
        Assert.Equal("true", alert.Labels["tag_canary"]);
    }

    [Theory]
    [InlineData("\"1795394400000\"")]
    [InlineData("1795394400000")]
    [InlineData("1795394400")]
    [InlineData("\"1795394400\"")]
    [InlineData("\"2026-11-23T00:40:00Z\"")]
    [InlineData("\"2026-11-23T01:40:00+01:00\"")]
    public void Parse_Date_AcceptsMillisecondsSecondsAndIso(string date)
    {
        var alert = Single(ParseJson($$"""{"title":"Disk almost full","date":{{date}}}"""));

        Assert.Equal(TriggeredAt, alert.StartsAt);
    }

    [Theory]
    [InlineData("\"$DATE\"")]
    [InlineData("\"yesterday\"")]
    [InlineData("null")]
    public void Parse_DateMissingOrUnreadable_UsesTheReceiveTime(string date)
    {
        var alert = Single(ParseJson($$"""{"title":"Disk almost full","date":{{date}}}"""));

        Assert.Equal(ReceivedAt, alert.StartsAt);
    }

    [Fact]
    public void Parse_UnfilledTemplateVariables_CountAsAbsent()
    {
        var alert = Single(ParseJson("""{"title":"Disk almost full","aggreg_key":"$AGGREG_KEY","alert_priority":"$ALERT_PRIORITY","link":"$LINK","alert_id":""}"""));

        Assert.NotEqual("$AGGREG_KEY", alert.Fingerprint);
        Assert.Null(alert.SourceUrl);
        Assert.DoesNotContain("severity", alert.Labels.Keys);
        Assert.DoesNotContain("alert_priority", alert.Annotations.Keys);
        Assert.Equal(alert.Fingerprint, alert.GroupKey);
    }

    [Theory]
    [InlineData("""[{"title":"x"}]""", "must be a JSON object with at least a 'title' ($EVENT_TITLE), not an array")]
    [InlineData("42", "not a number")]
    [InlineData("""{"body":"CPU high","id":"1"}""", "needs a 'title' field")]
    [InlineData("""{"title":null}""", "needs a 'title' field")]
    [InlineData("""{"title":17}""", "'title' must be a string ($EVENT_TITLE), not a number")]
    [InlineData("""{"title":"  "}""", "needs a non-empty 'title'")]
    [InlineData("""{"title":"$EVENT_TITLE"}""", "unfilled template variable")]
    [InlineData("""{"title":"x","tags":42}""", "'tags' must be a comma-separated string")]
    [InlineData("""{"title":"x","alert_scope":{"service":"checkout"}}""", "'alert_scope' must be a comma-separated string like \"service:checkout,env:prod\" (or an array of such strings), not an object")]
    [InlineData("""{"title":""", "not valid JSON")]
    public void Parse_MalformedBody_SaysWhatIsWrong(string json, string expected)
    {
        var result = ParseJson(json);

        Assert.Empty(result.Alerts);
        Assert.NotNull(result.Error);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }
}
