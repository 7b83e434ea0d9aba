using IncidentHub.Analysis.Triage;

namespace IncidentHub.Analysis.Tests.Triage;

/// <summary>Components named after what they serve (consumer groups, queues, topics) map to the catalog service sharing their words.</summary>
public sealed class ServiceNameMatcherWordsTests
{
    private static readonly string[] Catalog = ["ledger-projector", "ledger-api", "billing-worker", "checkout", "refund-processor", "report-renderer"];

    [Theory]
    [InlineData("ledger-projector-consumers", "ledger-projector")]
    [InlineData("billing.invoices.consumer-group", "billing-worker")]
    [InlineData("refunds.requested.v2", "refund-processor")]   // plural queue, service named after the doer
    [InlineData("report-render-jobs", "report-renderer")]
    public void AConsumerGroupOrQueue_MapsToTheServiceNamedAfterTheSameThing(string component, string expected) =>
        Assert.Equal(expected, ServiceNameMatcher.ByWords(Catalog, component));

    [Theory]
    [InlineData("ledger-events-consumer")] // ledger-projector and ledger-api share "ledger" equally: no guess
    [InlineData("orders-consumer-group")]  // no shared word
    [InlineData("consumer-group-7")]       // only generic words
    public void AnAmbiguousOrUnrelatedName_MapsToNothing(string component) =>
        Assert.Null(ServiceNameMatcher.ByWords(Catalog, component));

    [Fact]
    public void AQueueNamedAfterTheAction_PrefersTheServiceNamedAfterTheDoerOfTheSameThing() =>
        Assert.Equal("invoice-renderer", ServiceNameMatcher.ByWords(["invoice-worker", "invoice-renderer", "feed-renderer"], "invoice-render-jobs"));

    [Theory]
    [InlineData("refunds", "refund")]
    [InlineData("renderer", "render")]
    [InlineData("render-jobs", "renderer")]
    [InlineData("deliveries", "delivery")]
    [InlineData("requested", "request")]
    public void Stem_MakesPluralsActionsAndDoersMeet(string a, string b) =>
        Assert.Equal(ServiceNameMatcher.Stem(a.Split('-')[0]), ServiceNameMatcher.Stem(b));

    [Theory]
    [InlineData("class", "class")]
    [InlineData("user", "user")]
    [InlineData("users", "user")]
    public void Stem_KeepsShortWordsAndDoubleS(string word, string stem) =>
        Assert.Equal(stem, ServiceNameMatcher.Stem(word));
}
