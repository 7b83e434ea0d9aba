using IncidentHub.Analysis.Diagnosis;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace IncidentHub.Analysis.Tests.Diagnosis;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DiagnosisPerformanceCollection
{
    public const string Name = "Diagnosis performance";
}

/// <summary>Timed alone (not in parallel with other test classes) so the figure is the engine's own.</summary>
[Collection(DiagnosisPerformanceCollection.Name)]
public sealed class DiagnosisPerformanceTests
{
    [Fact]
    public void ExtractionAndDiagnosisOf20000LogLines_TakeWellUnderASecond()
    {
        var lines = new List<LogLine>();
        var at = new DateTimeOffset(2026, 3, 2, 9, 20, 0, TimeSpan.Zero);
        var n = 0L;
        while (lines.Count < 20_000)
        {
            at = at.AddMilliseconds(180);
            lines.Add(new LogLine("api", ++n, at, $"{at:yyyy-MM-dd HH:mm:ss,fff} INFO [api.access] 10.0.{n % 255}.7 \"GET /v1/items/{n} HTTP/1.1\" 200 {n % 90}ms"));
            if (n % 100 == 0)
            {
                foreach (var t in new[]
                {
                    $"{at:yyyy-MM-dd HH:mm:ss,fff} ERROR [uvicorn.error] Exception in ASGI application",
                    "Traceback (most recent call last):",
                    "  File \"/usr/local/lib/python3.11/site-packages/starlette/routing.py\", line 72, in app",
                    "    response = await func(request)",
                    "  File \"/app/api/items.py\", line 40, in get_item",
                    "    return rows[idx]",
                    "IndexError: list index out of range",
                })
                {
                    lines.Add(new LogLine("api", ++n, at, t));
                }
            }
        }

        // Warm up twice (JIT tiering), then take the best of three runs: the machine is shared, and the
        // fastest run is the one least disturbed by other processes.
        Run(lines);
        var best = long.MaxValue;
        var result = Run(lines);
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            result = Run(lines);
            best = Math.Min(best, watch.ElapsedMilliseconds);
        }

        var (traces, diagnosis) = result;
        Assert.Equal(200, Assert.Single(traces).Count);
        Assert.NotNull(diagnosis);
        Assert.True(best < 1000, $"took {best} ms");

        static (IReadOnlyList<StackTrace>, Analysis.Diagnosis.Diagnosis) Run(List<LogLine> lines)
        {
            var traces = StackTraceExtractor.Extract(lines);
            var suspicious = InjectionDetector.Scan(lines);
            var c = DiagnosisEngineTests.BadDeploy();
            c.Traces.AddRange(traces.Select((t, i) => new Cited<StackTrace>($"x{i}", t)));
            c.Suspicious.AddRange(suspicious.Select((s, i) => new Cited<SuspiciousLine>($"s{i}", s)));
            return (traces, DiagnosisEngine.Diagnose(c.Build()));
        }
    }
}
