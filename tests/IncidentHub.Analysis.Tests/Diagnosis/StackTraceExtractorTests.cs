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
    [InlineData(StackLanguage.Ruby, "subtotal", "app/models/order_line.rb", true)]
    [InlineData(StackLanguage.Ruby, "execute_job", "/usr/local/bundle/gems/sidekiq-7.2.4/lib/sidekiq/processor.rb", false)]
    [InlineData(StackLanguage.Ruby, "CSV#each", "/usr/local/lib/ruby/3.4.0/csv.rb", false)]
    [InlineData(StackLanguage.Php, "App\\Cart->total(NULL)", "/var/www/src/Cart.php", true)]
    [InlineData(StackLanguage.Php, "Symfony\\Component\\HttpKernel\\HttpKernel->handle()", "/var/www/vendor/symfony/http-kernel/HttpKernel.php", false)]
    [InlineData(StackLanguage.Rust, "tokio::runtime::task::core::Core<T,S>::poll", "/usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.38.0/src/runtime/task/core.rs", false)]
    [InlineData(StackLanguage.Rust, "std::panicking::begin_panic", "/rustc/129f3b9964af4d4a709d1383930ade12dfe7c081/library/std/src/panicking.rs", false)]
    [InlineData(StackLanguage.Rust, "ledger::main", "./src/main.rs", true)]
    [InlineData(StackLanguage.Rust, "core::option::unwrap_failed", null, false)]
    [InlineData(StackLanguage.Rust, "ledger::balance::Account::apply", null, true)]
    [InlineData(StackLanguage.Elixir, "Shop.Pricing.discount/2", "lib/shop/pricing.ex", true)]
    [InlineData(StackLanguage.Elixir, "Enum.map/2", "lib/enum.ex", false)]
    [InlineData(StackLanguage.Elixir, ":gen_server.try_handle_info/3", "gen_server.erl", false)]
    [InlineData(StackLanguage.Kotlin, "kotlinx.coroutines.DispatchedTask.run", "DispatchedTask.kt", false)]
    [InlineData(StackLanguage.Kotlin, "com.shopco.orders.OrderService.total", "OrderService.kt", true)]
    [InlineData(StackLanguage.Scala, "akka.http.scaladsl.server.Directive.tapply", "Directive.scala", false)]
    [InlineData(StackLanguage.Scala, "com.shopco.pricing.Discounts$.rate", "Discounts.scala", true)]
    [InlineData(StackLanguage.Unknown, null, "src/worker/batch.cr", true)]
    [InlineData(StackLanguage.Unknown, null, "/usr/share/crystal/src/fiber.cr", false)]
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

    // ---- Ruby, PHP, Rust, Elixir, Kotlin, Scala, unknown formats -------------------------------------------

    private static (string? Function, string? File, int? Line, bool App) F(StackFrame f) => (f.Function, f.File, f.Line, f.IsApplicationCode);

    [Fact]
    public void Ruby_RailsProductionLog_WithLoggerPrefixes_GivesTypeMessageAndAppFrames()
    {
        const string log = """
            I, [2026-03-02T09:10:00.101234 #1]  INFO -- : [9f1c2a] Started POST "/orders" for 10.0.3.7 at 2026-03-02 09:10:00 +0000
            I, [2026-03-02T09:10:00.102001 #1]  INFO -- : [9f1c2a] Processing by OrdersController#create as JSON
            I, [2026-03-02T09:10:00.139870 #1]  INFO -- : [9f1c2a] Completed 500 Internal Server Error in 37ms (ActiveRecord: 4.1ms | Allocations: 5120)
            F, [2026-03-02T09:10:00.140220 #1] FATAL -- : [9f1c2a]
            F, [2026-03-02T09:10:00.140301 #1] FATAL -- : [9f1c2a] NoMethodError (undefined method `price' for nil):
            F, [2026-03-02T09:10:00.140333 #1] FATAL -- : [9f1c2a]
            F, [2026-03-02T09:10:00.140360 #1] FATAL -- : [9f1c2a] app/models/order_line.rb:14:in `subtotal'
            F, [2026-03-02T09:10:00.140371 #1] FATAL -- : [9f1c2a] app/models/order.rb:31:in `block in total'
            F, [2026-03-02T09:10:00.140380 #1] FATAL -- : [9f1c2a] app/models/order.rb:31:in `sum'
            F, [2026-03-02T09:10:00.140388 #1] FATAL -- : [9f1c2a] app/controllers/orders_controller.rb:9:in `create'
            F, [2026-03-02T09:10:00.140395 #1] FATAL -- : [9f1c2a] /usr/local/bundle/gems/actionpack-7.1.3/lib/action_controller/metal/basic_implicit_render.rb:6:in `send_action'
            I, [2026-03-02T09:10:01.000000 #1]  INFO -- : [77ab01] Started GET "/up" for 10.0.3.1 at 2026-03-02 09:10:01 +0000
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("shop", log)));

        Assert.Equal(StackLanguage.Ruby, trace.Language);
        Assert.Equal("NoMethodError", trace.ExceptionType);
        Assert.Equal("undefined method `price' for nil", trace.Message);
        Assert.Equal(5, trace.Frames.Count);
        Assert.Equal(("subtotal", "app/models/order_line.rb", 14, true), F(trace.Frames[0]));
        Assert.Equal(("create", "app/controllers/orders_controller.rb", 9, true), F(trace.Frames[3]));
        Assert.False(trace.Frames[4].IsApplicationCode); // gems
        Assert.Equal(5, trace.FirstLineNumber);
    }

    [Fact]
    public void Ruby_UncaughtWithFromFrames_Ruby34Quotes()
    {
        const string log = """
            /app/lib/importer/row_parser.rb:27:in 'Importer::RowParser#parse_price': undefined method 'to_d' for nil (NoMethodError)
            	from /app/lib/importer/row_parser.rb:12:in 'block in Importer::RowParser#each_row'
            	from /usr/local/lib/ruby/3.4.0/csv.rb:1822:in 'CSV#each'
            	from /usr/local/bundle/gems/sidekiq-7.2.4/lib/sidekiq/processor.rb:202:in 'Sidekiq::Processor#execute_job'
            	from bin/import:8:in '<main>'
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("importer", log)));

        Assert.Equal(("NoMethodError", "undefined method 'to_d' for nil"), (trace.ExceptionType, trace.Message));
        Assert.Equal(StackLanguage.Ruby, trace.Language);
        Assert.Equal([true, true, false, false, true], trace.Frames.Select(f => f.IsApplicationCode));
        Assert.Equal(("Importer::RowParser#parse_price", "/app/lib/importer/row_parser.rb", 27, true), F(trace.Frames[0]));

        var mapped = StackTraceExtractor.MapFrames(trace, "/app/", ["lib/importer/row_parser.rb", "bin/import", "Gemfile"]);
        Assert.Equal([new RepositoryFrame("lib/importer/row_parser.rb", 27, "Importer::RowParser#parse_price"),
            new RepositoryFrame("lib/importer/row_parser.rb", 12, "block in Importer::RowParser#each_row"),
            new RepositoryFrame("bin/import", 8, "<main>")], mapped);
    }

    [Fact]
    public void Ruby_PlainHeaderThenFrames_IsRuby()
    {
        const string log = """
            Redis::CannotConnectError: Error connecting to Redis on redis:6379 (Errno::ECONNREFUSED)
            app/services/billing/charge.rb:22:in `call'
            app/jobs/charge_job.rb:7:in `perform'
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("billing", log)));

        Assert.Equal((StackLanguage.Ruby, "Redis::CannotConnectError", 2), (trace.Language, trace.ExceptionType, trace.Frames.Count));
        Assert.Equal("Error connecting to Redis on redis:6379 (Errno::ECONNREFUSED)", trace.Message);
    }

    [Fact]
    public void Php_UncaughtWithStackTrace_AndAFatalErrorWithoutOne()
    {
        const string log = """
            [02-Mar-2026 09:12:00 UTC] PHP Fatal error:  Uncaught TypeError: App\Service\Cart::total(): Argument #1 ($items) must be of type array, null given, called in /var/www/src/Controller/CartController.php on line 31 and defined in /var/www/src/Service/Cart.php:18
            Stack trace:
            #0 /var/www/src/Controller/CartController.php(31): App\Service\Cart->total(NULL)
            #1 /var/www/vendor/symfony/http-kernel/HttpKernel.php(181): App\Controller\CartController->show(Object(Symfony\Component\HttpFoundation\Request))
            #2 /var/www/vendor/symfony/http-kernel/HttpKernel.php(76): Symfony\Component\HttpKernel\HttpKernel->handleRaw(Object(Symfony\Component\HttpFoundation\Request), 1)
            #3 /var/www/public/index.php(20): Symfony\Component\HttpKernel\HttpKernel->handle(Object(Symfony\Component\HttpFoundation\Request))
            #4 {main}
              thrown in /var/www/src/Service/Cart.php on line 18
            [02-Mar-2026 09:12:01 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/src/Report/CsvExport.php on line 88
            [02-Mar-2026 09:12:02 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 65536 bytes) in /var/www/src/Report/CsvExport.php on line 88
            """;

        var traces = StackTraceExtractor.Extract(Lines("web", log)).OrderBy(t => t.FirstLineNumber).ToList();

        Assert.Equal(2, traces.Count);
        var uncaught = traces[0];
        Assert.Equal((StackLanguage.Php, "TypeError"), (uncaught.Language, uncaught.ExceptionType));
        Assert.StartsWith("App\\Service\\Cart::total(): Argument #1 ($items) must be of type array", uncaught.Message, StringComparison.Ordinal);
        Assert.Equal((null, "/var/www/src/Service/Cart.php", 18, true), F(uncaught.Frames[0]));
        Assert.Equal(("App\\Service\\Cart->total(NULL)", "/var/www/src/Controller/CartController.php", 31, true), F(uncaught.Frames[1]));
        Assert.Equal([true, true, false, false, true], uncaught.Frames.Select(f => f.IsApplicationCode));

        var memory = traces[1];
        Assert.Equal(("PHP Fatal error", 2), (memory.ExceptionType, memory.Count));
        Assert.Equal((null, "/var/www/src/Report/CsvExport.php", 88, true), F(Assert.Single(memory.Frames)));

        var mapped = StackTraceExtractor.MapFrames(uncaught, "/var/www/", ["src/Service/Cart.php", "src/Controller/CartController.php", "public/index.php"]);
        Assert.Equal(["src/Service/Cart.php", "src/Controller/CartController.php", "public/index.php"], mapped.Select(m => m.File));
    }

    [Fact]
    public void Php_ChainedWithNext_ThePreviousExceptionIsTheRootCause()
    {
        const string log = """
            PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/src/Db/Connection.php:14
            Stack trace:
            #0 /var/www/src/Db/Connection.php(14): PDO->__construct('mysql:host=db', 'shop', Object(SensitiveParameterValue))
            #1 /var/www/src/Repository/OrderRepository.php(22): App\Db\Connection->open()
            #2 {main}

            Next App\Repository\StorageException: orders unavailable in /var/www/src/Repository/OrderRepository.php:25
            Stack trace:
            #0 /var/www/public/index.php(9): App\Repository\OrderRepository->find(42)
            #1 {main}
              thrown in /var/www/src/Repository/OrderRepository.php on line 25
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("shop", log)));

        Assert.Equal("PDOException", trace.ExceptionType);
        Assert.Equal("SQLSTATE[HY000] [2002] Connection refused [surfaced as App\\Repository\\StorageException: orders unavailable]", trace.Message);
        Assert.Equal([("/var/www/src/Db/Connection.php", 14), ("/var/www/src/Db/Connection.php", 14), ("/var/www/src/Repository/OrderRepository.php", 22),
            ("/var/www/src/Repository/OrderRepository.php", 25), ("/var/www/public/index.php", 9)], trace.Frames.Select(f => (f.File, f.Line)));
    }

    [Fact]
    public void Php_LaravelLogWithPreviousException_RootCauseFirst()
    {
        const string log = """
            [2026-03-02 09:13:00] production.ERROR: SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: select * from `orders` where `id` = 42 limit 1) {"userId":7,"exception":"[object] (Illuminate\\Database\\QueryException(code: 2002): SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: select * from `orders` where `id` = 42 limit 1) at /var/www/vendor/laravel/framework/src/Illuminate/Database/Connection.php:822)
            [stacktrace]
            #0 /var/www/vendor/laravel/framework/src/Illuminate/Database/Connection.php(776): Illuminate\\Database\\Connection->runQueryCallback('select * from `...', Array, Object(Closure))
            #1 /var/www/app/Repositories/OrderRepository.php(31): Illuminate\\Database\\Connection->select('select * from `...')
            #2 /var/www/app/Http/Controllers/OrderController.php(22): App\\Repositories\\OrderRepository->find(42)
            #3 {main}

            [previous exception] [object] (PDOException(code: 2002): SQLSTATE[HY000] [2002] Connection refused at /var/www/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php:65)
            [stacktrace]
            #0 /var/www/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php(65): PDO->__construct('mysql:host=db;p...', 'shop', Object(SensitiveParameterValue), Array)
            #1 /var/www/app/Repositories/OrderRepository.php(31): Illuminate\\Database\\Connectors\\Connector->createPdoConnection('mysql:host=db;p...')
            #2 {main}
            "}
            [2026-03-02 09:13:01] production.INFO: health ok
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("shop", log)));

        Assert.Equal((StackLanguage.Php, "PDOException"), (trace.Language, trace.ExceptionType));
        Assert.StartsWith("SQLSTATE[HY000] [2002] Connection refused [surfaced as Illuminate\\Database\\QueryException:", trace.Message, StringComparison.Ordinal);
        Assert.Equal(["/var/www/app/Repositories/OrderRepository.php", "/var/www/app/Repositories/OrderRepository.php", "/var/www/app/Http/Controllers/OrderController.php"],
            trace.Frames.Where(f => f.IsApplicationCode).Select(f => f.File));
        Assert.Equal("/var/www/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php", trace.Frames[0].File);
    }

    [Fact]
    public void Rust_PanicWithBacktrace_LocationFirstThenAppFrames()
    {
        const string log = """
            2026-03-02T09:14:00.120Z  INFO ledger::http: POST /v1/entries 201 3ms
            thread 'tokio-runtime-worker' panicked at src/ledger/balance.rs:42:18:
            called `Option::unwrap()` on a `None` value
            stack backtrace:
               0: rust_begin_unwind
                         at /rustc/129f3b9964af4d4a709d1383930ade12dfe7c081/library/std/src/panicking.rs:652:5
               1: core::panicking::panic_fmt
                         at /rustc/129f3b9964af4d4a709d1383930ade12dfe7c081/library/core/src/panicking.rs:72:14
               2: core::option::unwrap_failed
               3: ledger::balance::Account::apply
                         at ./src/ledger/balance.rs:42:18
               4: ledger::http::post_entry::{{closure}}
                         at ./src/http.rs:88:9
               5: tokio::runtime::task::core::Core<T,S>::poll
                         at /usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/tokio-1.38.0/src/runtime/task/core.rs:328:17
            note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
            2026-03-02T09:14:00.410Z  INFO ledger::http: GET /v1/balance 200 1ms
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("ledger", log)));

        Assert.Equal((StackLanguage.Rust, "panic", "called `Option::unwrap()` on a `None` value"), (trace.Language, trace.ExceptionType, trace.Message));
        Assert.Equal((null, "src/ledger/balance.rs", 42, true), F(trace.Frames[0]));
        Assert.Equal(("core::option::unwrap_failed", null, null, false), F(trace.Frames[3]));
        Assert.Equal(("ledger::http::post_entry::{{closure}}", "./src/http.rs", 88, true), F(trace.Frames[5]));
        Assert.Equal([true, false, false, false, true, true, false], trace.Frames.Select(f => f.IsApplicationCode));
        Assert.Equal(2, trace.FirstLineNumber);

        var mapped = StackTraceExtractor.MapFrames(trace, null, ["src/ledger/balance.rs", "src/http.rs", "Cargo.toml"]);
        Assert.Equal([new RepositoryFrame("src/ledger/balance.rs", 42, null), new RepositoryFrame("src/http.rs", 88, "ledger::http::post_entry::{{closure}}")], mapped);
    }

    [Fact]
    public void Rust_OldPanicFormat_WithoutBacktrace()
    {
        const string log = """
            thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 7', src/import.rs:27:13
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
            thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 9', src/import.rs:27:13
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("import", log)));

        Assert.Equal(("index out of bounds: the len is 3 but the index is 7", 2), (trace.Message, trace.Count));
        Assert.Equal((null, "src/import.rs", 27, true), F(Assert.Single(trace.Frames)));
    }

    [Fact]
    public void Elixir_PhoenixAndGenServerCrashes_GiveTheRealExceptionAndAppFrames()
    {
        const string phoenix = """
            09:15:00.120 [info] GET /api/orders/42
            09:15:00.131 [error] #PID<0.4123.0> running ShopWeb.Endpoint (connection #PID<0.4122.0>, stream id 1) terminated
            Server: shop.internal:4000 (http)
            Request: GET /api/orders/42
            ** (exit) an exception was raised:
                ** (ArithmeticError) bad argument in arithmetic expression
                    (shop 0.4.2) lib/shop/pricing.ex:23: Shop.Pricing.discount/2
                    (shop 0.4.2) lib/shop_web/controllers/order_controller.ex:17: ShopWeb.OrderController.show/2
                    (phoenix 1.7.14) lib/phoenix/router.ex:484: Phoenix.Router.__call__/5
                    (plug 1.16.1) lib/plug/router.ex:253: Plug.Router.call/2
                    (stdlib 6.0) proc_lib.erl:329: :proc_lib.init_p_do_apply/3
            09:15:00.140 [info] Sent 500 in 9ms
            09:16:02.001 [error] GenServer Shop.StockSync terminating
            ** (KeyError) key :sku not found in: %{id: 7, qty: 3}
                (shop 0.4.2) lib/shop/stock_sync.ex:41: Shop.StockSync.apply_row/1
                (elixir 1.17.2) lib/enum.ex:987: Enum."-each/2-lists^foreach/1-0-"/2
                (shop 0.4.2) lib/shop/stock_sync.ex:30: Shop.StockSync.handle_info/2
                (stdlib 6.0) gen_server.erl:2345: :gen_server.try_handle_info/3
            Last message: :sync
            State: %{cursor: 1200}
            """;

        var traces = StackTraceExtractor.Extract(Lines("shop", phoenix)).OrderBy(t => t.FirstLineNumber).ToList();

        Assert.Equal(2, traces.Count);
        Assert.All(traces, t => Assert.Equal(StackLanguage.Elixir, t.Language));
        Assert.Equal(("ArithmeticError", "bad argument in arithmetic expression"), (traces[0].ExceptionType, traces[0].Message));
        Assert.Equal(("Shop.Pricing.discount/2", "lib/shop/pricing.ex", 23, true), F(traces[0].Frames[0]));
        Assert.Equal([true, true, false, false, false], traces[0].Frames.Select(f => f.IsApplicationCode));
        Assert.Equal(("KeyError", "key :sku not found in: %{id: 7, qty: 3}"), (traces[1].ExceptionType, traces[1].Message));
        Assert.Equal([true, false, true, false], traces[1].Frames.Select(f => f.IsApplicationCode));

        var mapped = StackTraceExtractor.MapFrames(traces[0], null, ["lib/shop/pricing.ex", "lib/shop_web/controllers/order_controller.ex", "mix.exs"]);
        Assert.Equal(["lib/shop/pricing.ex", "lib/shop_web/controllers/order_controller.ex"], mapped.Select(m => m.File));
    }

    [Fact]
    public void Kotlin_JvmStackWithKtFiles_IsKotlin_AndMapsByFileName()
    {
        const string log = """
            2026-03-02 09:17:00.123 [eventLoopGroupProxy-4-1] ERROR ktor.application - Unhandled: GET - /orders/42
            java.lang.IllegalStateException: order 42 has no lines
            	at com.shopco.orders.OrderService.total(OrderService.kt:57)
            	at com.shopco.orders.RoutesKt$orderRoutes$1$1.invokeSuspend(Routes.kt:23)
            	at kotlin.coroutines.jvm.internal.BaseContinuationImpl.resumeWith(ContinuationImpl.kt:33)
            	at kotlinx.coroutines.DispatchedTask.run(DispatchedTask.kt:108)
            	at io.netty.util.concurrent.SingleThreadEventExecutor$4.run(SingleThreadEventExecutor.java:997)
            	at java.base/java.lang.Thread.run(Thread.java:1583)
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("orders", log)));

        Assert.Equal((StackLanguage.Kotlin, "java.lang.IllegalStateException"), (trace.Language, trace.ExceptionType));
        Assert.Equal([true, true, false, false, false, false], trace.Frames.Select(f => f.IsApplicationCode));

        // Kotlin files need not sit in their package's directory.
        var mapped = StackTraceExtractor.MapFrames(trace, null, ["src/main/kotlin/orders/OrderService.kt", "src/main/kotlin/orders/Routes.kt", "build.gradle.kts"]);
        Assert.Equal([new RepositoryFrame("src/main/kotlin/orders/OrderService.kt", 57, "com.shopco.orders.OrderService.total"),
            new RepositoryFrame("src/main/kotlin/orders/Routes.kt", 23, "com.shopco.orders.RoutesKt$orderRoutes$1$1.invokeSuspend")], mapped);
    }

    [Fact]
    public void Scala_JvmStackWithScalaFiles_IsScala_AndMapsByPackagePath()
    {
        const string log = """
            [ERROR] [03/02/2026 09:18:00.456] [shop-akka.actor.default-dispatcher-5] [akka.actor.ActorSystemImpl(shop)] Error during processing of request: '/ by zero'. Completing with 500 Internal Server Error response.
            java.lang.ArithmeticException: / by zero
            	at com.shopco.pricing.Discounts$.rate(Discounts.scala:27)
            	at com.shopco.pricing.PricingRoutes.$anonfun$routes$3(PricingRoutes.scala:41)
            	at akka.http.scaladsl.server.directives.BasicDirectives.$anonfun$mapRouteResult$2(BasicDirectives.scala:68)
            	at scala.concurrent.Future$.$anonfun$apply$1(Future.scala:687)
            	at java.base/java.util.concurrent.ForkJoinTask.doExec(ForkJoinTask.java:373)
            """;

        var trace = Assert.Single(StackTraceExtractor.Extract(Lines("pricing", log)));

        Assert.Equal((StackLanguage.Scala, "java.lang.ArithmeticException", "/ by zero"), (trace.Language, trace.ExceptionType, trace.Message));
        Assert.Equal(("com.shopco.pricing.Discounts$.rate", "Discounts.scala", 27, true), F(trace.Frames[0]));
        Assert.Equal([true, true, false, false, false], trace.Frames.Select(f => f.IsApplicationCode));

        var mapped = StackTraceExtractor.MapFrames(trace, null, ["src/main/scala/com/shopco/pricing/Discounts.scala", "src/main/scala/com/shopco/pricing/PricingRoutes.scala"]);
        Assert.Equal(["src/main/scala/com/shopco/pricing/Discounts.scala", "src/main/scala/com/shopco/pricing/PricingRoutes.scala"], mapped.Select(m => m.File));
    }

    private static string CrystalCrash(int i) => $"""
        2026-03-02T09:2{i}:01Z INFO worker: batch {4100 + i} started
        2026-03-02T09:2{i}:02Z E worker: Unhandled exception in batch {4100 + i}: Index out of bounds (IndexError)
          from src/worker/batch.cr:57:12 in 'process'
          from src/worker/main.cr:14:3 in 'run'
          from /usr/share/crystal/src/fiber.cr:146:11 in 'run'
        2026-03-02T09:2{i}:03Z INFO worker: restarting
        """;

    [Fact]
    public void UnknownFormat_ErrorBlockRepeatedThreeTimes_IsATraceWithFileLineFrames()
    {
        var lines = Enumerable.Range(1, 4).SelectMany(i => Lines("worker", CrystalCrash(i), T0.AddMinutes(i)).Select(l => l with { LineNumber = l.LineNumber + i * 10 })).ToList();

        var trace = Assert.Single(StackTraceExtractor.Extract(lines));

        Assert.Equal((StackLanguage.Unknown, "IndexError", 4), (trace.Language, trace.ExceptionType, trace.Count));
        Assert.Contains("Index out of bounds", trace.Message, StringComparison.Ordinal);
        Assert.Equal(T0.AddMinutes(1), trace.FirstSeen);
        Assert.Equal([("src/worker/batch.cr", 57, true), ("src/worker/main.cr", 14, true), ("/usr/share/crystal/src/fiber.cr", 146, false)],
            trace.Frames.Select(f => (f.File, f.Line, f.IsApplicationCode)));
        Assert.Equal(["src/worker/batch.cr", "src/worker/main.cr"],
            StackTraceExtractor.MapFrames(trace, null, ["src/worker/batch.cr", "src/worker/main.cr", "shard.yml"]).Select(m => m.File));
    }

    [Fact]
    public void UnknownFormat_SeenTwice_OrAKnownTrace_IsNoUnknownTrace()
    {
        var twice = Enumerable.Range(1, 2).SelectMany(i => Lines("worker", CrystalCrash(i)).Select(l => l with { LineNumber = l.LineNumber + i * 10 })).ToList();
        Assert.Empty(StackTraceExtractor.Extract(twice));

        var java = Enumerable.Range(0, 3).SelectMany(i => Lines("worker", """
            Exception in thread "main" java.lang.IllegalStateException: queue closed
            	at com.shopco.worker.Loop.next(Loop.java:41)
            	at com.shopco.worker.Main.main(Main.java:12)
            """).Select(l => l with { LineNumber = l.LineNumber + i * 10 })).ToList();
        var trace = Assert.Single(StackTraceExtractor.Extract(java));
        Assert.Equal((StackLanguage.Java, 3), (trace.Language, trace.Count));
    }
}
