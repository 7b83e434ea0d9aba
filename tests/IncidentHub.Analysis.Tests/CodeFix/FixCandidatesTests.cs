using IncidentHub.Analysis.CodeFix;

namespace IncidentHub.Analysis.Tests.CodeFix;

public sealed class FixCandidatesTests
{
    // git diff S S^ of a commit that dropped a guard in conversion() and, 20 lines on, changed the label format.
    private const string Reverse = """
        diff --git a/calc.py b/calc.py
        index 1111111..2222222 100644
        --- a/calc.py
        +++ b/calc.py
        @@ -2,7 +2,9 @@
         
         
         def conversion(orders, sessions):
        +    if sessions == 0:
        +        return 0.0
             return orders / sessions
         
         
         def helper_1(x):
        @@ -25,4 +27,4 @@ def helper_8(x):
         
         
         def label(rate):
        -    return f"{rate:.2%}"
        +    return f"{rate:.1%}"
        diff --git a/tests/test_calc.py b/tests/test_calc.py
        index 3333333..4444444 100644
        --- a/tests/test_calc.py
        +++ b/tests/test_calc.py
        @@ -12,4 +12,4 @@ class CalcTests(unittest.TestCase):
                 self.assertEqual(conversion(3, 0), 0.0)
         
             def test_label(self):
        -        self.assertEqual(label(0.25), "25.00%")
        +        self.assertEqual(label(0.25), "25.0%")
        
        """;

    [Fact]
    public void Parse_GitDiff_ReadsFilesHunksAndRendersBackTheSameText()
    {
        var files = UnifiedDiff.Parse(Reverse);

        Assert.Equal(["calc.py", "tests/test_calc.py"], files.Select(f => f.Path));
        Assert.Equal([2, 25], files[0].Hunks.Select(h => h.OldStart));
        Assert.Equal(UnifiedDiff.Render(files), Reverse.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Propose_FailingLineInOneHunk_OffersThatHunkAloneBeforeTheWholeRevert()
    {
        var candidates = FixCandidates.Propose("abcdef1234567", "Simplify conversion", Reverse,
            new Dictionary<string, IReadOnlySet<int>> { ["calc.py"] = new HashSet<int> { 5 } }, config: []);

        var hunks = Assert.Single(candidates, c => c.Kind == FixKind.RevertHunks);
        Assert.Contains("+    if sessions == 0:", hunks.Patch, StringComparison.Ordinal);
        Assert.DoesNotContain("rate:.1%", hunks.Patch, StringComparison.Ordinal);
        Assert.DoesNotContain("test_calc.py", hunks.Patch, StringComparison.Ordinal);
        Assert.Equal(["calc.py"], hunks.Files);
        var whole = Assert.Single(candidates, c => c.Kind == FixKind.RevertCommit);
        Assert.Equal(Reverse.Replace("\r\n", "\n", StringComparison.Ordinal), whole.Patch);
        Assert.Equal(64, whole.Hash.Length);
    }

    [Fact]
    public void Propose_NoFailingLineInTheCommit_OffersOnlyTheWholeRevert()
    {
        var candidates = FixCandidates.Propose("abcdef1234567", "Simplify conversion", Reverse, new Dictionary<string, IReadOnlySet<int>>(), config: []);

        Assert.Equal([FixKind.RevertCommit], candidates.Select(c => c.Kind));
    }

    [Fact]
    public void Propose_ConfigLine_RestoresOnlyThatKeyAndNamesItsPath()
    {
        const string config = """
            diff --git a/src/main/resources/application-prod.yml b/src/main/resources/application-prod.yml
            index 1111111..2222222 100644
            --- a/src/main/resources/application-prod.yml
            +++ b/src/main/resources/application-prod.yml
            @@ -7,6 +7,6 @@ spring:
             inventory:
               client:
                 base-url: http://inventory.prod.svc.cluster.local:8080
            -    connect-timeout: 100ms
            -    read-timeout: 200ms
            +    connect-timeout: 500ms
            +    read-timeout: 2000ms
             logging:
               level:
                 root: INFO

            """;
        var atCommit = new[] { "spring:", "  datasource:", "    url: x", "    hikari:", "      maximum-pool-size: 30", "      leak-detection-threshold: 20000",
            "inventory:", "  client:", "    base-url: http://inventory.prod.svc.cluster.local:8080", "    connect-timeout: 100ms", "    read-timeout: 200ms", "logging:" };

        var candidates = FixCandidates.Propose("b17887a2dae6", "Tighten timeouts", config, new Dictionary<string, IReadOnlySet<int>>(),
            [new ConfigLine("src/main/resources/application-prod.yml", 11)], atCommit);

        var restore = Assert.Single(candidates, c => c.Kind == FixKind.RestoreConfigValue);
        Assert.Equal("inventory.client.read-timeout", restore.ConfigKey);
        Assert.Equal("2000ms", restore.ConfigValue);
        Assert.Contains("-    read-timeout: 200ms\n+    read-timeout: 2000ms", restore.Patch, StringComparison.Ordinal);
        // The connect timeout that changed in the same hunk stays as it is: context, not a change.
        Assert.Contains("\n     connect-timeout: 100ms\n", restore.Patch, StringComparison.Ordinal);
        Assert.DoesNotContain("500ms", restore.Patch, StringComparison.Ordinal);
        Assert.Contains("@@ -7,6 +7,6 @@", restore.Patch, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplacedOldLines_ListsEveryChangedValue()
    {
        var file = UnifiedDiff.Parse(Reverse)[0];

        Assert.Equal([28], UnifiedDiff.ReplacedOldLines(file));
    }

    [Theory]
    [InlineData("inventory.client.read-timeout", "java.net.SocketTimeoutException: Read timed out", 2)]
    [InlineData("inventory.client.connect-timeout", "java.net.SocketTimeoutException: Read timed out", 1)]
    [InlineData("spring.datasource.hikari.maximumPoolSize", "java.net.SocketTimeoutException: Read timed out", 0)]
    public void EvidenceOverlap_CountsKeyWordsTheErrorsMention(string key, string evidence, int expected) =>
        Assert.Equal(expected, FixCandidates.EvidenceOverlap(key, evidence));

    [Theory]
    [InlineData("src/main/resources/application-prod.yml", true)]
    [InlineData("config/settings.toml", true)]
    [InlineData("deploy/values-production.yaml", true)]
    [InlineData("src/main/java/com/acme/Application.java", false)]
    [InlineData("internal/policy/evaluator.go", false)]
    public void IsConfigFile_ByExtensionAndPlace(string path, bool expected) => Assert.Equal(expected, FixCandidates.IsConfigFile(path));
}
