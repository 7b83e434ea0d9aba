using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

public sealed class GroupingSimulatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static (DateTimeOffset, NormalisedAlert) At(int minutes, string fingerprint, string service, string alertname, AlertStatus status = AlertStatus.Firing, string sourceGroup = "g") =>
        (T0.AddMinutes(minutes), new NormalisedAlert(fingerprint, sourceGroup, $"{alertname} on {service}", status,
            new Dictionary<string, string> { ["service"] = service, ["alertname"] = alertname }, [], T0.AddMinutes(minutes), null, null));

    private static GroupingRules GroupBy(params string[] keys) => GroupingRules.Default with { GroupBy = keys };

    [Fact]
    public void SourceGrouping_PutsEverythingWithOneSourceKeyInOneIncident()
    {
        var result = GroupingSimulator.Run(SourceKind.Alertmanager, GroupingRules.Default,
            [At(0, "a", "payments", "HighErrorRate"), At(1, "b", "checkout", "Latency"), At(2, "a", "payments", "HighErrorRate")]);

        var incident = Assert.Single(result.Incidents);
        Assert.Equal(2, incident.Alerts);
        Assert.Equal(3, incident.Notifications);
        Assert.Equal(2, result.Alerts);
    }

    [Fact]
    public void GroupByServiceAndAlertname_SplitsIncidents_AndNamesTheFields()
    {
        var result = GroupingSimulator.Run(SourceKind.Alertmanager, GroupBy("service", "alertname"),
            [At(0, "a", "payments", "HighErrorRate"), At(1, "b", "checkout", "Latency"), At(2, "c", "payments", "HighErrorRate")]);

        Assert.Equal(2, result.Incidents.Count);
        Assert.Equal("service=payments, alertname=HighErrorRate", result.Incidents[0].Fields);
        Assert.Equal(2, result.Incidents[0].Alerts);
    }

    [Fact]
    public void MaxIncidentAge_OpensANewIncidentInsteadOfAbsorbingForever()
    {
        var rules = GroupBy("service") with { MaxIncidentAge = TimeSpan.FromHours(1) };

        var result = GroupingSimulator.Run(SourceKind.Alertmanager, rules,
            [At(0, "a", "payments", "X"), At(30, "b", "payments", "X"), At(90, "c", "payments", "X")]);

        Assert.Equal([2, 1], result.Incidents.Select(i => i.Alerts));
        Assert.True(rules.CanJoin(T0, T0.AddMinutes(59), out _));
        Assert.False(rules.CanJoin(T0, T0.AddMinutes(61), out var why));
        Assert.Contains("older than the 1 h maximum age", why, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenThreshold_HoldsAlertsUntilEnoughFireWithinTheWindow()
    {
        var rules = GroupBy("service") with { OpenThreshold = 3, ThresholdWindow = TimeSpan.FromMinutes(5) };

        var slow = GroupingSimulator.Run(SourceKind.Alertmanager, rules, [At(0, "a", "db", "X"), At(10, "b", "db", "X"), At(20, "c", "db", "X")]);
        var burst = GroupingSimulator.Run(SourceKind.Alertmanager, rules, [At(0, "a", "db", "X"), At(1, "b", "db", "X"), At(2, "c", "db", "X")]);

        Assert.Empty(slow.Incidents);
        Assert.Equal(3, slow.HeldBelowThreshold);
        Assert.Equal(3, Assert.Single(burst.Incidents).Alerts);
    }

    [Fact]
    public void PerAlertResolution_ResolvesOnlyWhenAllHaveResolved_OrNeverWhenTurnedOff()
    {
        (DateTimeOffset, NormalisedAlert)[] story =
            [At(0, "a", "db", "X"), At(1, "b", "db", "X"), At(2, "a", "db", "X", AlertStatus.Resolved), At(3, "b", "db", "X", AlertStatus.Resolved)];

        var auto = GroupingSimulator.Run(SourceKind.Alertmanager, GroupingRules.Default, story);
        var manual = GroupingSimulator.Run(SourceKind.Alertmanager, GroupingRules.Default with { ResolveWhenAllResolved = false }, story);

        Assert.Equal(T0.AddMinutes(3), Assert.Single(auto.Incidents).ResolvedAt);
        Assert.Null(Assert.Single(manual.Incidents).ResolvedAt);
    }

    [Fact]
    public void FingerprintKeys_ForGenericSources_DecideWhatCountsAsOneAlert()
    {
        var rules = GroupingRules.Default with { FingerprintKeys = ["service"] };
        var first = At(0, "fp-1", "db", "X").Item2;
        var second = At(1, "fp-2", "db", "X").Item2;

        Assert.Equal(rules.FingerprintOf(SourceKind.Generic, first), rules.FingerprintOf(SourceKind.Generic, second));
        Assert.Equal("fp-1", rules.FingerprintOf(SourceKind.Alertmanager, first));
    }

    [Theory]
    [InlineData(0, null, "threshold")]
    [InlineData(1, 0.5, "maximum incident age")]
    public void Validate_SaysWhatIsWrong(int threshold, double? maxAgeMinutes, string expected)
    {
        var rules = GroupingRules.Default with { OpenThreshold = threshold, MaxIncidentAge = maxAgeMinutes is { } m ? TimeSpan.FromMinutes(m) : null };

        Assert.Contains(expected, rules.Validate(), StringComparison.Ordinal);
        Assert.Null(GroupingRules.Default.Validate());
        Assert.Contains("not a label key", (GroupingRules.Default with { GroupBy = ["ser vice"] }).Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_NamesTheRuleFieldsAndWindow()
    {
        var rules = GroupBy("service", "alertname") with { MaxIncidentAge = TimeSpan.FromMinutes(5) };
        var group = rules.GroupOf(At(0, "a", "payments", "HighErrorRate").Item2);

        Assert.Equal("rule 'group by service, alertname': service=payments, alertname=HighErrorRate, within 5 min", rules.Explain(group));
    }
}
