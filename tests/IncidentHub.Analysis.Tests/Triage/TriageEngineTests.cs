using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Triage;

namespace IncidentHub.Analysis.Tests.Triage;

public sealed class TriageEngineTests
{
    private static readonly IReadOnlyList<ServiceTier> Catalog =
        [new("checkout", 1), new("inventory", 2), new("batch-reports", 3)];

    private static AlertFacts Alert(params (string Key, string Value)[] labels) =>
        new(labels.ToDictionary(l => l.Key, l => l.Value), new Dictionary<string, string>());

    private static TriageResult Run(string title, params AlertFacts[] alerts) => TriageEngine.Triage(new TriageInput(title, alerts, Catalog));

    [Theory]
    [InlineData("critical", "inventory", Severity.P1)]
    [InlineData("critical", "checkout", Severity.P0)]
    [InlineData("critical", "batch-reports", Severity.P2)]
    [InlineData("warning", "inventory", Severity.P3)]
    [InlineData("warning", "checkout", Severity.P2)]
    [InlineData("error", "inventory", Severity.P2)]
    [InlineData("P0", "inventory", Severity.P0)]
    [InlineData("info", "batch-reports", Severity.P3)]
    public void Severity_ComesFromTheLabel_AdjustedByServiceTier(string severity, string service, Severity expected)
    {
        var result = Run("Something is off", Alert(("severity", severity), ("service", service)));

        Assert.Equal(expected, result.Severity);
        Assert.Equal(service, result.Service);
    }

