using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Tests.Diagnosis;

public sealed class ChangeCorrelatorTests
{
    private static readonly DateTimeOffset Onset = new(2026, 3, 2, 10, 12, 0, TimeSpan.Zero);

    private static Cited<CommitInfo> Commit(string id, string sha, double hoursBeforeOnset, string subject, params string[] files) =>
        new(id, new CommitInfo(sha, "dev", Onset.AddHours(-hoursBeforeOnset), subject, files, []));

    private static Cited<DeployEvent> Deploy(string id, string service, string version, string sha, double hoursBeforeOnset) =>
        new(id, new DeployEvent(service, version, sha, Onset.AddHours(-hoursBeforeOnset)));

    private static readonly string ShaOld = new('a', 40);
    private static readonly string ShaBug = new('b', 40);
    private static readonly string ShaBump = new('c', 40);
    private static readonly string ShaRelease = new('d', 40);

    private static readonly List<Cited<CommitInfo>> Commits =
    [
        Commit("c-old", ShaOld, 200, "initial import", "orders/pricing.py"),
        Commit("c-bug", ShaBug, 3, "pricing: use the cached price table", "orders/pricing.py"),
        Commit("c-bump", ShaBump, 2.5, "bump pydantic", "pyproject.toml"),
        Commit("c-rel", ShaRelease, 2, "release 2.4.0", "CHANGELOG.md"),
    ];

    [Fact]
    public void BlameOfAFailingFrame_OnACommitTheDeployShipped_IsTheSuspect()
    {
        List<Cited<DeployEvent>> deploys = [Deploy("d1", "orders", "2.3.0", ShaOld, 150), Deploy("d2", "orders", "2.4.0", ShaRelease, 0.25)];
        List<Cited<BlameLine>> blame = [new("b1", new BlameLine("orders/pricing.py", 17, ShaBug, "return sum(...)")), new("b2", new BlameLine("orders/api.py", 48, ShaOld, "total = ..."))];

        var result = ChangeCorrelator.Correlate("orders", Onset, deploys, Commits, blame);

        var best = result.BestBlame;
        Assert.NotNull(best);
        Assert.Equal((ShaBug, "orders/pricing.py", 17, "2.4.0"), (best.Commit, best.File, best.Line, best.Version));
        Assert.Contains("b1", best.EvidenceIds);
        Assert.Contains("d2", best.EvidenceIds);
        Assert.Equal(best, result.Candidates[0]);
        var window = Assert.Single(result.RecentDeploys);
        Assert.Equal(["c-bug", "c-bump", "c-rel"], window.Commits.Select(c => c.EvidenceId));
    }

    [Fact]
    public void DeployOfAnotherService_IsIgnored()
    {
        List<Cited<DeployEvent>> deploys = [Deploy("d1", "orders", "2.3.0", ShaOld, 150), Deploy("d9", "payments", "7.1.0", new string('e', 40), 0.1)];

        var result = ChangeCorrelator.Correlate("orders", Onset, deploys, Commits, []);

        Assert.Empty(result.RecentDeploys);
        Assert.DoesNotContain(result.Candidates, c => c.Version == "7.1.0");
    }

    [Fact]
    public void FailedDeploy_AndDeployAfterTheOnset_AreNotSuspects()
    {
        List<Cited<DeployEvent>> deploys =
        [
            new("d1", new DeployEvent("orders", "2.4.0", ShaRelease, Onset.AddMinutes(-20), Status: "failed")),
            Deploy("d2", "orders", "2.5.0", ShaRelease, -1),
        ];

        var result = ChangeCorrelator.Correlate("orders", Onset, deploys, Commits, []);

        Assert.Empty(result.RecentDeploys);
        Assert.Empty(result.Candidates);
    }

    [Fact]
    public void BlameOnOldCode_GivesNoBlameHit()
    {
        List<Cited<DeployEvent>> deploys = [Deploy("d1", "orders", "2.3.0", ShaOld, 150), Deploy("d2", "orders", "2.4.0", ShaRelease, 0.25)];

        var result = ChangeCorrelator.Correlate("orders", Onset, deploys, Commits, [new("b2", new BlameLine("orders/api.py", 48, ShaOld, "x"))]);

        Assert.Null(result.BestBlame);
        Assert.Equal("2.4.0", Assert.Single(result.RecentDeploys).Deploy.Fact.Version);
    }

    [Fact]
    public void ConfigFileInTheDeploy_IsAConfigCandidate_ButDependencyManifestsAreNot()
    {
        var configSha = new string('f', 40);
        List<Cited<CommitInfo>> commits = [.. Commits, Commit("c-cfg", configSha, 1, "lower pool size", "deploy/values-prod.yaml")];
        List<Cited<DeployEvent>> deploys = [Deploy("d1", "orders", "2.3.0", ShaOld, 150), Deploy("d3", "orders", "2.4.1", configSha, 0.5)];

        var config = ChangeCorrelator.Correlate("orders", Onset, deploys, commits, []).BestConfig;

        Assert.NotNull(config);
        Assert.Equal((configSha, "deploy/values-prod.yaml"), (config.Commit, config.File));
        Assert.False(ChangeCorrelator.IsConfigFile("pyproject.toml"));
        Assert.False(ChangeCorrelator.IsConfigFile(".github/workflows/ci.yml"));
        Assert.True(ChangeCorrelator.IsConfigFile("src/Api/appsettings.Production.json"));
        Assert.True(ChangeCorrelator.IsConfigFile("config/feature_flags.toml"));
        Assert.False(ChangeCorrelator.IsConfigFile("orders/pricing.py"));
    }

