using System.Globalization;
using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.CodeFix;

/// <summary>
/// What a test run printed, as counts. <paramref name="Recognised"/> is false when no known summary was found:
/// then the counts only say whether the command succeeded (exit 0 = a passed run whose counts are unknown).
/// </summary>
public sealed record TestCounts(int Passed, int Failed, IReadOnlyList<string> FailingTests, bool Recognised);

/// <summary>
/// Reads the summary a test runner prints: pytest, python unittest, node --test (TAP and spec reporters),
/// go test, dotnet test, Maven surefire and the JUnit console, and a plain "N passed, N failed" line.
/// Errors count as failures. Only the output is read; the runner itself is never trusted to be one of these.
/// </summary>
public static partial class TestOutputParser
{
    private const int MaxFailingNames = 50;

    public static TestCounts Parse(string output) => Parse(output, exitCode: null);

    /// <summary>With the exit code, an unrecognised output still tells pass (0) from fail (anything else).</summary>
    public static TestCounts Parse(string output, int? exitCode)
    {
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        foreach (var reader in new Func<string[], TestCounts?>[] { DotnetTest, Surefire, JUnitConsole, Pytest, Unittest, NodeTest, GoTest, PlainSummary })
        {
            if (reader(lines) is { } counts)
            {
                return counts;
            }
        }

        return new TestCounts(0, exitCode is null or 0 ? 0 : 1, [], false);
    }

    // dotnet test (VSTest): "Failed!  - Failed:     1, Passed:     3, Skipped:     0, Total:     4, Duration: 9 ms - X.Tests.dll (net10.0)",
    // one line per test project; failing tests as "  Failed Namespace.Class.Method [3 ms]".
    private static TestCounts? DotnetTest(string[] lines)
    {
        int passed = 0, failed = 0;
        var seen = false;
        var names = new List<string>();
        foreach (var line in lines)
        {
            if (DotnetSummary().Match(line) is { Success: true } m)
            {
                seen = true;
                failed += Int(m.Groups["failed"]);
                passed += Int(m.Groups["passed"]);
            }
            else if (DotnetFailedTest().Match(line) is { Success: true } f)
            {
                names.Add(f.Groups["name"].Value);
            }
        }

        return seen ? Counts(passed, failed, names) : null;
    }

    // Maven surefire: the last "Tests run: 4, Failures: 1, Errors: 0, Skipped: 0" is the total (per-class lines come first);
    // failing tests under "[ERROR] Failures:" / "[ERROR] Errors:" as "[ERROR]   PriceServiceTest.discounts:25 expected..."
    // and console checks in the JUnit style as "[X] name" or "✘ name".
    private static TestCounts? Surefire(string[] lines)
    {
        Match? total = null;
        var names = new List<string>();
        var inList = false;
        foreach (var line in lines)
        {
            if (SurefireTotal().Match(line) is { Success: true } m)
            {
                total = m;
                inList = false;
                continue;
            }

            if (SurefireListHeader().IsMatch(line))
            {
                inList = true;
                continue;
            }

            if (inList && SurefireListEntry().Match(line) is { Success: true } entry)
            {
                names.Add(entry.Groups["name"].Value);
                continue;
            }

            inList = inList && line.StartsWith("[ERROR]   ", StringComparison.Ordinal);
            if (MarkedFailure().Match(line) is { Success: true } marked)
            {
                names.Add(marked.Groups["name"].Value);
            }
        }

        if (total is null)
        {
            return null;
        }

        var run = Int(total.Groups["run"]);
        var failed = Int(total.Groups["failures"]) + Int(total.Groups["errors"]);
        var skipped = Int(total.Groups["skipped"]);
        return Counts(Math.Max(0, run - failed - skipped), failed, names);
    }

    // JUnit Platform console launcher: "[         4 tests successful      ]", "[         1 tests failed          ]",
    // failing tests in the tree as "│     └─ discountsOverstockedItems() ✘ expected: ...".
    private static TestCounts? JUnitConsole(string[] lines)
    {
        int? passed = null, failed = null;
        var names = new List<string>();
        foreach (var line in lines)
        {
            if (JUnitSummary().Match(line) is { Success: true } m)
            {
                if (m.Groups["what"].Value == "successful")
                {
                    passed = Int(m.Groups["n"]);
                }
                else
                {
                    failed = Int(m.Groups["n"]);
                }
            }
            else if (JUnitTreeFailure().Match(line) is { Success: true } f)
            {
                names.Add(f.Groups["name"].Value.Trim());
            }
        }

        return passed is null && failed is null ? null : Counts(passed ?? 0, failed ?? 0, names);
    }