    [Fact]
    public void OutageKeyword_RaisesSeverityByOne()
    {
        var quiet = Run("Latency is high", Alert(("severity", "warning"), ("service", "inventory")));
        var loud = Run("Inventory API is down", Alert(("severity", "warning"), ("service", "inventory")));

        Assert.Equal(Severity.P3, quiet.Severity);
        Assert.Equal(Severity.P2, loud.Severity);
        Assert.Contains(loud.Signals, s => s.Contains("'down'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Download queue slow", false)]
    [InlineData("ServiceDown", true)]
    [InlineData("payments unavailable for EU", true)]
    [InlineData("Breakdown of latency", false)]
    public void OutageKeyword_MatchesWholeWordsOnly(string title, bool raised)
    {
        var result = Run(title, Alert(("severity", "warning"), ("service", "inventory")));

        Assert.Equal(raised ? Severity.P2 : Severity.P3, result.Severity);
    }

    [Fact]
    public void WorstSeverityAcrossAlerts_Wins()
    {
        var result = Run("mixed", Alert(("severity", "warning"), ("service", "inventory")), Alert(("severity", "critical"), ("service", "inventory")));

        Assert.Equal(Severity.P1, result.Severity);
        Assert.Contains(result.Signals, s => s.Contains("2 alerts firing together", StringComparison.Ordinal));
    }

    [Fact]
    public void Service_FromLabelsInPriorityOrder_AndCatalogSpelling()
    {
        var result = Run("x", Alert(("job", "node-exporter"), ("app", "CHECKOUT")));

        Assert.Equal("checkout", result.Service);
        Assert.Equal(1, result.ServiceTier);
    }

    [Theory]
    [InlineData("service", "checkout (production)", "checkout")] // PagerDuty service summary, qualifier dropped
    [InlineData("alertname", "checkout-web-alb-5xx-high", "checkout-web")] // CloudWatch alarm name; longest name wins
    [InlineData("instance", "batch-reports-1:9100", "batch-reports")] // Grafana/Prometheus instance
    [InlineData("dim_LoadBalancer", "app/inventory-prod/6d1c2e9a", "inventory")] // CloudWatch dimension
    public void Service_NamedInsideALabelValue_IsFoundInTheCatalog(string key, string value, string expected)
    {
        var catalog = Catalog.Append(new ServiceTier("checkout-web", 1)).ToList();
        var result = TriageEngine.Triage(new TriageInput("x", [Alert((key, value))], catalog));

        Assert.Equal(expected, result.Service);
        Assert.NotNull(result.ServiceTier);
        Assert.Contains(result.Signals, s => s.Contains($"from label '{key}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Service_NamedOnlyInTheTitleOrAnnotations_IsFound_ButNotInsideOtherWords()
    {
        var annotated = new AlertFacts(new Dictionary<string, string> { ["alertname"] = "HighLatency" },
            new Dictionary<string, string> { ["summary"] = "p99 of inventory above 2s" });
        var fromAnnotation = TriageEngine.Triage(new TriageInput("HighLatency", [annotated], Catalog));
        var fromTitle = Run("checkout: card payments failing", Alert(("alertname", "PaymentsFailing")));
        var partWord = Run("checkouts are slow; inventorying", Alert(("alertname", "Slow")));

        Assert.Equal("inventory", fromAnnotation.Service);
        Assert.Equal("checkout", fromTitle.Service);
        Assert.Null(partWord.Service);
    }

    [Fact]
    public void Service_ExactLabel_BeatsANameFoundInText()
    {
        var result = Run("checkout is slow", Alert(("service", "inventory"), ("instance", "checkout-1")));

        Assert.Equal("inventory", result.Service);
    }

    [Theory]
    [InlineData("checkout-api", "checkout-api")] // not in the catalog, and not "checkout" either: kept as given
    [InlineData("Checkout API", "Checkout API")]
    [InlineData("checkout-prod", "checkout")]
    [InlineData("inventory (staging)", "inventory")]
    public void Service_LabelNotInTheCatalog_IsKept_UnlessOnlyAnEnvironmentQualifierDiffers(string label, string expected)
    {
        var result = Run("x", Alert(("service", label), ("instance", "checkout-1")));

        Assert.Equal(expected, result.Service);
    }

    [Fact]
    public void Confidence_GrowsWithIndependentSignals()
    {
        var bare = Run("something", Alert(("alertname", "X")));
        var labelled = Run("something", Alert(("severity", "critical")));
        var known = Run("something", Alert(("severity", "critical"), ("service", "checkout")));

        Assert.True(bare.Confidence < labelled.Confidence);
        Assert.True(labelled.Confidence < known.Confidence);
        Assert.InRange(known.Confidence, 0.0, 0.95);
        Assert.Null(bare.Service);
        Assert.Equal(Severity.P3, bare.Severity);
    }

    [Fact]
    public void UnknownService_IsKept_ButNotTiered()
    {
        var result = Run("x", Alert(("severity", "critical"), ("service", "ledger")));

        Assert.Equal("ledger", result.Service);
        Assert.Null(result.ServiceTier);
        Assert.Equal(Severity.P1, result.Severity);
        Assert.Contains("not in catalog", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reason_IsOneLineNamingTheSeverityAndEvidence()
    {
        var result = Run("Checkout outage", Alert(("severity", "critical"), ("service", "checkout")));

        Assert.Equal(Severity.P0, result.Severity);
        Assert.StartsWith("P0: severity=critical", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Reason);
    }

    [Theory]
    [InlineData("CRITICAL", Severity.P1)]
    [InlineData(" sev-0 ", Severity.P0)]
    [InlineData("high", Severity.P2)]
    [InlineData("bogus", null)]
    public void ParseSeverity_KnowsTheCommonVocabularies(string value, Severity? expected) =>
        Assert.Equal(expected, TriageEngine.ParseSeverity(value));

    [Fact]
    public void AServiceLabelThatIsTheAlertsTopic_MapsToTheCatalogConsumer_WhileAPlainUnknownServiceStaysAsGiven()
    {
        IReadOnlyList<ServiceTier> catalog = [new("refund-processor", 2), new("checkout", 1)];

        var keyedByTopic = TriageEngine.Triage(new TriageInput("ConsumerLagHigh",
            [Alert(("service", "refunds.requested.v2"), ("topic", "refunds.requested.v2"))], catalog));
        var unknown = TriageEngine.Triage(new TriageInput("Refund backlog is growing", [Alert(("service", "refunds.requested.v2"))], catalog));

        var describedAsConsumers = TriageEngine.Triage(new TriageInput("refunds.requested.v2: consumer lag above 2000 messages",
            [Alert(("service", "refunds.requested.v2"))], catalog));

        Assert.Equal("refund-processor", keyedByTopic.Service);
        Assert.Equal("refund-processor", describedAsConsumers.Service);
        Assert.Equal("refunds.requested.v2", unknown.Service);
    }
}
