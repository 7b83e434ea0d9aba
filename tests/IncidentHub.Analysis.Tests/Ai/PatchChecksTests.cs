using IncidentHub.Analysis.Ai;

namespace IncidentHub.Analysis.Tests.Ai;

public sealed class PatchChecksTests
{
    private static readonly string[] Failing = ["src/calc.py"];

    private const string Good = "--- a/src/calc.py\n+++ b/src/calc.py\n@@ -1,2 +1,3 @@\n def f(x):\n+    if not x: return 0\n     return 1 / x\n";

    [Fact]
    public void Review_PlainUnifiedDiff_GetsGitHeadersAndIsKeptAsAnAiPatch()
    {
        var review = PatchChecks.Review(new CodeFixAnswer("Guard x", Good, null), Failing);

        Assert.Null(review.Rejection);
        Assert.StartsWith("diff --git a/src/calc.py b/src/calc.py\n--- a/src/calc.py", review.Patch!.Patch, StringComparison.Ordinal);
        Assert.Equal("Model-written patch (ai-patch): Guard x", review.Patch.Title);
        Assert.Equal(["src/calc.py"], review.Patch.Files);
    }

    [Theory]
    [InlineData("../etc/passwd", "outside the repository")]
    [InlineData("/etc/passwd", "outside the repository")]
    [InlineData(".git/hooks/pre-commit", "outside the repository")]
    [InlineData("src/billing.py", "neither a file of the failing lines nor a test")]
    public void Review_PatchTouchingAnotherPath_IsRejected(string path, string why)
    {
        var patch = $"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n";

        var review = PatchChecks.Review(new CodeFixAnswer("t", patch, null), Failing);

        Assert.Null(review.Patch);
        Assert.Contains(why, review.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_NewTestFile_IsAllowed_ButASymbolicLinkIsNot()
    {
        var test = "diff --git a/tests/test_calc.py b/tests/test_calc.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_calc.py\n@@ -0,0 +1 @@\n+import unittest\n";
        var link = "diff --git a/src/calc.py b/src/calc.py\nnew mode 120000\n--- a/src/calc.py\n+++ b/src/calc.py\n@@ -1 +1 @@\n-a\n+/etc/passwd\n";

        Assert.NotNull(PatchChecks.Review(new CodeFixAnswer("t", Good + test, null), Failing).Patch);
        Assert.Contains("does more than change text", PatchChecks.Review(new CodeFixAnswer("t", link, null), Failing).Rejection, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "no patch")]
    [InlineData("I would add a guard.", "not a unified diff")]
    public void Review_NoDiff_IsRejectedSayingSo(string? patch, string why) =>
        Assert.Contains(why, PatchChecks.Review(new CodeFixAnswer("t", patch, null), Failing).Rejection, StringComparison.Ordinal);

    [Fact]
    public void Review_TierAndApproval_AreRefused_WhateverThePatch()
    {
        var review = PatchChecks.Review(new CodeFixAnswer("t", Good, null, Tier: "READ", Approve: true), Failing);

        Assert.Equal(2, review.Refused.Count);
        Assert.Contains("tool registry", review.Refused[0], StringComparison.Ordinal);
        Assert.NotNull(review.Patch);
    }
}
