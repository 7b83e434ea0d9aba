using IncidentHub.Analysis.Remediation;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Remediation.Playbooks;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>What Admins write is checked before it is stored: a typo in a tool or a placeholder is refused with its place.</summary>
public sealed class PlaybookYamlTests
{
    [Fact]
    public void TheShippedPlaybooks_Parse_AndUseOnlyRegisteredTools()
    {
        var playbooks = PlaybookYaml.Parse(File.ReadAllText(Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "playbooks.yaml")));

        Assert.True(playbooks.Count >= 5);
        Assert.All(playbooks.SelectMany(p => p.Actions), a => Assert.NotNull(ToolRegistry.Default.Find(a.Tool)));
        Assert.Single(playbooks, p => p.Unknown);
        // An unknown diagnosis gets evidence gathering and paging only.
        Assert.All(playbooks.Single(p => p.Unknown).Actions, a => Assert.Equal(ActionTier.Read, ToolRegistry.Default.Find(a.Tool)!.Tier));
    }

    [Fact]
    public void APlaybook_ReadsBackAsItWasWritten_ForTheEditor()
    {
        var shipped = PlaybookYaml.Parse(File.ReadAllText(Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "playbooks.yaml")));

        foreach (var playbook in shipped)
        {
            var again = Assert.Single(PlaybookYaml.Parse(PlaybookYaml.Serialize(playbook)));
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(playbook), System.Text.Json.JsonSerializer.Serialize(again));
        }
    }

    [Theory]
    [InlineData("tool: kubectl.delete", "'kubectl.delete' is not a registered tool")]
    [InlineData("tool: runbook.restart\n    arguments: { service: \"{servise}\" }", "{servise} is not a plan value")]
    [InlineData("tool: runbook.restart\n    postcondition: { kind: metric, query: q, comparison: \"==\", threshold: 1 }", "compares with <, <=, > or >=")]
    public void AMistake_IsRefused_SayingWhereAndWhat(string action, string expected)
    {
        var yaml = $"""
            name: broken
            categories: [bad-deploy-code]
            actions:
              - {action}
                title: t
                target: x
                rollback: none
            """;

        var error = Assert.Throws<InvalidPlaybookException>(() => PlaybookYaml.Parse(yaml));

        Assert.Contains("Playbook 'broken', action 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownCategory_IsRefused_ListingTheRealOnes()
    {
        var error = Assert.Throws<InvalidPlaybookException>(() => PlaybookYaml.Parse("name: x\ncategories: [bad-deploy]\nactions: []"));

        Assert.Contains("'bad-deploy' is not a category (use bad-deploy-code,", error.Message, StringComparison.Ordinal);
    }
}
