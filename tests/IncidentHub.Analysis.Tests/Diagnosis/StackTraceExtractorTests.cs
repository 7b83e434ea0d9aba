using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Tests.Diagnosis;

public sealed class StackTraceExtractorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static List<LogLine> Lines(string source, string text, DateTimeOffset? at = null) =>
        text.Replace("\r\n", "\n").Split('\n').Select((t, i) => new LogLine(source, i + 1, at ?? T0, t)).ToList();

    private const string Python = """
        2026-03-02 09:00:01,120 INFO [orders.access] "GET /v1/orders/42 HTTP/1.1" 200 12ms
        2026-03-02 09:00:02,511 ERROR [uvicorn.error] Exception in ASGI application
        Traceback (most recent call last):
          File "/usr/local/lib/python3.12/site-packages/starlette/routing.py", line 74, in app
            response = await func(request)
          File "/srv/orders/orders/api.py", line 48, in create_order
            total = pricing.total(lines)
          File "/srv/orders/orders/pricing.py", line 17, in total
            return sum(l.qty * prices[l.sku] for l in lines)
                                ~~~~~~^^^^^^^
        KeyError: 'SKU-1234'
        2026-03-02 09:00:02,530 WARNING [orders.access] "POST /v1/orders HTTP/1.1" 500 31ms
        """;

    [Fact]
    public void Python_Traceback_GivesTypeMessageAndFramesInnermostFirst()
    {
        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("orders", Python)));

        Assert.Equal(StackLanguage.Python, trace.Language);
        Assert.Equal("KeyError", trace.ExceptionType);
        Assert.Equal("'SKU-1234'", trace.Message);
        Assert.Equal(3, trace.Frames.Count);
        Assert.Equal(("total", "/srv/orders/orders/pricing.py", 17), (trace.Frames[0].Function, trace.Frames[0].File, trace.Frames[0].Line));
        Assert.True(trace.Frames[0].IsApplicationCode);
        Assert.False(trace.Frames[2].IsApplicationCode); // site-packages
        Assert.Equal(3, trace.FirstLineNumber);
    }

    [Fact]
    public void Python_ChainedExceptions_ReportTheOriginalCauseFirst()
    {
        const string log = """
            Traceback (most recent call last):
              File "/app/billing/client.py", line 30, in charge
                resp = session.post(url, json=body, timeout=2)
            ConnectionResetError: [Errno 104] Connection reset by peer

            During handling of the above exception, another exception occurred:

            Traceback (most recent call last):
              File "/app/billing/jobs.py", line 12, in run
                client.charge(invoice)
              File "/app/billing/client.py", line 34, in charge
                raise PaymentError("charge failed") from None
            billing.errors.PaymentError: charge failed
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("billing", log)));

        Assert.Equal("ConnectionResetError", trace.ExceptionType);
        Assert.Contains("Connection reset by peer", trace.Message);
        Assert.Contains("PaymentError", trace.Message);
        Assert.Equal("/app/billing/client.py", trace.Frames[0].File);
        Assert.Equal(30, trace.Frames[0].Line);
        Assert.Equal(3, trace.Frames.Count);
    }

    [Fact]
    public void Java_SpringBootWithCausedBy_RootCauseAndPackageFrames()
    {
        const string log = """
            2026-03-02T09:00:05.101Z ERROR 1 --- [catalog] [nio-8080-exec-3] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() for servlet [dispatcherServlet] threw exception
            org.springframework.dao.DataIntegrityViolationException: could not execute statement
            	at org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:290)
            	at com.shopco.catalog.service.ProductService.save(ProductService.java:57)
            	at com.shopco.catalog.web.ProductController.create(ProductController.java:33)
            	at java.base/java.lang.Thread.run(Thread.java:1583)
            Caused by: org.postgresql.util.PSQLException: ERROR: value too long for type character varying(64)
            	at org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725)
            	at com.shopco.catalog.repo.ProductRepository$Impl.insert(ProductRepository.java:88)
            	... 12 more
            2026-03-02T09:00:05.140Z  WARN 1 --- [catalog] [nio-8080-exec-3] c.s.catalog.web.AccessLog : POST /products -> 500
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("catalog", log)));

        Assert.Equal(StackLanguage.Java, trace.Language);
        Assert.Equal("org.postgresql.util.PSQLException", trace.ExceptionType);
        Assert.Contains("value too long", trace.Message);
        Assert.Equal("org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse", trace.Frames[0].Function);
        Assert.False(trace.Frames[0].IsApplicationCode);
        var app = trace.Frames.Where(f => f.IsApplicationCode).Select(f => f.Function).ToList();
        Assert.Equal(["com.shopco.catalog.repo.ProductRepository$Impl.insert", "com.shopco.catalog.service.ProductService.save", "com.shopco.catalog.web.ProductController.create"], app);
        Assert.Equal("ProductService.java", trace.Frames.First(f => f.Function!.EndsWith("save", StringComparison.Ordinal)).File);
    }

    [Fact]
    public void Java_ExceptionInThread_IsAHeader()
    {
        const string log = """
            Exception in thread "main" java.lang.IllegalStateException: queue closed
            	at com.shopco.worker.Loop.next(Loop.java:41)
            	at com.shopco.worker.Main.main(Main.java:12)
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("worker", log)));

        Assert.Equal("java.lang.IllegalStateException", trace.ExceptionType);
        Assert.Equal("queue closed", trace.Message);
        Assert.Equal(41, trace.Frames[0].Line);
    }

    [Fact]
    public void DotNet_MultiLineWithInnerExceptionAndExceptionData()
    {
        const string log = """
            2026-03-02T09:01:00.000Z fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1] An unhandled exception has occurred while executing the request.
            System.InvalidOperationException: Could not save the basket
             ---> Npgsql.PostgresException (0x80004005): 23505: duplicate key value violates unique constraint "pk_basket_items"
               at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async, DataRowLoadingMode mode, Boolean readingNotifications, Boolean isReadingPrependedMessage)
               at Shop.Basket.Data.BasketStore.AddAsync(BasketItem item, CancellationToken ct) in /src/Shop.Basket/Data/BasketStore.cs:line 44
               --- End of inner exception stack trace ---
               at Shop.Basket.Api.BasketEndpoints.Add(AddRequest request, BasketStore store, CancellationToken ct) in /src/Shop.Basket/Api/BasketEndpoints.cs:line 27
               at lambda_method12(Closure, Object, Object[])
              Exception data:
                Severity: ERROR
                SqlState: 23505
            2026-03-02T09:01:00.010Z info: Microsoft.AspNetCore.Hosting.Diagnostics[2] Request finished HTTP/1.1 POST http://basket/api/items - 500
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("basket", log)));

        Assert.Equal(StackLanguage.DotNet, trace.Language);
        Assert.Equal("Npgsql.PostgresException", trace.ExceptionType);
        Assert.StartsWith("23505: duplicate key value", trace.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException", trace.Message);
        Assert.Equal(4, trace.Frames.Count);
        var app = trace.Frames.Where(f => f.IsApplicationCode).ToList();
        Assert.Equal(2, app.Count);
        Assert.Equal(("/src/Shop.Basket/Data/BasketStore.cs", 44), (app[0].File, app[0].Line));
    }

    [Fact]
    public void DotNet_SingleLineConsole_ExceptionFollowsTheMessageOnTheSameLine()
    {
        const string log = "2026-03-02T09:02:00.000Z fail: Shop.Orders.OrderService[0] Order 991 failed System.ArgumentOutOfRangeException: Quantity must be positive. (Parameter 'qty')    at Shop.Orders.Domain.OrderLine..ctor(Int32 qty) in /src/Shop.Orders/Domain/OrderLine.cs:line 15    at Shop.Orders.OrderService.Place(PlaceOrder cmd) in /src/Shop.Orders/OrderService.cs:line 62    at System.Threading.Tasks.Task.Execute()";

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("orders", log)));

        Assert.Equal(StackLanguage.DotNet, trace.Language);
        Assert.Equal("System.ArgumentOutOfRangeException", trace.ExceptionType);
        Assert.Equal(3, trace.Frames.Count);
        Assert.Equal(("/src/Shop.Orders/Domain/OrderLine.cs", 15), (trace.Frames[0].File, trace.Frames[0].Line));
        Assert.False(trace.Frames[2].IsApplicationCode);
    }

    [Fact]
    public void Go_Panic_TakesThePanickingGoroutineOnly()
    {
        const string log = """
            {"time":"2026-03-02T09:03:00Z","level":"INFO","msg":"request","path":"/v1/push"}
            panic: runtime error: invalid memory address or nil pointer dereference
            [signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6c1f2a]

            goroutine 57 [running]:
            github.com/shopco/push/internal/sender.(*Client).Send(0x0, {0xc0001a2000, 0x24})
            	/build/internal/sender/client.go:88 +0x2a
            github.com/shopco/push/internal/api.(*Server).handlePush(0xc000120000, {0x7f1e40, 0xc0002a0000}, 0xc0001e6000)
            	/build/internal/api/server.go:142 +0x1b4
            net/http.HandlerFunc.ServeHTTP(0x0?, {0x7f1e40?, 0xc0002a0000?}, 0x0?)
            	/usr/local/go/src/net/http/server.go:2171 +0x29
            created by net/http.(*Server).Serve in goroutine 1
            	/usr/local/go/src/net/http/server.go:3285 +0x4b4

            goroutine 1 [IO wait]:
            internal/poll.runtime_pollWait(0x7f5e2c1d8e28, 0x72)
            	/usr/local/go/src/runtime/netpoll.go:345 +0x85
            exit status 2
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("push", log)));

        Assert.Equal(StackLanguage.Go, trace.Language);
        Assert.Equal("runtime error", trace.ExceptionType);
        Assert.Contains("nil pointer dereference", trace.Message);
        Assert.Equal(4, trace.Frames.Count);
        Assert.Equal(("github.com/shopco/push/internal/sender.(*Client).Send", "/build/internal/sender/client.go", 88),
            (trace.Frames[0].Function, trace.Frames[0].File, trace.Frames[0].Line));
        Assert.True(trace.Frames[1].IsApplicationCode);
        Assert.False(trace.Frames[2].IsApplicationCode);
    }

    private const string GoHttpPanic = """
        2026/03/02 09:00:04 http: panic serving 10.42.7.32:34364: runtime error: invalid memory address or nil pointer dereference
        goroutine 28806 [running]:
        net/http.(*conn).serve.func1()
        	/usr/local/go/src/net/http/server.go:1947 +0xbe
        panic({0x9c4e20?, 0xf1d6b0?})
        	/usr/local/go/src/runtime/panic.go:785 +0x132
        github.com/acme/quota/internal/policy.(*Evaluator).Check(0xc000214000)
        	/build/internal/policy/evaluator.go:82 +0x1d4
        created by net/http.(*Server).Serve in goroutine 1
        	/usr/local/go/src/net/http/server.go:3360 +0x485
        {"time":"2026-03-02T09:00:05Z","level":"INFO","msg":"request","status":200}
        """;

    [Fact]
    public void Go_PanicRecoveredByNetHttp_TakesItsMessageFromThePanicServingLine()
    {
        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("quota", GoHttpPanic)));

        Assert.Equal("runtime error", trace.ExceptionType);
        Assert.Equal("runtime error: invalid memory address or nil pointer dereference", trace.Message);
        Assert.Contains(trace.Frames, f => f is { File: "/build/internal/policy/evaluator.go", Line: 82, IsApplicationCode: true });
        Assert.Equal(1, trace.FirstLineNumber);
    }

    [Fact]
    public void Go_GoroutineDump_GroupsGoroutinesWaitingAtTheSamePlace()
    {
        var blocks = Enumerable.Range(1, 3).Select(i => $"""
            goroutine {i + 10} [semacquire, 4 minutes]:
            sync.runtime_SemacquireMutex(0xc0000b8004?, 0x0?, 0x1?)
            	/usr/local/go/src/runtime/sema.go:77 +0x25
            github.com/shopco/push/internal/store.(*Pool).Get(0xc0000b8000)
            	/build/internal/store/pool.go:51 +0x7a

            """);
        var traces = StackTraceExtractor.Extract(Lines("push", string.Concat(blocks)));

        var trace = Assert.Single(traces);
        Assert.Equal("goroutine [semacquire]", trace.ExceptionType);
        Assert.Equal(3, trace.Count);
        Assert.Equal("/build/internal/store/pool.go", trace.Frames.Single(f => f.IsApplicationCode).File);
    }

    [Fact]
    public void Go_SlogJsonErrors_AreTracesGroupedByMessageShape()
    {
        var log = string.Join('\n',
            """{"time":"2026-03-02T09:04:00Z","level":"ERROR","msg":"send failed","job":"j1","err":"dial tcp 10.0.0.7:443: connect: connection refused"}""",
            """{"time":"2026-03-02T09:04:05Z","level":"INFO","msg":"queue","depth":12}""",
            """{"time":"2026-03-02T09:04:09Z","level":"ERROR","msg":"send failed","job":"j2","err":"dial tcp 10.0.0.9:443: connect: connection refused"}""",
            """{"time":"2026-03-02T09:04:10Z","level":"ERROR","msg":"send failed","job":"j3","err":"gateway returned 410"}""");

        var traces = StackTraceExtractor.Extract(Lines("sender", log));

        Assert.Equal(2, traces.Count);
        Assert.Equal(2, traces[0].Count);
        Assert.Equal("send failed", traces[0].ExceptionType);
        Assert.Contains("connection refused", traces[0].Message);
        Assert.All(traces, t => Assert.Equal(StackLanguage.Go, t.Language));
    }

    [Fact]
    public void Node_ErrorWithCodeBlock_AndEmbeddedHeader()
    {
        const string log = """
            2026-03-02T09:05:00.100Z [error] db: query failed: Error: connect ECONNREFUSED 10.1.2.3:5432
                at TCPConnectWrapper.afterConnect [as oncomplete] (node:net:1555:16)
                at Pool.query (/srv/app/node_modules/pg-pool/index.js:45:11)
                at async listOrders (/srv/app/src/orders/repo.js:19:18) {
              errno: -111,
              code: 'ECONNREFUSED',
              syscall: 'connect',
              address: '10.1.2.3',
              port: 5432
            }
            2026-03-02T09:05:00.200Z [info] http: GET /orders 500 12ms
            TypeError: Cannot read properties of undefined (reading 'id')
                at toDto (/srv/app/src/orders/dto.js:7:21)
                at Array.map (<anonymous>)
                at /srv/app/src/orders/routes.js:31:30
            """;

        var traces = StackTraceExtractor.Extract(Lines("web", log)).OrderBy(t => t.FirstLineNumber).ToList();

        Assert.Equal(2, traces.Count);
        Assert.Equal(("Error", StackLanguage.Node), (traces[0].ExceptionType, traces[0].Language));
        Assert.Contains("code=ECONNREFUSED", traces[0].Message);
        Assert.Equal(["/srv/app/src/orders/repo.js"], traces[0].Frames.Where(f => f.IsApplicationCode).Select(f => f.File));
        Assert.Equal("TypeError", traces[1].ExceptionType);
        Assert.Equal(("toDto", "/srv/app/src/orders/dto.js", 7), (traces[1].Frames[0].Function, traces[1].Frames[0].File, traces[1].Frames[0].Line));
        Assert.False(traces[1].Frames[1].IsApplicationCode);
        Assert.True(traces[1].Frames[2].IsApplicationCode);
    }

    [Fact]
    public void IdenticalTraces_AreGroupedWithCountAndFirstSeen()
    {
        var lines = new List<LogLine>();
        for (var i = 0; i < 5; i++)
        {
            var at = T0.AddMinutes(i);
            lines.AddRange(Lines("orders", Python, at).Select(l => l with { LineNumber = l.LineNumber + i * 100 }));
        }

        var trace = Assert.Single(StackTraceExtractor.Extract(lines));

        Assert.Equal(5, trace.Count);
        Assert.Equal(T0, trace.FirstSeen);
        Assert.Equal(3, trace.FirstLineNumber);
    }

    [Fact]
    public void PlainLogsWithoutTraces_GiveNothing()
    {
        const string log = """
            2026-03-02 09:00:01,120 INFO [orders.access] "GET /v1/orders/42 HTTP/1.1" 200 12ms
            2026-03-02 09:00:02,000 WARNING [orders.pricing] price cache miss for SKU-1; ValueError handled, using default
            2026-03-02T09:00:03.000Z info: Microsoft.EntityFrameworkCore.Database.Command[20101] Executed DbCommand (3ms)
            KeyError: 'not a traceback'
            """;

        Assert.Empty(StackTraceExtractor.Extract(Lines("orders", log)));
    }

    [Theory]
    [InlineData(StackLanguage.Python, null, "/usr/local/lib/python3.11/site-packages/fastapi/routing.py", false)]
    [InlineData(StackLanguage.Python, null, "/usr/lib/python3.11/asyncio/events.py", false)]
    [InlineData(StackLanguage.Python, null, "/app/ingest/batches.py", true)]
    [InlineData(StackLanguage.Java, "java.util.concurrent.ThreadPoolExecutor.execute", "ThreadPoolExecutor.java", false)]
    [InlineData(StackLanguage.Java, "org.springframework.web.servlet.DispatcherServlet.doDispatch", "DispatcherServlet.java", false)]
    [InlineData(StackLanguage.Java, "com.acme.feed.FeedService.home", "FeedService.java", true)]
    [InlineData(StackLanguage.DotNet, "System.Threading.Tasks.Task.Execute()", null, false)]
    [InlineData(StackLanguage.DotNet, "Microsoft.AspNetCore.Routing.EndpointMiddleware.Invoke(HttpContext c)", null, false)]
    [InlineData(StackLanguage.DotNet, "Shop.Api.Orders.Create()", "/src/Shop.Api/Orders.cs", true)]
    [InlineData(StackLanguage.Go, "runtime.gopark(...)", "/usr/local/go/src/runtime/proc.go", false)]
    [InlineData(StackLanguage.Go, "github.com/lib/pq.(*conn).query", "/go/pkg/mod/github.com/lib/pq@v1.10.9/conn.go", false)]
    [InlineData(StackLanguage.Go, "main.handler", "/build/cmd/api/main.go", true)]
    [InlineData(StackLanguage.Go, "example.com/x/vendored.F", "/build/vendor/example.com/x/vendored/f.go", false)]
    [InlineData(StackLanguage.Node, "Layer.handle", "/app/node_modules/express/lib/router/layer.js", false)]
    [InlineData(StackLanguage.Node, "process.processTicksAndRejections", "node:internal/process/task_queues", false)]
    [InlineData(StackLanguage.Node, "suggest", "/usr/src/app/src/geocoder.js", true)]
    public void ApplicationCode_IsToldFromLibrariesAndRuntimes(StackLanguage language, string? function, string? file, bool expected) =>
        Assert.Equal(expected, StackTraceExtractor.IsApplicationFrame(language, function, file));

    [Fact]
    public void MapFrames_StripsThePrefixAndMatchesUniqueSuffixes()
    {
        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("orders", Python)));
        string[] repo = ["orders/api.py", "orders/pricing.py", "tests/test_pricing.py", "README.md"];

        var mapped = StackTraceExtractor.MapFrames(trace, "/srv/orders/", repo);

        Assert.Equal([new RepositoryFrame("orders/pricing.py", 17, "total"), new RepositoryFrame("orders/api.py", 48, "create_order")], mapped);

        // Without the prefix the suffix still identifies each file uniquely.
        Assert.Equal(mapped, StackTraceExtractor.MapFrames(trace, null, repo));
    }

    [Fact]
    public void MapFrames_AmbiguousSuffix_IsNotGuessed()
    {
        var trace = new StackTrace("s", StackLanguage.Node, "TypeError", "x",
            [new StackFrame("f", "/srv/app/index.js", 3, true)], 1, null, 1);

        Assert.Empty(StackTraceExtractor.MapFrames(trace, "/srv/app/", ["packages/a/index.js", "packages/b/index.js"]));
    }

    [Fact]
    public void MapFrames_JavaFramesMapByPackagePath()
    {
        var trace = new StackTrace("s", StackLanguage.Java, "java.lang.NullPointerException", "x",
        [
            new StackFrame("com.acme.feed.service.FeedService$Loader.load", "FeedService.java", 25, true),
            new StackFrame("java.util.concurrent.FutureTask.run", "FutureTask.java", 317, false),
        ], 1, null, 1);

        var mapped = StackTraceExtractor.MapFrames(trace, "", ["src/main/java/com/acme/feed/service/FeedService.java", "src/test/java/com/acme/feed/service/FeedServiceTest.java"]);

        Assert.Equal([new RepositoryFrame("src/main/java/com/acme/feed/service/FeedService.java", 25, "com.acme.feed.service.FeedService$Loader.load")], mapped);
    }
}