    // pytest: "=== 1 failed, 3 passed, 1 skipped in 0.12s ===" (-q drops the equals signs), failing tests as
    // "FAILED tests/test_x.py::test_y - AssertionError" and "ERROR tests/test_x.py::test_z".
    private static TestCounts? Pytest(string[] lines)
    {
        Match? summary = null;
        var names = new List<string>();
        foreach (var line in lines)
        {
            if (PytestSummary().Match(line) is { Success: true } m)
            {
                summary = m;
            }
            else if (PytestFailed().Match(line) is { Success: true } f)
            {
                names.Add(f.Groups["name"].Value);
            }
        }

        if (summary is null)
        {
            return null;
        }

        int passed = 0, failed = 0;
        foreach (var part in PytestPart().Matches(summary.Groups["parts"].Value).Cast<Match>())
        {
            var n = Int(part.Groups["n"]);
            switch (part.Groups["what"].Value)
            {
                case "passed":
                    passed += n;
                    break;
                case "failed" or "error" or "errors":
                    failed += n;
                    break;
            }
        }

        return Counts(passed, failed, names);
    }

    // python -m unittest: "Ran 4 tests in 0.001s", then "OK", "OK (skipped=1)" or "FAILED (failures=1, errors=1, skipped=1)";
    // failing tests as "FAIL: test_wrong (test_calc.CalcTests.test_wrong)" and "ERROR: test_error (...)".
    private static TestCounts? Unittest(string[] lines)
    {
        int? ran = null;
        int failed = 0, skipped = 0;
        var names = new List<string>();
        foreach (var line in lines)
        {
            if (UnittestRan().Match(line) is { Success: true } m)
            {
                ran = Int(m.Groups["n"]);
            }
            else if (ran is not null && UnittestResult().Match(line) is { Success: true } r)
            {
                foreach (var part in UnittestResultPart().Matches(r.Groups["parts"].Value).Cast<Match>())
                {
                    var n = Int(part.Groups["n"]);
                    switch (part.Groups["what"].Value)
                    {
                        case "failures" or "errors" or "unexpected_successes":
                            failed += n;
                            break;
                        case "skipped":
                            skipped += n;
                            break;
                    }
                }
            }
            else if (UnittestFailure().Match(line) is { Success: true } f)
            {
                names.Add(f.Groups["id"].Success ? f.Groups["id"].Value : f.Groups["name"].Value);
            }
        }

        return ran is { } total ? Counts(Math.Max(0, total - failed - skipped), failed, names) : null;
    }

    // node --test: TAP ("# pass 3", "# fail 1", "not ok 2 - name") or spec ("ℹ pass 3", "✖ name (1.2ms)").
    // A suite whose subtests failed is reported as failed too (TAP failureType 'subtestsFailed'; spec "▶ name" before): not a test of its own.
    private static TestCounts? NodeTest(string[] lines)
    {
        int? passed = null, failed = null;
        var names = new List<string>();
        var suites = lines.Select(l => SpecSuite().Match(l)).Where(m => m.Success).Select(m => m.Groups["name"].Value.Trim()).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (NodeCount().Match(line) is { Success: true } m)
            {
                if (m.Groups["what"].Value == "pass")
                {
                    passed = Int(m.Groups["n"]);
                }
                else
                {
                    failed = Int(m.Groups["n"]);
                }
            }
            else if (TapNotOk().Match(line) is { Success: true } t && !SuiteOfFailedSubtests(lines, i))
            {
                names.Add(t.Groups["name"].Value.Trim());
            }
            else if (SpecFailure().Match(line) is { Success: true } s && !suites.Contains(s.Groups["name"].Value.Trim()))
            {
                names.Add(s.Groups["name"].Value.Trim());
            }
        }

