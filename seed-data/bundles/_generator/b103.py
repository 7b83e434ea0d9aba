"""103: orders-api (ASP.NET Core) exhausts its Npgsql pool under a flash-sale load. Alertmanager. No code change."""
import datetime as dt
import os
import random
import uuid

from common import Log, Metrics, Repo, iso, poisson_times, ramp, scenario_yaml, ts, write_json, write_text, BUNDLES

SLUG = "103-orders-db-pool-exhausted"
START = ts("2025-07-08T18:47:00Z")
SALE = ts("2025-07-08T18:30:00Z")
W0, W1 = START - dt.timedelta(minutes=60), START + dt.timedelta(minutes=15)
P = "Orders.Api"

A = ("Grace Okafor", "grace.okafor@tidepool.example")
B = ("Lukas Novak", "lukas.novak@tidepool.example")
C = ("Mariana Costa", "mariana.costa@tidepool.example")


def build_repo() -> Repo:
    r = Repo("orders-api", f"bundle {SLUG}")
    r.commit("New ASP.NET Core minimal API for orders", A, "2025-01-13T10:00:00+0000", writes={
        "README.md": """
            # orders-api

            Order placement and order history for the Tidepool shop. ASP.NET Core 8 minimal APIs on PostgreSQL (Npgsql + Dapper).

            `dotnet run --project Orders.Api`

            Releases are tagged `vX.Y.Z`; production settings are in `Orders.Api/appsettings.Production.json`
            and connection strings come from the `orders-db` secret.
            """,
        ".gitignore": """
            bin/
            obj/
            *.user
            .vs/
            """,
        f"{P}/{P}.csproj": """
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net8.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Npgsql" Version="8.0.3" />
                <PackageReference Include="Dapper" Version="2.1.35" />
                <PackageReference Include="prometheus-net.AspNetCore" Version="8.2.1" />
              </ItemGroup>
            </Project>
            """,
        f"{P}/Program.cs": """
            using Orders.Api.Data;
            using Orders.Api.Features.Orders;
            using Prometheus;

            var builder = WebApplication.CreateBuilder(args);
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
            builder.Services.AddOrdersDatabase(builder.Configuration);
            builder.Services.AddProblemDetails();

            var app = builder.Build();
            app.UseExceptionHandler();
            app.UseHttpMetrics();
            app.MapMetrics();
            app.MapGet("/healthz", () => Results.Ok());
            app.MapOrders();
            app.Run();
            """,
        "Dockerfile": """
            FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
            WORKDIR /src
            COPY . .
            RUN dotnet publish Orders.Api -c Release -o /out

            FROM mcr.microsoft.com/dotnet/aspnet:8.0
            WORKDIR /app
            COPY --from=build /out .
            ENTRYPOINT ["dotnet", "Orders.Api.dll"]
            """,
    })
    r.commit("Database registration with NpgsqlDataSource", B, "2025-01-15T13:10:00+0000", writes={
        f"{P}/Data/Database.cs": """
            using Npgsql;

            namespace Orders.Api.Data;

            public static class Database
            {
                public static IServiceCollection AddOrdersDatabase(this IServiceCollection services, IConfiguration config)
                {
                    var connectionString = config.GetConnectionString("Orders")
                        ?? throw new InvalidOperationException("ConnectionStrings:Orders is not set.");
                    services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
                    services.AddScoped<OrderRepository>();
                    return services;
                }
            }
            """,
        f"{P}/Data/Order.cs": """
            namespace Orders.Api.Data;

            public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

            public sealed record Order(Guid Id, Guid CustomerId, string Status, decimal Total, DateTimeOffset CreatedAt);
            """,
        f"{P}/appsettings.json": """
            {
              "Logging": {
                "LogLevel": {
                  "Default": "Information",
                  "Microsoft.AspNetCore": "Warning",
                  "Microsoft.AspNetCore.Hosting.Diagnostics": "Information"
                }
              },
              "ConnectionStrings": {
                "Orders": "Host=localhost;Database=orders;Username=orders;Password=orders"
              }
            }
            """,
    })
    r.commit("Order repository", B, "2025-01-17T09:30:00+0000", writes={
        f"{P}/Data/OrderRepository.cs": """
            using Dapper;
            using Npgsql;

            namespace Orders.Api.Data;

            public sealed class OrderRepository(NpgsqlDataSource dataSource)
            {
                public async Task<Guid> CreateAsync(Guid customerId, IReadOnlyList<OrderLine> lines, CancellationToken ct)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(ct);
                    await using var tx = await connection.BeginTransactionAsync(ct);
                    var id = Guid.NewGuid();
                    var total = lines.Sum(l => l.Quantity * l.UnitPrice);
                    await connection.ExecuteAsync(
                        "INSERT INTO orders (id, customer_id, status, total, created_at) VALUES (@id, @customerId, 'placed', @total, now())",
                        new { id, customerId, total }, tx);
                    await connection.ExecuteAsync(
                        "INSERT INTO order_lines (order_id, sku, quantity, unit_price) VALUES (@OrderId, @Sku, @Quantity, @UnitPrice)",
                        lines.Select(l => new { OrderId = id, l.Sku, l.Quantity, l.UnitPrice }), tx);
                    await tx.CommitAsync(ct);
                    return id;
                }

                public async Task<Order?> GetAsync(Guid id, CancellationToken ct)
                {
                    await using var connection = await dataSource.OpenConnectionAsync(ct);
                    return await connection.QuerySingleOrDefaultAsync<Order>(
                        new CommandDefinition("SELECT id, customer_id, status, total, created_at FROM orders WHERE id = @id", new { id }, cancellationToken: ct));
                }
            }
            """,
    })
    r.commit("Orders endpoints", A, "2025-01-20T15:45:00+0000", writes={
        f"{P}/Features/Orders/OrderEndpoints.cs": """
            using Orders.Api.Data;

            namespace Orders.Api.Features.Orders;

            public sealed record PlaceOrder(Guid CustomerId, List<OrderLine> Lines);

            public static class OrderEndpoints
            {
                public static void MapOrders(this IEndpointRouteBuilder app)
                {
                    var group = app.MapGroup("/v1/orders");
                    group.MapPost("/", PlaceOrder);
                    group.MapGet("/{id:guid}", GetOrder);
                }

                private static async Task<IResult> PlaceOrder(PlaceOrder body, OrderRepository repo, CancellationToken ct)
                {
                    if (body.Lines.Count == 0)
                    {
                        return TypedResults.Problem("An order needs at least one line.", statusCode: StatusCodes.Status400BadRequest);
                    }

                    var id = await repo.CreateAsync(body.CustomerId, body.Lines, ct);
                    return TypedResults.Created($"/v1/orders/{id}", new { id });
                }

                private static async Task<IResult> GetOrder(Guid id, OrderRepository repo, CancellationToken ct)
                {
                    var order = await repo.GetAsync(id, ct);
                    return order is null ? TypedResults.NotFound() : TypedResults.Ok(order);
                }
            }
            """,
    }, tag="v3.0.0")
    r.commit("Production settings", C, "2025-01-24T11:20:00+0000", writes={
        f"{P}/appsettings.Production.json": """
            {
              "Logging": {
                "LogLevel": {
                  "Default": "Information",
                  "Microsoft.AspNetCore": "Warning",
                  "Microsoft.AspNetCore.Hosting.Diagnostics": "Information"
                }
              },
              "Database": {
                "MaxPoolSize": 30,
                "ConnectionTimeoutSeconds": 15,
                "CommandTimeoutSeconds": 30
              }
            }
            """,
        "deploy/values-production.yaml": """
            replicaCount: 8
            image:
              repository: registry.tidepool.example/orders-api
            resources:
              requests: {cpu: 500m, memory: 384Mi}
              limits: {memory: 768Mi}
            env:
              ASPNETCORE_ENVIRONMENT: Production
            # orders-db (PostgreSQL 15) has max_connections = 300; 8 pods x 30 = 240 leaves room for migrations and admin.
            """,
    })
    r.commit("Apply pool size and timeouts from configuration", B, "2025-01-27T10:05:00+0000", edits=[
        (f"{P}/Data/Database.cs",
         "        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());\n",
         "        var options = config.GetSection(\"Database\");\n"
         "        var csb = new NpgsqlConnectionStringBuilder(connectionString)\n"
         "        {\n"
         "            MaxPoolSize = options.GetValue(\"MaxPoolSize\", 30),\n"
         "            Timeout = options.GetValue(\"ConnectionTimeoutSeconds\", 15),\n"
         "            CommandTimeout = options.GetValue(\"CommandTimeoutSeconds\", 30),\n"
         "        };\n"
         "        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(csb.ConnectionString).Build());\n"),
    ], tag="v3.1.0")
    r.commit("Order history endpoint", C, "2025-02-10T14:00:00+0000", writes={
        f"{P}/Features/History/HistoryEndpoints.cs": """
            using Orders.Api.Data;

            namespace Orders.Api.Features.History;

            public static class HistoryEndpoints
            {
                public static void MapHistory(this IEndpointRouteBuilder app) =>
                    app.MapGet("/v1/customers/{customerId:guid}/orders", ListOrders);

                private static async Task<IResult> ListOrders(Guid customerId, int? limit, OrderRepository repo, CancellationToken ct)
                {
                    var orders = await repo.ListForCustomerAsync(customerId, Math.Clamp(limit ?? 20, 1, 100), ct);
                    return TypedResults.Ok(orders);
                }
            }
            """,
    }, edits=[
        (f"{P}/Data/OrderRepository.cs", "    public async Task<Order?> GetAsync(",
         "    public async Task<IReadOnlyList<Order>> ListForCustomerAsync(Guid customerId, int limit, CancellationToken ct)\n"
         "    {\n"
         "        await using var connection = await dataSource.OpenConnectionAsync(ct);\n"
         "        var rows = await connection.QueryAsync<Order>(new CommandDefinition(\n"
         "            \"SELECT id, customer_id, status, total, created_at FROM orders WHERE customer_id = @customerId ORDER BY created_at DESC LIMIT @limit\",\n"
         "            new { customerId, limit }, cancellationToken: ct));\n"
         "        return rows.AsList();\n"
         "    }\n\n"
         "    public async Task<Order?> GetAsync("),
        (f"{P}/Program.cs", "using Orders.Api.Features.Orders;\n", "using Orders.Api.Features.History;\nusing Orders.Api.Features.Orders;\n"),
        (f"{P}/Program.cs", "app.MapOrders();\n", "app.MapOrders();\napp.MapHistory();\n"),
    ], tag="v3.2.0")
    r.commit("Reserve stock when placing an order", A, "2025-03-03T09:40:00+0000", writes={
        f"{P}/Data/StockReservations.cs": """
            using Dapper;
            using Npgsql;

            namespace Orders.Api.Data;

            public static class StockReservations
            {
                /// <summary>Locks the stock rows of the order's SKUs in a fixed order (no deadlocks) and decrements them.</summary>
                public static async Task ReserveAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<OrderLine> lines, CancellationToken ct)
                {
                    foreach (var line in lines.OrderBy(l => l.Sku, StringComparer.Ordinal))
                    {
                        var left = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                            "UPDATE stock SET available = available - @Quantity WHERE sku = @Sku AND available >= @Quantity RETURNING available",
                            new { line.Sku, line.Quantity }, tx, cancellationToken: ct));
                        if (left is null)
                        {
                            throw new OutOfStockException(line.Sku);
                        }
                    }
                }
            }

            public sealed class OutOfStockException(string sku) : Exception($"SKU {sku} is out of stock.")
            {
                public string Sku { get; } = sku;
            }
            """,
    }, edits=[
        (f"{P}/Data/OrderRepository.cs", "        var id = Guid.NewGuid();\n",
         "        await StockReservations.ReserveAsync(connection, tx, lines, ct);\n        var id = Guid.NewGuid();\n"),
    ])
    r.commit("Map out-of-stock to 409", A, "2025-03-04T16:15:00+0000", edits=[
        (f"{P}/Features/Orders/OrderEndpoints.cs",
         "        var id = await repo.CreateAsync(body.CustomerId, body.Lines, ct);\n        return TypedResults.Created($\"/v1/orders/{id}\", new { id });\n",
         "        try\n        {\n            var id = await repo.CreateAsync(body.CustomerId, body.Lines, ct);\n"
         "            return TypedResults.Created($\"/v1/orders/{id}\", new { id });\n        }\n"
         "        catch (OutOfStockException ex)\n        {\n"
         "            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);\n        }\n"),
    ], tag="v3.3.0")
    r.commit("Tests for stock reservation order", C, "2025-03-12T10:30:00+0000", writes={
        "Orders.Api.Tests/Orders.Api.Tests.csproj": """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net8.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="17.10.0" />
                <PackageReference Include="xunit" Version="2.8.1" />
                <PackageReference Include="Testcontainers.PostgreSql" Version="3.9.0" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="../Orders.Api/Orders.Api.csproj" />
              </ItemGroup>
            </Project>
            """,
        "Orders.Api.Tests/StockReservationTests.cs": """
            using Orders.Api.Data;

            namespace Orders.Api.Tests;

            public class StockReservationTests
            {
                [Fact]
                public void OutOfStock_NamesTheSku()
                {
                    var ex = new OutOfStockException("SKU-1");
                    Assert.Equal("SKU-1", ex.Sku);
                    Assert.Contains("SKU-1", ex.Message);
                }
            }
            """,
    })
    r.commit("Bump Npgsql to 8.0.5", B, "2025-05-19T08:50:00+0000", edits=[
        (f"{P}/{P}.csproj", "\"Npgsql\" Version=\"8.0.3\"", "\"Npgsql\" Version=\"8.0.5\""),
    ], tag="v3.4.0")
    r.commit("Log slow order history queries", C, "2025-06-30T13:25:00+0000", edits=[
        (f"{P}/Features/History/HistoryEndpoints.cs",
         "    private static async Task<IResult> ListOrders(Guid customerId, int? limit, OrderRepository repo, CancellationToken ct)\n    {\n"
         "        var orders = await repo.ListForCustomerAsync(customerId, Math.Clamp(limit ?? 20, 1, 100), ct);\n",
         "    private static async Task<IResult> ListOrders(Guid customerId, int? limit, OrderRepository repo, ILoggerFactory loggers, CancellationToken ct)\n    {\n"
         "        var started = System.Diagnostics.Stopwatch.GetTimestamp();\n"
         "        var orders = await repo.ListForCustomerAsync(customerId, Math.Clamp(limit ?? 20, 1, 100), ct);\n"
         "        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);\n"
         "        if (elapsed > TimeSpan.FromSeconds(1))\n        {\n"
         "            loggers.CreateLogger(\"Orders.Api.History\").LogWarning(\"Order history for {CustomerId} took {ElapsedMs} ms\", customerId, (int)elapsed.TotalMilliseconds);\n"
         "        }\n\n"),
    ], tag="v3.5.0")
    return r


