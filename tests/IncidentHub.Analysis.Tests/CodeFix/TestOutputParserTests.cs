using IncidentHub.Analysis.CodeFix;

namespace IncidentHub.Analysis.Tests.CodeFix;

/// <summary>
/// Outputs captured from the real runners on this machine (pytest 7.2, python 3.11 unittest, node 20 --test with the TAP and
/// spec reporters, java 17 running a single-file test) under Fixtures/test-output; go test, dotnet test, Maven surefire and
/// the JUnit console launcher are not installed here, so theirs are written in their documented shapes.
/// </summary>
public sealed class TestOutputParserTests
{
    [Theory]
    [InlineData("pytest-failures.txt", 2, 3, new[] { "tests/test_calc.py::test_add_negative", "tests/test_calc.py::CalcTests::test_error", "tests/test_calc.py::CalcTests::test_wrong" })]
    [InlineData("pytest-passed.txt", 2, 0, new string[0])]
    [InlineData("unittest-failures.txt", 1, 2, new[] { "test_calc.CalcTests.test_error", "test_calc.CalcTests.test_wrong" })]
    [InlineData("unittest-verbose-failures.txt", 1, 2, new[] { "test_calc.CalcTests.test_error", "test_calc.CalcTests.test_wrong" })]
    [InlineData("unittest-passed.txt", 2, 0, new string[0])]
    [InlineData("node-tap-failures.txt", 3, 2, new[] { "fails on purpose", "nested bad" })]
    [InlineData("node-spec-failures.txt", 3, 2, new[] { "fails on purpose", "nested bad" })]
    [InlineData("java-console-failures.txt", 3, 1, new[] { "ProdConfigContractTest.prodReadTimeoutCoversInventoryP99" })]
    [InlineData("go-failures.txt", 1, 3, new[] { "TestCheckHonoursBurst", "TestLegacyPolicy" })]
    [InlineData("dotnet-failures.txt", 5, 1, new[] { "Orders.Api.Tests.CheckoutTests.Checkout_WhenPoolExhausted_Returns503" })]
    [InlineData("surefire-failures.txt", 2, 2, new[] { "PriceServiceTest.discountsOverstockedItems", "InventoryClientTest.readsStock" })]
    [InlineData("junit-console-failures.txt", 1, 1, new[] { "discountsOverstockedItems()" })]
    public void Parse_RealRunnerOutput_CountsAndNamesTheFailures(string sample, int passed, int failed, string[] failing)
    {
        var counts = TestOutputParser.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "test-output", sample)));

        Assert.True(counts.Recognised);
        Assert.Equal(passed, counts.Passed);
        Assert.Equal(failed, counts.Failed);
        Assert.Equal(failing, counts.FailingTests);
    }

    [Theory]
    [InlineData("12 passed, 1 failed", 12, 1)]
    [InlineData("build ok\n947 passed, 0 failed, 3 skipped\n", 947, 0)]
    [InlineData("1 failed, 3 passed in 0.12s", 3, 1)]
    [InlineData("===== 1 failed, 3 passed, 2 warnings, 1 error in 1.05s =====", 3, 2)]
    [InlineData("Ran 1 test in 0.000s\n\nOK\n", 1, 0)]
    [InlineData("# tests 2\n# pass 2\n# fail 0\n", 2, 0)]
    [InlineData("ok  \texample.com/quota/internal/store\t(cached)\n", 0, 0)]
    public void Parse_SummaryLines(string output, int passed, int failed)
    {
        var counts = TestOutputParser.Parse(output);

        Assert.True(counts.Recognised);
        Assert.Equal((passed, failed), (counts.Passed, counts.Failed));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(2, 1)]
    [InlineData(null, 0)]
    public void Parse_Unrecognised_FallsBackOnTheExitCode(int? exitCode, int failed)
    {
        var counts = TestOutputParser.Parse("all good, probably\n", exitCode);

        Assert.False(counts.Recognised);
        Assert.Equal(0, counts.Passed);
        Assert.Equal(failed, counts.Failed);
        Assert.Empty(counts.FailingTests);
    }

    [Fact]
    public void Parse_ManyFailures_KeepsAtMostFiftyNames()
    {
        var output = string.Concat(Enumerable.Range(1, 80).Select(i => $"FAILED tests/test_x.py::test_{i} - boom\n")) + "80 failed in 1.00s\n";

        var counts = TestOutputParser.Parse(output);

        Assert.Equal(80, counts.Failed);
        Assert.Equal(50, counts.FailingTests.Count);
    }
}