        return passed is null || failed is null ? null : Counts(passed.Value, failed.Value, names);
    }

    private static bool SuiteOfFailedSubtests(string[] lines, int notOk)
    {
        for (var i = notOk + 1; i < lines.Length && i < notOk + 20; i++)
        {
            var text = lines[i].Trim();
            if (text == "...")
            {
                return false;
            }

            if (text.StartsWith("failureType:", StringComparison.Ordinal))
            {
                return text.Contains("subtestsFailed", StringComparison.Ordinal);
            }
        }

        return false;
    }

    // go test: "--- FAIL: TestX (0.00s)" / "--- PASS: TestY" (top level; subtests are indented), package lines
    // "ok  \tpkg\t0.01s" and "FAIL\tpkg\t0.01s". Without -v passing tests are not listed, so Passed counts only those seen.
    private static TestCounts? GoTest(string[] lines)
    {
        int passed = 0, failed = 0, failedInPackage = 0;
        var packages = false;
        var names = new List<string>();
        foreach (var line in lines)
        {
            if (GoResult().Match(line) is { Success: true } m)
            {
                if (m.Groups["what"].Value == "PASS")
                {
                    passed++;
                }
                else
                {
                    failed++;
                    failedInPackage++;
                    names.Add(m.Groups["name"].Value);
                }
            }
            else if (GoPackage().Match(line) is { Success: true } p)
            {
                packages = true;
                // A package that failed without a failing test did not build (or panicked outside a test): one failure.
                failed += p.Value.StartsWith("FAIL", StringComparison.Ordinal) && failedInPackage == 0 ? 1 : 0;
                failedInPackage = 0;
            }
        }

        return packages ? Counts(passed, failed, names) : null;
    }

    // The closing line our own CI and many scripts print: "12 passed, 1 failed" (either part may come first or alone).
    private static TestCounts? PlainSummary(string[] lines)
    {
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            if (Plain().Match(lines[i]) is { Success: true } m)
            {
                return Counts(m.Groups["passed"].Success ? Int(m.Groups["passed"]) : m.Groups["passed2"].Success ? Int(m.Groups["passed2"]) : 0,
                    m.Groups["failed"].Success ? Int(m.Groups["failed"]) : m.Groups["failed2"].Success ? Int(m.Groups["failed2"]) : 0, []);
            }
        }

        return null;
    }

    private static TestCounts Counts(int passed, int failed, List<string> names) =>
        new(passed, failed, [.. names.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Take(MaxFailingNames)], true);

    private static int Int(Group g) => int.Parse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s*(?:Passed|Failed)!\s+-\s+Failed:\s+(?<failed>\d+),\s+Passed:\s+(?<passed>\d+),")]
    private static partial Regex DotnetSummary();

    [GeneratedRegex(@"^\s+Failed (?<name>[\w.`+<>,\[\]()""' -]+?) \[[^\]]*\]\s*$")]
    private static partial Regex DotnetFailedTest();

    [GeneratedRegex(@"^(?:\[\w+\]\s+)?Tests run:\s*(?<run>\d+),\s*Failures:\s*(?<failures>\d+),\s*Errors:\s*(?<errors>\d+)(?:,\s*Skipped:\s*(?<skipped>\d+))?\s*$")]
    private static partial Regex SurefireTotal();

    [GeneratedRegex(@"^\[ERROR\] (?:Failures|Errors):\s*$")]
    private static partial Regex SurefireListHeader();

    [GeneratedRegex(@"^\[ERROR\]   (?:Run \d+: )?(?<name>[\w$.]+?)(?::\d+)?(?:\s|$)")]
    private static partial Regex SurefireListEntry();

    [GeneratedRegex(@"^[\s│├└─]*(?:\[X\]|✘)\s+(?<name>[^\s:]+(?:\(\))?)")]
    private static partial Regex MarkedFailure();

    [GeneratedRegex(@"^\[\s*(?<n>\d+) tests (?<what>successful|failed)\s*\]")]
    private static partial Regex JUnitSummary();

    [GeneratedRegex(@"^[\s│├└─]+(?<name>\S[^✘]*?)\s+✘")]
    private static partial Regex JUnitTreeFailure();

    [GeneratedRegex(@"^=*\s*(?<parts>\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)(?:, \d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?))*) in [\d.]+s(?: \([^)]*\))?\s*=*\s*$")]
    private static partial Regex PytestSummary();

    [GeneratedRegex(@"(?<n>\d+) (?<what>\w+)")]
    private static partial Regex PytestPart();

    [GeneratedRegex(@"^(?:FAILED|ERROR) (?<name>\S+::\S+|\S+\.py)")]
    private static partial Regex PytestFailed();

    [GeneratedRegex(@"^Ran (?<n>\d+) tests? in [\d.]+s\s*$")]
    private static partial Regex UnittestRan();

    [GeneratedRegex(@"^(?:OK|FAILED)(?: \((?<parts>[^)]*)\))?\s*$")]
    private static partial Regex UnittestResult();

    [GeneratedRegex(@"(?<what>\w+)=(?<n>\d+)")]
    private static partial Regex UnittestResultPart();

    // 3.11+: "FAIL: test_x (mod.Class.test_x)"; older: "FAIL: test_x (mod.Class)".
    [GeneratedRegex(@"^(?:FAIL|ERROR): (?<name>\S+) \((?<id>[\w.]+\.\k<name>)?[^)]*\)")]
    private static partial Regex UnittestFailure();

    [GeneratedRegex(@"^(?:#|ℹ) (?<what>pass|fail) (?<n>\d+)\s*$")]
    private static partial Regex NodeCount();

    [GeneratedRegex(@"^\s*not ok \d+ - (?<name>.+?)(?:\s+#\s+(?:SKIP|TODO).*)?$")]
    private static partial Regex TapNotOk();

    [GeneratedRegex(@"^\s*✖ (?<name>.+?) \([\d.]+m?s\)\s*$")]
    private static partial Regex SpecFailure();

    [GeneratedRegex(@"^\s*▶ (?<name>.+?)\s*$")]
    private static partial Regex SpecSuite();

    [GeneratedRegex(@"^--- (?<what>PASS|FAIL): (?<name>\S+)")]
    private static partial Regex GoResult();

    [GeneratedRegex(@"^(?:ok  |FAIL)\t\S+(?:\t| \[)")]
    private static partial Regex GoPackage();

    [GeneratedRegex(@"^\s*(?:(?<passed>\d+) passed(?:, (?<failed>\d+) failed)?|(?<failed2>\d+) failed(?:, (?<passed2>\d+) passed)?)(?:, \d+ skipped)?\.?\s*$")]
    private static partial Regex Plain();
}
