using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Tests.Diagnosis;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DiagnosisPerformanceCollection
{
    public const string Name = "Diagnosis performance";
}

/// <summary>Large inputs give the right result; how fast is measured by the benchmark (scripts/bench/diagnosis.sh), not here.</summary>
[Collection(DiagnosisPerformanceCollection.Name)]
public sealed class DiagnosisPerformanceTests
{
    [Fact]
    public void ExtractionAndDiagnosisOf20000LogLines_FindTheOneRepeatedTrace()
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

        var result = Run(lines);

        var (traces, diagnosis) = result;
        Assert.Equal(200, Assert.Single(traces).Count);
        Assert.NotNull(diagnosis);

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

    private static readonly string[][] EveryFormat =
    [
        ["Traceback (most recent call last):", "  File \"/app/api/items.py\", line 40, in get_item", "IndexError: list index out of range"],
        ["java.lang.IllegalStateException: order has no lines", "\tat com.shopco.orders.OrderService.total(OrderService.kt:57)", "\tat java.base/java.lang.Thread.run(Thread.java:1583)"],
        ["/app/lib/importer/row_parser.rb:27:in 'parse_price': undefined method 'to_d' for nil (NoMethodError)", "\tfrom bin/import:8:in '<main>'"],
        ["PHP Fatal error:  Uncaught TypeError: bad argument in /var/www/src/Cart.php:18", "Stack trace:", "#0 /var/www/public/index.php(20): Cart->total(NULL)", "#1 {main}", "  thrown in /var/www/src/Cart.php on line 18"],
        ["thread 'main' panicked at src/ledger/balance.rs:42:18:", "called `Option::unwrap()` on a `None` value", "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"],
        ["** (KeyError) key :sku not found", "    (shop 0.4.2) lib/shop/stock_sync.ex:41: Shop.StockSync.apply_row/1"],
        ["2026-03-02T09:20:02Z E worker: Unhandled exception: Index out of bounds (IndexError)", "  from src/worker/batch.cr:57:12 in 'process'", "  from src/worker/main.cr:14:3 in 'run'"],
    ];

    [Fact]
    public void ExtractionOf200000LinesWithTracesOfEveryFormat_FindsEachFormatsTrace()
    {
        var lines = new List<LogLine>();
        var at = new DateTimeOffset(2026, 3, 2, 9, 20, 0, TimeSpan.Zero);
        var n = 0L;
        while (lines.Count < 200_000)
        {
            at = at.AddMilliseconds(30);
            n++;
            lines.Add(new LogLine("api", n, at, (n % 4) switch
            {
                0 => $"{at:yyyy-MM-dd HH:mm:ss,fff} ERROR [api.db] query failed after {n % 90}ms: connection reset by peer",
                1 => $"I, [{at:O} #1]  INFO -- : [9f1c2a] Completed 200 OK in {n % 90}ms (Views: 1.2ms | ActiveRecord: 0.4ms)",
                2 => $"[{at:dd-MMM-yyyy HH:mm:ss} UTC] PHP Warning:  Undefined array key \"sku\" in /var/www/src/Cart.php on line 12",
                _ => $"{at:yyyy-MM-dd HH:mm:ss,fff} INFO [api.access] 10.0.{n % 255}.7 \"GET /v1/items/{n} HTTP/1.1\" 200 {n % 90}ms",
            }));
            if (n % 1000 == 0)
            {
                foreach (var text in EveryFormat[(int)(n / 1000 % EveryFormat.Length)])
                {
                    lines.Add(new LogLine("api", ++n, at, text));
                }
            }
        }

        var traces = StackTraceExtractor.Extract(lines);

        Assert.Equal(
            [StackLanguage.Python, StackLanguage.Ruby, StackLanguage.Php, StackLanguage.Rust, StackLanguage.Elixir, StackLanguage.Kotlin, StackLanguage.Unknown],
            traces.Select(t => t.Language).Order());
        Assert.All(traces, t => Assert.InRange(t.Count, 25, 30));
    }
}
