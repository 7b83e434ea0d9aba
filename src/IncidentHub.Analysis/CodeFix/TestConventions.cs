namespace IncidentHub.Analysis.CodeFix;

/// <summary>
/// Which test files cover a source file, by the naming and layout conventions of each language: Go foo_test.go
/// beside foo.go; Python tests/test_y.py for y.py; Java src/test/java mirroring src/main/java with BTest, BTests or
/// BIT; JS/TS b.test.js / b.spec.ts or test/b.js; C# FooTests.cs in a *Tests project; and for a config file, the
/// tests whose name mentions a word of its name or says Config. No file is read: names only.
/// </summary>
public static class TestConventions
{
    private static readonly string[] JsExtensions = [".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"];
    private static readonly string[] ConfigExtensions = [".yml", ".yaml", ".json", ".properties", ".toml", ".ini", ".conf", ".env", ".xml"];
    private static readonly string[] TestDirectories = ["test", "tests", "__tests__", "spec", "testing"];

    // Words in config file names that say nothing about which part of the system they configure.
    private static readonly HashSet<string> GenericConfigWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "application", "app", "appsettings", "settings", "config", "configuration", "values", "default", "defaults", "env",
    };

    public static IReadOnlyList<string> CoveringTests(string file, IEnumerable<string> repositoryFiles)
    {
        var target = Normalise(file);
        var files = repositoryFiles.Select(Normalise).Where(f => f.Length > 0 && f != target).Distinct(StringComparer.Ordinal).ToList();
        var name = FileName(target);
        var ext = Extension(name);
        var stem = name[..^ext.Length];
        var dir = Directory(target);

        IEnumerable<string> found = ext switch
        {
            ".go" when !name.EndsWith("_test.go", StringComparison.Ordinal) =>
                files.Where(f => f == Join(dir, stem + "_test.go")),
            ".py" when !IsTest(target) =>
                files.Where(f => IsPythonTestFor(f, stem, dir)),
            ".java" or ".kt" when !IsTest(target) =>
                files.Where(f => IsJvmTestFor(f, target, stem, ext)),
            _ when JsExtensions.Contains(ext) && !IsTest(target) =>
                files.Where(f => IsJsTestFor(f, stem)),
            ".cs" when !IsTest(target) =>
                files.Where(f => IsDotnetTestFor(f, stem)),
            _ when ConfigExtensions.Contains(ext) =>
                ConfigTests(files, stem),
            _ => [],
        };
        return [.. found];
    }

    /// <summary>Whether a path is a test file by the conventions above (any language).</summary>
    public static bool IsTest(string file)
    {
        var path = Normalise(file);
        var name = FileName(path);
        var ext = Extension(name);
        var stem = name[..^ext.Length];
        return ext switch
        {
            ".go" => stem.EndsWith("_test", StringComparison.Ordinal),
            ".py" => stem.StartsWith("test_", StringComparison.Ordinal) || stem.EndsWith("_test", StringComparison.Ordinal),
            ".java" or ".kt" => stem.EndsWith("Test", StringComparison.Ordinal) || stem.EndsWith("Tests", StringComparison.Ordinal)
                || stem.EndsWith("IT", StringComparison.Ordinal) || path.Contains("/src/test/", StringComparison.Ordinal) || path.StartsWith("src/test/", StringComparison.Ordinal),
            ".cs" => (stem.EndsWith("Tests", StringComparison.Ordinal) || stem.EndsWith("Test", StringComparison.Ordinal))
                && Segments(path).SkipLast(1).Any(s => s.EndsWith("Tests", StringComparison.Ordinal) || s.EndsWith(".Test", StringComparison.Ordinal)),
            _ when JsExtensions.Contains(ext) => stem.EndsWith(".test", StringComparison.Ordinal) || stem.EndsWith(".spec", StringComparison.Ordinal)
                || Segments(path).SkipLast(1).Any(s => TestDirectories.Contains(s)),
            _ => false,
        };
    }

    // y.py: test_y.py or y_test.py beside it or anywhere under a tests/test directory.
    private static bool IsPythonTestFor(string candidate, string stem, string dir)
    {
        var name = FileName(candidate);
        if (name != $"test_{stem}.py" && name != $"{stem}_test.py")
        {
            return false;
        }

        return Directory(candidate) == dir || Segments(candidate).SkipLast(1).Any(s => s is "tests" or "test");
    }

    // src/main/java/a/B.java -> src/test/java/a/BTest.java (also BTests, BIT; in any module).
    private static bool IsJvmTestFor(string candidate, string target, string stem, string ext)
    {
        var name = FileName(candidate);
        if (name != stem + "Test" + ext && name != stem + "Tests" + ext && name != stem + "IT" + ext)
        {
            return false;
        }

        var main = target.IndexOf("src/main/", StringComparison.Ordinal);
        if (main < 0)
        {
            return IsTest(candidate);
        }

        var underMain = Directory(target)[(main + "src/main/".Length)..]; // java/com/harbor/pricing
        var package = underMain.IndexOf('/') is var slash and >= 0 ? underMain[(slash + 1)..] : "";
        var dir = Directory(candidate);
        return dir == target[..main] + "src/test/" + underMain
            || IsTest(candidate) && dir.Contains("src/test/", StringComparison.Ordinal) && (package.Length == 0 || dir.EndsWith("/" + package, StringComparison.Ordinal));
    }

    // b.js -> b.test.js, b.spec.ts (anywhere), or test/b.js, __tests__/b.ts.
    private static bool IsJsTestFor(string candidate, string stem)
    {
        var name = FileName(candidate);
        var ext = Extension(name);
        if (!JsExtensions.Contains(ext))
        {
            return false;
        }

        var candidateStem = name[..^ext.Length];
        return candidateStem == stem + ".test" || candidateStem == stem + ".spec"
            || candidateStem == stem && Segments(candidate).SkipLast(1).Any(s => TestDirectories.Contains(s));
    }

    // Foo.cs -> FooTests.cs or FooTest.cs in a *Tests project.
    private static bool IsDotnetTestFor(string candidate, string stem)
    {
        var name = FileName(candidate);
        return (name == stem + "Tests.cs" || name == stem + "Test.cs") && IsTest(candidate);
    }

    // application-prod.yml -> tests naming "prod" first, then any *Config* test.
    private static IEnumerable<string> ConfigTests(List<string> files, string stem)
    {
        var words = stem.Split(['-', '_', '.', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length >= 3 && !GenericConfigWords.Contains(w))
            .ToList();
        var tests = files.Where(IsTest).ToList();
        var naming = tests.Where(t => words.Any(w => FileName(t).Contains(w, StringComparison.OrdinalIgnoreCase))).ToList();
        var config = tests.Where(t => FileName(t).Contains("config", StringComparison.OrdinalIgnoreCase)
            || FileName(t).Contains("settings", StringComparison.OrdinalIgnoreCase));
        return naming.Concat(config).Distinct(StringComparer.Ordinal);
    }

    private static string Normalise(string path)
    {
        var p = path.Trim().Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }

        return p.TrimStart('/');
    }

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string Directory(string path) => path.LastIndexOf('/') is var i and >= 0 ? path[..i] : "";

    private static string Join(string dir, string name) => dir.Length == 0 ? name : dir + "/" + name;

    private static string[] Segments(string path) => path.Split('/');

    private static string Extension(string name) => name.LastIndexOf('.') is var i and > 0 ? name[i..] : "";
}