    [Fact]
    public void ReleaseTag_IdentifiesTheDeployedCommitWhenTheDeployHasNone()
    {
        List<Cited<CommitInfo>> commits =
        [
            Commit("c-old", ShaOld, 200, "initial import", "orders/pricing.py") with { },
            Commit("c-bug", ShaBug, 3, "pricing change", "orders/pricing.py"),
        ];
        commits[0] = commits[0] with { Fact = commits[0].Fact with { Tags = ["v2.3.0"] } };
        commits[1] = commits[1] with { Fact = commits[1].Fact with { Tags = ["v2.4.0"] } };
        List<Cited<DeployEvent>> deploys =
        [
            new("d1", new DeployEvent("orders", "2.3.0", null, Onset.AddHours(-150))),
            new("d2", new DeployEvent("orders", "2.4.0", null, Onset.AddMinutes(-15))),
        ];

        var result = ChangeCorrelator.Correlate("orders", Onset, deploys, commits, [new("b1", new BlameLine("orders/pricing.py", 17, ShaBug[..12], "x"))]);

        Assert.Equal(ShaBug, result.BestBlame?.Commit);
    }

    [Fact]
    public void ARulesOrSettingsFileCommittedWithoutADeploy_IsAConfigCandidate()
    {
        List<Cited<CommitInfo>> commits = [Commit("c-rules", ShaBug, 0.5, "tighten fraud rules", "fraud/rules/limits.json")];

        var result = ChangeCorrelator.Correlate("orders", Onset, [], commits, []);

        Assert.Equal((ShaBug, "fraud/rules/limits.json"), (result.BestConfig?.Commit, result.BestConfig?.File));
        Assert.True(ChangeCorrelator.IsConfigFile("alerting/payments.rules"));
        Assert.False(ChangeCorrelator.IsConfigFile("internal/policy/policy.go"));
    }

    [Fact]
    public void Explained_RanksEveryCommitOfTheDeployByTheFailingFramesItTouches()
    {
        List<Cited<DeployEvent>> deploys = [Deploy("d1", "orders", "2.3.0", ShaOld, 150), Deploy("d2", "orders", "2.4.0", ShaRelease, 1)];
        var failure = new FailureContext(
            [new StackFrame("price_for", "/srv/orders/pricing.py", 17, true), new StackFrame("handle", "/srv/orders/app.py", 9, true)],
            ChangeCorrelator.Words("KeyError: cached price missing"), []);

        var result = ChangeCorrelator.Correlate("orders", Onset, deploys, Commits, [], failure: failure);

        var best = Assert.IsType<ChangeCandidate>(result.BestExplained);
        Assert.Equal((ShaBug, "orders/pricing.py", 17, "2.4.0"), (best.Commit, best.File, best.Line, best.Version));
        Assert.Contains("cached", best.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Explained!, c => c.Commit == ShaRelease || c.Commit == ShaBump);
    }

    [Fact]
    public void Explained_BlameOutranksAnotherCommitWhoseHunkMerelySpansTheFailingLine()
    {
        List<Cited<DeployEvent>> deploys = [Deploy("d1", "orders", "2.3.0", ShaOld, 150), Deploy("d2", "orders", "2.4.0", ShaRelease, 1)];
        List<Cited<CommitInfo>> commits =
        [
            Commit("c-old", ShaOld, 200, "initial import", "orders/pricing.py"),
            Commit("c-fmt", ShaBump, 4, "pricing: reformat", "orders/pricing.py"),
            Commit("c-bug", ShaBug, 3, "pricing: divide by the region count", "orders/pricing.py"),
            Commit("c-rel", ShaRelease, 2, "release 2.4.0", "CHANGELOG.md"),
        ];
        const string Reformat = "+++ b/orders/pricing.py\n@@ -10,20 +10,20 @@\n-x\n+x\n";
        var failure = new FailureContext([new StackFrame("price_for", "/srv/orders/pricing.py", 17, true)], [], [new("diff-fmt", new CommitDiff(ShaBump, Reformat))]);
        List<Cited<BlameLine>> blame = [new("bl-17", new BlameLine("orders/pricing.py", 17, ShaBug, "return total / regions"))];

        var result = ChangeCorrelator.Correlate("orders", Onset, deploys, commits, blame, failure: failure);

        Assert.Equal(ShaBug, result.BestExplained?.Commit);
        Assert.Contains("bl-17", result.BestExplained!.EvidenceIds);
    }
}
