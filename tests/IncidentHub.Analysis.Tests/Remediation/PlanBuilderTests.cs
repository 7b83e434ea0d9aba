using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Remediation;

namespace IncidentHub.Analysis.Tests.Remediation;

public sealed class PlanBuilderTests
{
    private static readonly Dictionary<string, string> NoneExcluded = [];

    private static readonly Playbook BadDeploy = new("bad deploy", ["bad-deploy-code"], [], ["Deploy"], false,
    [
        new(ToolRegistry.Rollback, "Roll {service} back to {previous_version}", "{service}",
            new Dictionary<string, string> { ["service"] = "{service}", ["to_version"] = "{previous_version}" },
            "roll forward to {current_version}", null, new(PostconditionKind.Metric, "error_ratio{service=\"{service}\"}", "<", 0.05, 5), ["Deploy"]),
        new(ToolRegistry.Silence, "Silence {alertname} for 60 min", "alertmanager",
            new Dictionary<string, string> { ["matchers"] = "alertname={alertname}", ["duration_minutes"] = "60" },
            "expire the silence", null, null, []),
        new(ToolRegistry.QueryMetric, "Read the error ratio", "prometheus",
            new Dictionary<string, string> { ["query"] = "error_ratio{service=\"{service}\"}" }, "nothing to undo", null, null, ["Metric"]),
    ]);

    private static readonly Playbook Unknown = new("unknown cause", [], [], [], true,
    [
        new(ToolRegistry.PageOwner, "Page {owner}", "{owner}", new Dictionary<string, string> { ["owner"] = "{owner}" }, "nothing to undo", null, null, []),
        new(ToolRegistry.Restart, "Restart {service}", "{service}", new Dictionary<string, string> { ["service"] = "{service}" }, "none", null, null, []),
    ]);

    private static PlanContext Context(bool unknown = false, HypothesisCategory? category = HypothesisCategory.BadDeployCode, params (string Name, string Value, ValueOrigin Origin)[] extra)
    {
        var values = new Dictionary<string, PlanValue>
        {
            ["service"] = new("checkout", ValueOrigin.Catalog),
            ["owner"] = new("payments-team", ValueOrigin.Catalog),
            ["alertname"] = new("HighErrorRate", ValueOrigin.AlertLabel),
            ["previous_version"] = new("2026.11.20-3", ValueOrigin.DeployRecord),
            ["current_version"] = new("2026.11.20-4", ValueOrigin.DeployRecord),
        };
        foreach (var (name, value, origin) in extra)
        {
            values[name] = new(value, origin);
        }

        return new PlanContext("INC-7", Severity.P1, "checkout", category, unknown, unknown ? 0.2 : 0.8, values, ["Deploy", "Metric", "Logs"],
            new Dictionary<string, IReadOnlyList<string>> { ["Deploy"] = ["obs-4"], ["Metric"] = ["obs-9", "obs-10"] });
    }

    [Fact]
    public void AMatchingPlaybook_GivesTypedActions_ReadFirst_WithTheirEvidenceAndPostcondition()
    {
        var plan = PlanBuilder.Build(Context(), [BadDeploy, Unknown], ToolRegistry.Default, NoneExcluded);

        Assert.Equal([ToolRegistry.QueryMetric, ToolRegistry.Rollback, ToolRegistry.Silence], plan.Actions.Select(a => a.Action.Tool));
        var rollback = plan.Actions.Single(a => a.Action.Tool == ToolRegistry.Rollback);
        Assert.Equal("2026.11.20-3", rollback.Action.Arguments["to_version"]);
        Assert.Equal(ValueOrigin.DeployRecord, rollback.Action.ArgumentOrigins["to_version"]);
        Assert.Equal(["obs-4"], rollback.Action.Why);
        Assert.Equal("roll forward to 2026.11.20-4", rollback.Action.Rollback);
        Assert.Equal("error_ratio{service=\"checkout\"} < 0.05 for 5 min", rollback.Action.Postcondition!.ToString());
        Assert.Equal(ActionTier.Reversible, rollback.Classification.Tier);
        Assert.Equal(Guardrails.Hash(ToolRegistry.Rollback, "checkout", rollback.Action.Arguments), rollback.Hash);
        Assert.Equal("Roll checkout back to 2026.11.20-3", rollback.Action.Title);
    }

