using System.Diagnostics;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>
/// A small real Python repository built with the git CLI, the shape of a typical bad deploy: a base with a tested
/// conversion function and a label formatter; a suspect commit that drops the zero guard in conversion (the failing line)
/// and, unrelated, shows labels with two decimals; then later commits that the variants choose.
/// </summary>
public sealed class FixRepository : IDisposable
{
    public const string TestCommand = "python3 -m unittest discover -s tests -v";

    private static readonly string Filler = string.Concat(Enumerable.Range(1, 8).Select(i => $"\n\ndef helper_{i}(x):\n    return x + {i}\n"));

    private FixRepository(string path) => Path = path;

    public string Path { get; }
    public string Suspect { get; private set; } = "";

    /// <summary>The line of <c>return orders / sessions</c> in calc.py at HEAD: where ZeroDivisionError is raised.</summary>
    public int FailingLine { get; private set; }

    /// <param name="laterTestNeedsTwoDecimals">A later commit adds a test that only passes with the suspect commit's label change.</param>
    /// <param name="laterEditOfFailingLine">A later commit rewrites the failing function, so undoing the suspect hunk cannot apply.</param>
    public static FixRepository Create(bool laterTestNeedsTwoDecimals = false, bool laterEditOfFailingLine = false)
    {
        var repo = new FixRepository(Directory.CreateTempSubdirectory("ih-fixrepo-").FullName);
        repo.Git("init", "--quiet", "--initial-branch=main");
        repo.Write("calc.py", $$""""
            """Conversion figures for the dashboard."""


            def conversion(orders, sessions):
                if sessions == 0:
                    return 0.0
                return orders / sessions
            {{Filler}}

            def label(rate):
                return f"{rate:.1%}"

            """");
        repo.Write("tests/__init__.py", "");
        repo.Write("tests/test_calc.py", """
            import unittest

            from calc import conversion, label


            class CalcTests(unittest.TestCase):
                def test_conversion(self):
                    self.assertEqual(conversion(1, 4), 0.25)

                def test_conversion_zero_sessions(self):
                    self.assertEqual(conversion(3, 0), 0.0)

                def test_label(self):
                    self.assertEqual(label(0.25), "25.0%")

            """);
        repo.Commit("Conversion and labels for the dashboard", "2026-11-01T10:00:00Z");

        repo.Write("calc.py", File.ReadAllText(System.IO.Path.Combine(repo.Path, "calc.py"))
            .Replace("    if sessions == 0:\n        return 0.0\n", "", StringComparison.Ordinal)
            .Replace("{rate:.1%}", "{rate:.2%}", StringComparison.Ordinal));
        repo.Write("tests/test_calc.py", File.ReadAllText(System.IO.Path.Combine(repo.Path, "tests/test_calc.py")).Replace("\"25.0%\"", "\"25.00%\"", StringComparison.Ordinal));
        repo.Suspect = repo.Commit("Simplify conversion; labels with two decimals", "2026-11-10T10:00:00Z");

        if (laterTestNeedsTwoDecimals)
        {
            repo.Write("tests/test_label.py", """
                import unittest

                from calc import label


                class LabelTests(unittest.TestCase):
                    def test_small_rates_keep_two_decimals(self):
                        self.assertEqual(label(0.005), "0.50%")

                """);
            repo.Commit("Test small labels", "2026-11-11T10:00:00Z");
        }

        if (laterEditOfFailingLine)
        {
            repo.Write("calc.py", File.ReadAllText(System.IO.Path.Combine(repo.Path, "calc.py"))
                .Replace("def conversion(orders, sessions):\n    return orders / sessions", "def conversion(orders, visits):\n    \"\"\"Orders per visit.\"\"\"\n    return orders / visits", StringComparison.Ordinal));
            repo.Commit("Rename sessions to visits", "2026-11-12T10:00:00Z");
        }

        var lines = File.ReadAllLines(System.IO.Path.Combine(repo.Path, "calc.py"));
        repo.FailingLine = Array.FindIndex(lines, l => l.Contains("return orders /", StringComparison.Ordinal)) + 1;
        return repo;
    }

    public string Head() => Git("rev-parse", "HEAD").Trim();

    public string Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "user.name=Dana Dev", "-c", "user.email=dana@example.com", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"git {string.Join(' ', args)}: {error}");
    }

    public void Write(string file, string content)
    {
        var path = System.IO.Path.Combine(Path, file);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    private string Commit(string message, string at)
    {
        Git("add", "-A");
        var start = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "user.name=Dana Dev", "-c", "user.email=dana@example.com", "commit", "--quiet", "-m", message })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_AUTHOR_DATE"] = at;
        start.Environment["GIT_COMMITTER_DATE"] = at;
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return Head();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
