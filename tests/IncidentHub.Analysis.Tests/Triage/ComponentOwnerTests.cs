using IncidentHub.Analysis.Triage;

namespace IncidentHub.Analysis.Tests.Triage;

/// <summary>
/// An alert keyed by a topic, queue or consumer group the catalog does not list: the service whose own logs fail on that
/// component is the one at work on it, whatever the names share.
/// </summary>
public sealed class ComponentOwnerTests
{
    private static IReadOnlyList<string> Repeat(string line, int n) => [.. Enumerable.Range(0, n).Select(i => line.Replace("{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))];

    [Fact]
    public void TheConsumerFailingOnTheTopic_OwnsIt_NotTheProducerNamedAfterIt()
    {
        // The topic is named after the producer's domain; only the consumer's logs fail on it.
        var telemetry = new[]
        {
            new ServiceTelemetry("payments-api", [.. Repeat("INFO published PaymentCaptured to payments.captured key={i}", 40)]),
            new ServiceTelemetry("ledger-writer", [.. Repeat("ERROR Error deserializing key/value for partition payments.captured-3 at offset 81723. If needed, please seek past the record", 25),
                .. Repeat("INFO committed offsets", 10)]),
            new ServiceTelemetry("search-indexer", [.. Repeat("ERROR timeout talking to es-data-1", 30)]),
        };

        var owner = ComponentOwner.Find(["payments.captured"], telemetry);

        Assert.NotNull(owner);
        Assert.Equal("ledger-writer", owner.Service);
        Assert.Equal(25, owner.FailingLines);
        Assert.Contains("payments.captured", owner.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NoServiceFailingOnIt_OrTwoFailingAlike_OwnsNothing()
    {
        var mentionsOnly = new[] { new ServiceTelemetry("payments-api", [.. Repeat("INFO published to payments.captured key={i}", 40)]) };
        Assert.Null(ComponentOwner.Find(["payments.captured"], mentionsOnly));

        var twoFailing = new[]
        {
            new ServiceTelemetry("ledger-writer", [.. Repeat("ERROR failed to consume payments.captured: broker down", 20)]),
            new ServiceTelemetry("fraud-scorer", [.. Repeat("ERROR failed to consume payments.captured: broker down", 15)]),
        };
        Assert.Null(ComponentOwner.Find(["payments.captured"], twoFailing));

        // A name must stand as a whole token: "orders" is not named by "orders-archive".
        var partial = new[] { new ServiceTelemetry("archiver", [.. Repeat("ERROR cannot write orders-archive/{i}", 20)]) };
        Assert.Null(ComponentOwner.Find(["orders"], partial));
    }

    [Fact]
    public void ComponentsOf_TakesAnUnlistedServiceLabelAndMessagingLabels_NotCatalogNames()
    {
        var labels = new Dictionary<string, string>
        {
            ["service"] = "ledger-cg", ["topic"] = "payments.captured", ["QueueName"] = "refund-requests", ["team"] = "payments", ["partition"] = "3",
        };

        var components = ComponentOwner.ComponentsOf(labels, name => name == "checkout");

        Assert.Equal(["ledger-cg", "payments.captured", "refund-requests"], components.Order(StringComparer.Ordinal));
        Assert.Empty(ComponentOwner.ComponentsOf(new Dictionary<string, string> { ["service"] = "checkout", ["team"] = "x" }, name => name == "checkout"));
        Assert.True(ComponentOwner.HasComponentLabel(labels));
        Assert.False(ComponentOwner.HasComponentLabel(new Dictionary<string, string> { ["pod"] = "checkout-7f9c-x2k", ["team"] = "x" }));
    }

    [Fact]
    public void ComponentsOf_TakesCloudWatchDimensionsOfQueuesAndDatabaseInstances_NotOtherDimensions()
    {
        var labels = new Dictionary<string, string>
        {
            ["dim_DBInstanceIdentifier"] = "checkout-prod-pg", ["dim_QueueName"] = "refund-requests", ["dim_LoadBalancer"] = "app/feed-api/50dc6c495c0c9188",
            ["alarm_name"] = "checkout-prod-pg-DatabaseConnectionsHigh",
        };

        var components = ComponentOwner.ComponentsOf(labels, _ => false);

        Assert.Equal(["checkout-prod-pg", "refund-requests"], components.Order(StringComparer.Ordinal));
        Assert.True(ComponentOwner.HasComponentLabel(labels));
        Assert.False(ComponentOwner.HasComponentLabel(new Dictionary<string, string> { ["dim_LoadBalancer"] = "app/feed-api/1" }));
    }
}