    [Fact]
    public void AnUnknownDiagnosis_GetsReadActionsAndPagingOnly()
    {
        var plan = PlanBuilder.Build(Context(unknown: true, category: null), [BadDeploy, Unknown], ToolRegistry.Default, NoneExcluded);

        Assert.Equal([ToolRegistry.PageOwner], plan.Actions.Select(a => a.Action.Tool));
        Assert.Contains(plan.LeftOut, l => l.Contains("Restart checkout", StringComparison.Ordinal) && l.Contains("unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void ARejectedAction_IsLeftOutOfTheNextPlan_AndTheLeftOutListSaysWhy()
    {
        var first = PlanBuilder.Build(Context(), [BadDeploy], ToolRegistry.Default, NoneExcluded);
        var silence = first.Actions.Single(a => a.Action.Tool == ToolRegistry.Silence);

        var next = PlanBuilder.Build(Context(), [BadDeploy], ToolRegistry.Default,
            new Dictionary<string, string> { [silence.Hash] = "rejected by ana@example.com: the alert is our only signal" });

        Assert.DoesNotContain(next.Actions, a => a.Hash == silence.Hash);
        Assert.Equal(2, next.Actions.Count);
        Assert.Contains("excluded, rejected by ana@example.com: the alert is our only signal", Assert.Single(next.LeftOut), StringComparison.Ordinal);
    }

    [Fact]
    public void AnActionNeedingAValueTheIncidentLacks_IsLeftOut_NotGuessed()
    {
        var context = Context();
        var values = context.Values.Where(v => v.Key != "previous_version").ToDictionary();

        var plan = PlanBuilder.Build(context with { Values = values }, [BadDeploy], ToolRegistry.Default, NoneExcluded);

        Assert.DoesNotContain(plan.Actions, a => a.Action.Tool == ToolRegistry.Rollback);
        Assert.Contains(plan.LeftOut, l => l.Contains("needs {previous_version}", StringComparison.Ordinal));
    }

    [Fact]
    public void AnActionWhoseCheckCannotBeFilled_IsStillProposed_AndThePlanSaysItIsVerifiedByHand()
    {
        var withQuery = BadDeploy with
        {
            Actions = [BadDeploy.Actions[0] with { Postcondition = new(PostconditionKind.Metric, "{error_ratio_query}", "<", 0.05, 5) }],
        };

        var plan = PlanBuilder.Build(Context(), [withQuery], ToolRegistry.Default, NoneExcluded);

        var rollback = Assert.Single(plan.Actions);
        Assert.Null(rollback.Action.Postcondition);
        Assert.Contains("no automatic verification, its postcondition needs {error_ratio_query}", Assert.Single(plan.LeftOut), StringComparison.Ordinal);
    }

    [Fact]
    public void AValueThatCameFromLogText_CannotFillAnArgument()
    {
        var context = Context(extra: ("previous_version", "v1 && rm -rf /", ValueOrigin.LogText));

        var plan = PlanBuilder.Build(context, [BadDeploy], ToolRegistry.Default, NoneExcluded);

        Assert.DoesNotContain(plan.Actions, a => a.Action.Tool == ToolRegistry.Rollback);
        Assert.Contains(plan.LeftOut, l => l.Contains("argument 'to_version' came from log text", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(HypothesisCategory.BadDeployCode, "checkout", true)]
    [InlineData(HypothesisCategory.TrafficSpike, "checkout", false)]
    [InlineData(HypothesisCategory.BadDeployCode, null, true)]
    public void APlaybook_MatchesOnCategoryServiceAndEvidence(HypothesisCategory category, string? service, bool matches)
    {
        var scoped = BadDeploy with { Services = service is null ? [] : [service] };

        Assert.Equal(matches, PlanBuilder.Matches(scoped, Context(category: category)));
        Assert.False(PlanBuilder.Matches(scoped with { EvidenceKinds = ["Trace"] }, Context(category: category)));
    }
}