def generate():
    out = os.path.join(BUNDLES, SLUG)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    r = build_repo()
    head = r.build(out)
    rng = random.Random(103)
    repo_f = f"{P}/Data/OrderRepository.cs"
    l_get = r.line_of(repo_f, "await using var connection = await dataSource.OpenConnectionAsync(ct);", nth=2)
    l_create = r.line_of(repo_f, "await using var connection = await dataSource.OpenConnectionAsync(ct);", nth=0)
    l_list = r.line_of(repo_f, "await using var connection = await dataSource.OpenConnectionAsync(ct);", nth=1)
    ep = f"{P}/Features/Orders/OrderEndpoints.cs"
    l_ep_get = r.line_of(ep, "var order = await repo.GetAsync(id, ct);")
    l_ep_place = r.line_of(ep, "var id = await repo.CreateAsync(body.CustomerId, body.Lines, ct);")
    hp = f"{P}/Features/History/HistoryEndpoints.cs"
    l_hist = r.line_of(hp, "var orders = await repo.ListForCustomerAsync(")

    load = lambda t: ramp(t, SALE, SALE + dt.timedelta(minutes=10), 1.0, 3.2)
    # pool saturation: waiters appear ~18:38, timeouts from ~18:41
    sat_start = SALE + dt.timedelta(minutes=11)
    fail = lambda t: 0.0 if t < sat_start else ramp(t, sat_start, START, 0.05, 0.34)

    def stamp(t):
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

    log = Log()
    for t in poisson_times(rng, W0, W1, lambda t: 0.065 * load(t)):
        kind = rng.choices(["get", "place", "hist"], [0.5, 0.3, 0.2])[0]
        cid, oid = uuid.UUID(int=rng.getrandbits(128)), uuid.UUID(int=rng.getrandbits(128))
        path, method = {"get": (f"/v1/orders/{oid}", "GET"), "place": ("/v1/orders/", "POST"), "hist": (f"/v1/customers/{cid}/orders", "GET")}[kind]
        if rng.random() < fail(t):
            frames = {"get": [(f"Orders.Api.Data.OrderRepository.GetAsync(Guid id, CancellationToken ct)", repo_f, l_get),
                              ("Orders.Api.Features.Orders.OrderEndpoints.GetOrder(Guid id, OrderRepository repo, CancellationToken ct)", ep, l_ep_get)],
                      "place": [("Orders.Api.Data.OrderRepository.CreateAsync(Guid customerId, IReadOnlyList`1 lines, CancellationToken ct)", repo_f, l_create),
                                ("Orders.Api.Features.Orders.OrderEndpoints.PlaceOrder(PlaceOrder body, OrderRepository repo, CancellationToken ct)", ep, l_ep_place)],
                      "hist": [("Orders.Api.Data.OrderRepository.ListForCustomerAsync(Guid customerId, Int32 limit, CancellationToken ct)", repo_f, l_list),
                               ("Orders.Api.Features.History.HistoryEndpoints.ListOrders(Guid customerId, Nullable`1 limit, OrderRepository repo, ILoggerFactory loggers, CancellationToken ct)", hp, l_hist)]}[kind]
            lines = [
                f"{stamp(t)} fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1] An unhandled exception has occurred while executing the request.",
                "Npgsql.NpgsqlException (0x80004005): The connection pool has been exhausted, either raise 'Max Pool Size' (currently 30) or 'Timeout' (currently 15 seconds) in your connection string.",
                " ---> System.TimeoutException: The operation has timed out.",
                "   --- End of inner exception stack trace ---",
                "   at Npgsql.PoolingDataSource.<Get>g__RentAsync|34_0(NpgsqlConnection conn, NpgsqlTimeout timeout, Boolean async, CancellationToken cancellationToken)",
                "   at Npgsql.NpgsqlConnection.<Open>g__OpenAsync|42_0(Boolean async, CancellationToken cancellationToken)",
                "   at Npgsql.NpgsqlDataSource.OpenConnectionAsync(CancellationToken cancellationToken)",
            ]
            for method_sig, f, ln in frames:
                lines.append(f"   at {method_sig} in /src/{f}:line {ln}")
            lines += [
                "   at Microsoft.AspNetCore.Http.RequestDelegateFactory.ExecuteTaskResult[T](Task`1 task, HttpContext httpContext)",
                "   at Microsoft.AspNetCore.Routing.EndpointMiddleware.<Invoke>g__AwaitRequestTask|7_0(Endpoint endpoint, Task requestTask, ILogger logger)",
                "   at Prometheus.HttpMetrics.HttpRequestDurationMiddleware.Invoke(HttpContext context)",
                "   at Prometheus.HttpMetrics.HttpRequestCountMiddleware.Invoke(HttpContext context)",
                "   at Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddlewareImpl.<Invoke>g__Awaited|10_0(ExceptionHandlerMiddlewareImpl middleware, HttpContext context, Task task)",
            ]
            t2 = t + dt.timedelta(seconds=15)
            log.add(t2, "\n".join(lines))
            log.add(t2 + dt.timedelta(milliseconds=2), f"{stamp(t2)} info: Microsoft.AspNetCore.Hosting.Diagnostics[2] Request finished HTTP/1.1 {method} http://orders-api.shop.svc{path} - 500 - application/problem+json {15000 + rng.uniform(1, 40):.4f}ms")
            continue
        base = {"get": 9, "place": 38, "hist": 160}[kind]
        ms = rng.lognormvariate(0, 0.5) * base * (1 + 2.5 * max(0.0, load(t) - 1.5))
        code = {"get": 200, "place": 201, "hist": 200}[kind]
        if kind == "place" and rng.random() < 0.03:
            code = 409
        log.add(t, f"{stamp(t)} info: Microsoft.AspNetCore.Hosting.Diagnostics[2] Request finished HTTP/1.1 {method} http://orders-api.shop.svc{path} - {code} - application/json {ms:.4f}ms")
        if kind == "hist" and ms > 1000:
            log.add(t, f"{stamp(t)} warn: Orders.Api.History[0] Order history for {cid} took {int(ms)} ms")
    # pre-existing noise
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 400):
        cid = uuid.UUID(int=rng.getrandbits(128))
        log.add(t, f"{stamp(t)} warn: Orders.Api.History[0] Order history for {cid} took {rng.randint(1100, 2600)} ms")
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 700):
        log.add(t, f"{stamp(t)} warn: Microsoft.AspNetCore.HttpsPolicy.HttpsRedirectionMiddleware[3] Failed to determine the https port for redirect.")
    for t in poisson_times(rng, W0, SALE, lambda t: 1 / 1500):
        log.add(t, f"{stamp(t)} fail: Microsoft.AspNetCore.Server.Kestrel[13] Connection id \"0HN4{rng.randint(10000, 99999)}\", Request id \"0HN4:00000002\": An unhandled exception was thrown by the application.\n"
                   "Microsoft.AspNetCore.Connections.ConnectionResetException: Connection reset by peer\n"
                   "   at Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1ContentLengthMessageBody.ReadAsyncInternal(CancellationToken cancellationToken)\n"
                   "   at System.IO.Pipelines.Pipe.GetReadAsyncResult()")
    n = log.write(os.path.join(out, "logs", "orders-api.log"))

    pg = Log()

    def pgl(t, pid, level, msg):
        return f"{t.strftime('%Y-%m-%d %H:%M:%S.')}{t.microsecond // 1000:03d} UTC [{pid}] orders@orders {level}:  {msg}"

    for t in poisson_times(rng, W0, W1, lambda t: 0.045 * load(t) ** 1.3):
        d = rng.lognormvariate(6.9, 0.45) * (1 + 1.2 * max(0.0, load(t) - 1.5))
        pg.add(t, pgl(t, rng.randint(20000, 40000), "LOG", f"duration: {d:.3f} ms  statement: SELECT id, customer_id, status, total, created_at FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2"))
    t = W0 + dt.timedelta(minutes=3)
    while t < W1:
        pg.add(t, f"{t.strftime('%Y-%m-%d %H:%M:%S.')}{t.microsecond // 1000:03d} UTC [61] LOG:  checkpoint starting: time")
        w = rng.randint(4000, 9000) * (2 if t > SALE else 1)
        pg.add(t + dt.timedelta(seconds=150), f"{(t + dt.timedelta(seconds=150)).strftime('%Y-%m-%d %H:%M:%S.')}000 UTC [61] LOG:  checkpoint complete: wrote {w} buffers ({w / 1310.72:.1f}%); 0 WAL file(s) added, 0 removed, {rng.randint(1, 4)} recycled; write=149.{rng.randint(100, 999)} s, sync=0.0{rng.randint(10, 99)} s, total=150.{rng.randint(100, 999)} s")
        t += dt.timedelta(minutes=5)
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 600):
        pg.add(t, f"{t.strftime('%Y-%m-%d %H:%M:%S.')}000 UTC [{rng.randint(20000, 40000)}] reporting@orders ERROR:  canceling statement due to statement timeout")
    for t in poisson_times(rng, SALE + dt.timedelta(minutes=6), W1, lambda t: 1 / 40):
        pg.add(t, pgl(t, rng.randint(20000, 40000), "LOG", f"process {rng.randint(20000, 40000)} still waiting for ShareLock on transaction {rng.randint(88000000, 88999999)} after 1000.{rng.randint(100, 999)} ms"))
    pn = pg.write(os.path.join(out, "logs", "orders-db.log"))

    m = Metrics(W0, W1)
    rps = lambda t: 95 * load(t)
    help_ = "HTTP requests served, by status code"
    svc = {"service": "orders-api"}
    m.counter("http_requests_received", help_, {**svc, "code": "200"}, lambda t, i: rps(t) * 0.7 * (1 - fail(t)), 180_220_004)
    m.counter("http_requests_received", help_, {**svc, "code": "201"}, lambda t, i: rps(t) * 0.29 * (1 - fail(t)), 40_112_880)
    m.counter("http_requests_received", help_, {**svc, "code": "409"}, lambda t, i: rps(t) * 0.01, 310_440)
    m.counter("http_requests_received", help_, {**svc, "code": "500"}, lambda t, i: rps(t) * fail(t) + 0.001, 21_004)
    m.gauge("http_request_duration_p99_seconds", "p99 request latency", svc,
            lambda t, i: 15.0 + rng.random() * 0.05 if fail(t) > 0.02 else 0.42 * (1 + 3 * max(0.0, load(t) - 1.5)) + 0.05 * rng.random())
    m.gauge("npgsql_db_client_connections_usage", "Npgsql pool connections by state (sum over 8 pods, max 240)", {**svc, "state": "used"},
            lambda t, i: min(240, 62 * load(t) ** 1.4 + rng.randint(-4, 4)), 0)
    m.gauge("npgsql_db_client_connections_usage", "Npgsql pool connections by state (sum over 8 pods, max 240)", {**svc, "state": "idle"},
            lambda t, i: max(0, 240 - min(240, 62 * load(t) ** 1.4) - 150 + rng.randint(-3, 3)), 0)
    m.gauge("npgsql_db_client_connections_max", "Configured Max Pool Size summed over pods", svc, lambda t, i: 240, 0)
    m.gauge("npgsql_db_client_connections_pending_requests", "Callers waiting for a pooled connection", svc,
            lambda t, i: 0 if t < sat_start - dt.timedelta(minutes=3) else ramp(t, sat_start - dt.timedelta(minutes=3), START, 2, 190) + rng.randint(0, 9), 0)
    m.gauge("pg_stat_activity_count", "Backends on orders-db by state", {"datname": "orders", "state": "active"},
            lambda t, i: min(236, 30 * load(t) ** 1.7 + rng.randint(-3, 3)), 0)
    m.gauge("pg_settings_max_connections", "orders-db max_connections", {"datname": "orders"}, lambda t, i: 300, 0)
    m.gauge("pg_cpu_utilisation_ratio", "orders-db instance CPU", {"datname": "orders"}, lambda t, i: min(0.97, 0.28 * load(t) + 0.03 * rng.random()))
    m.gauge("container_cpu_usage_cores", "CPU of orders-api pods (sum)", svc, lambda t, i: 1.6 * load(t) ** 0.6 + 0.1 * rng.random())
    m.gauge("process_working_set_bytes", "Memory of orders-api pods (sum)", svc, lambda t, i: 8 * 210e6 + 30e6 * load(t) + rng.randint(0, 5_000_000), 0)
    m.gauge("shop_checkout_sessions_active", "Active checkout sessions (storefront)", {"service": "storefront"}, lambda t, i: 1800 * load(t) + rng.randint(-60, 60), 0)
    m.write(os.path.join(out, "metrics.om"))

    write_json(os.path.join(out, "deploys.json"), [
        {"service": "orders-api", "version": "3.4.0", "commit": r.sha_of_tag("v3.4.0"), "at": "2025-05-20T09:15:00Z"},
        {"service": "orders-api", "version": "3.5.0", "commit": head, "at": "2025-07-01T10:02:00Z"},
        {"service": "storefront", "version": "2025.07.08-1", "commit": "e07b2f9c41a8d36e5b90c1f27d4a8e63b15c902d", "at": "2025-07-08T16:55:00Z"},
        {"service": "marketing", "version": "campaign summer-flash-0708", "commit": "", "at": iso(SALE), "kind": "campaign"},
    ])
    write_json(os.path.join(out, "truth.json"), {
        "severity": "P1",
        "service": "orders-api",
        "category": "capacity/resource-exhaustion",
        "root_cause": "The 18:30 summer flash sale tripled order traffic and slowed orders-db, so each pod's Npgsql pool (Max Pool Size 30, 240 in total) stayed fully checked out; requests waited the 15 s pool timeout and failed with 'The connection pool has been exhausted'.",
        "evidence": [
            "Npgsql.NpgsqlException (0x80004005): The connection pool has been exhausted, either raise 'Max Pool Size' (currently 30) or 'Timeout' (currently 15 seconds)",
            "npgsql_db_client_connections_usage{state=\"used\"} at npgsql_db_client_connections_max",
            "npgsql_db_client_connections_pending_requests",
            "http_requests_received_total{code=\"500\"}",
            "shop_checkout_sessions_active",
        ],
        "suspect_commit": None,
        "suspect_file": None,
        "suspect_line": None,
        "remediation": [
            {"action": "Confirm pool usage sits at Max Pool Size with waiters, and orders-db backends/CPU headroom (pg_stat_activity, max_connections 300)", "tier": "READ"},
            {"action": "Scale orders-api out only as far as max_connections allows, or put PgBouncer (transaction pooling) in front of orders-db", "tier": "REVERSIBLE"},
            {"action": "Shed non-essential load: serve order history from the read replica or rate-limit it for the sale", "tier": "REVERSIBLE"},
            {"action": "Terminate long-running reporting queries on orders-db (pg_terminate_backend) only with DBA approval", "tier": "DESTRUCTIVE"},
        ],
        "red_herrings": [
            "orders-api 3.5.0 (slow order-history logging) deployed a week earlier",
            "HttpsRedirectionMiddleware 'Failed to determine the https port' warnings",
            "Kestrel ConnectionResetException before the sale",
            "reporting user's statement timeouts and checkpoint logs on orders-db",
            "storefront release at 16:55",
        ],
    })
    ann = {"summary": "orders-api: 31% of requests fail with 5xx",
           "description": "5xx ratio for orders-api over 5m is 0.31 (threshold 0.05). p99 latency 15s.",
           "runbook_url": "https://runbooks.tidepool.example/orders-api/errors"}
    labels = {"alertname": "OrdersApiHighErrorRate", "namespace": "shop", "service": "orders-api", "severity": "critical", "team": "orders"}
    write_json(os.path.join(out, "alert.json"), {
        "version": "4",
        "groupKey": "{}:{alertname=\"OrdersApiHighErrorRate\", service=\"orders-api\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "incidenthub",
        "groupLabels": {"alertname": "OrdersApiHighErrorRate", "service": "orders-api"},
        "commonLabels": labels,
        "commonAnnotations": ann,
        "externalURL": "https://alertmanager.tidepool.example",
        "alerts": [{
            "status": "firing", "labels": labels, "annotations": ann,
            "startsAt": "2025-07-08T18:47:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://prometheus.tidepool.example/graph?g0.expr=sum%28rate%28http_requests_received_total%7Bservice%3D%22orders-api%22%2Ccode%3D~%225..%22%7D%5B5m%5D%29%29&g0.tab=1",
            "fingerprint": "a3d90e6b27c15f48",
        }],
    })
    write_text(os.path.join(out, "scenario.yaml"), scenario_yaml({
        "id": SLUG,
        "title": "orders-api: Npgsql connection pool exhausted during the summer flash sale",
        "started_at": iso(START),
        "source": "alertmanager",
        "services": ["orders-api", "orders-db"],
        "primary_service": "orders-api",
        "language": "C#",
        "inspired_by": "GitHub availability report March 2022 (database connection saturation under peak load) and GitLab.com 2017-01-31 post-mortem (load spike exhausting PostgreSQL connections); Tidepool is invented",
        "narrative": "At 18:47 UTC Alertmanager pages for OrdersApiHighErrorRate: about a third of order placements and order lookups fail "
                     "after hanging for 15 seconds. Marketing launched the summer flash sale e-mail at 18:30. orders-api was last released "
                     "a week ago; storefront shipped a release this afternoon.",
        "window": {"from": iso(W0), "to": iso(W1)},
        "repo": {"script": "repo/make_repo.sh", "name": "orders-api", "path_in_stack_traces": "/src/",
                 "commits": len(r.commits), "head": head},
        "files": {"alert": "alert.json", "logs": ["logs/orders-api.log", "logs/orders-db.log"], "metrics": "metrics.om",
                  "deploys": "deploys.json", "truth": "truth.json"},
    }))
    return {"slug": SLUG, "lines": {"orders-api": n, "orders-db": pn}, "head": head}


if __name__ == "__main__":
    print(generate())
