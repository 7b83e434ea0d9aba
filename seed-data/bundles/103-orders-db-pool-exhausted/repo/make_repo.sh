#!/usr/bin/env bash
# Builds the orders-api repository for bundle 103-orders-db-pool-exhausted.
# Deterministic: fixed author/committer names, emails and dates, so commit SHAs are identical on every run.
# Usage: make_repo.sh [DEST_DIR]   (default: ./orders-api)
set -euo pipefail
DEST="${1:-./orders-api}"
if [ -e "$DEST/.git" ]; then echo "refusing to overwrite existing repo at $DEST" >&2; exit 1; fi
mkdir -p "$DEST"
cd "$DEST"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$(mktemp -d)" TZ=UTC LC_ALL=C
git init -q
git symbolic-ref HEAD refs/heads/main
commit() {  # commit MESSAGE AUTHOR EMAIL DATE
  git add -A
  GIT_AUTHOR_NAME="$2" GIT_AUTHOR_EMAIL="$3" GIT_AUTHOR_DATE="$4" \
  GIT_COMMITTER_NAME="$2" GIT_COMMITTER_EMAIL="$3" GIT_COMMITTER_DATE="$4" \
    git -c commit.gpgsign=false -c core.hooksPath=/dev/null -c core.autocrlf=false commit -q --no-verify -m "$1"
}

cat > README.md <<'IHUB_BUNDLE_EOF'
# orders-api

Order placement and order history for the Tidepool shop. ASP.NET Core 8 minimal APIs on PostgreSQL (Npgsql + Dapper).

`dotnet run --project Orders.Api`

Releases are tagged `vX.Y.Z`; production settings are in `Orders.Api/appsettings.Production.json`
and connection strings come from the `orders-db` secret.
IHUB_BUNDLE_EOF
cat > .gitignore <<'IHUB_BUNDLE_EOF'
bin/
obj/
*.user
.vs/
IHUB_BUNDLE_EOF
mkdir -p Orders.Api
cat > Orders.Api/Orders.Api.csproj <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p Orders.Api
cat > Orders.Api/Program.cs <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
cat > Dockerfile <<'IHUB_BUNDLE_EOF'
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Orders.Api -c Release -o /out

FROM mcr.microsoft.com/dotnet/aspnet:8.0
WORKDIR /app
COPY --from=build /out .
ENTRYPOINT ["dotnet", "Orders.Api.dll"]
IHUB_BUNDLE_EOF
commit 'New ASP.NET Core minimal API for orders' 'Grace Okafor' grace.okafor@tidepool.example 2025-01-13T10:00:00+0000

mkdir -p Orders.Api/Data
cat > Orders.Api/Data/Database.cs <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p Orders.Api/Data
cat > Orders.Api/Data/Order.cs <<'IHUB_BUNDLE_EOF'
namespace Orders.Api.Data;

public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

public sealed record Order(Guid Id, Guid CustomerId, string Status, decimal Total, DateTimeOffset CreatedAt);
IHUB_BUNDLE_EOF
mkdir -p Orders.Api
cat > Orders.Api/appsettings.json <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Database registration with NpgsqlDataSource' 'Lukas Novak' lukas.novak@tidepool.example 2025-01-15T13:10:00+0000

mkdir -p Orders.Api/Data
cat > Orders.Api/Data/OrderRepository.cs <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Order repository' 'Lukas Novak' lukas.novak@tidepool.example 2025-01-17T09:30:00+0000

mkdir -p Orders.Api/Features/Orders
cat > Orders.Api/Features/Orders/OrderEndpoints.cs <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Orders endpoints' 'Grace Okafor' grace.okafor@tidepool.example 2025-01-20T15:45:00+0000
git tag v3.0.0

mkdir -p Orders.Api
cat > Orders.Api/appsettings.Production.json <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p deploy
cat > deploy/values-production.yaml <<'IHUB_BUNDLE_EOF'
replicaCount: 8
image:
  repository: registry.tidepool.example/orders-api
resources:
  requests: {cpu: 500m, memory: 384Mi}
  limits: {memory: 768Mi}
env:
  ASPNETCORE_ENVIRONMENT: Production
# orders-db (PostgreSQL 15) has max_connections = 300; 8 pods x 30 = 240 leaves room for migrations and admin.
IHUB_BUNDLE_EOF
commit 'Production settings' 'Mariana Costa' mariana.costa@tidepool.example 2025-01-24T11:20:00+0000

mkdir -p Orders.Api/Data
cat > Orders.Api/Data/Database.cs <<'IHUB_BUNDLE_EOF'
using Npgsql;

namespace Orders.Api.Data;

public static class Database
{
    public static IServiceCollection AddOrdersDatabase(this IServiceCollection services, IConfiguration config)
    {
        var connectionString = config.GetConnectionString("Orders")
            ?? throw new InvalidOperationException("ConnectionStrings:Orders is not set.");
        var options = config.GetSection("Database");
        var csb = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = options.GetValue("MaxPoolSize", 30),
            Timeout = options.GetValue("ConnectionTimeoutSeconds", 15),
            CommandTimeout = options.GetValue("CommandTimeoutSeconds", 30),
        };
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(csb.ConnectionString).Build());
        services.AddScoped<OrderRepository>();
        return services;
    }
}
IHUB_BUNDLE_EOF
commit 'Apply pool size and timeouts from configuration' 'Lukas Novak' lukas.novak@tidepool.example 2025-01-27T10:05:00+0000
git tag v3.1.0

mkdir -p Orders.Api/Features/History
cat > Orders.Api/Features/History/HistoryEndpoints.cs <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p Orders.Api/Data
cat > Orders.Api/Data/OrderRepository.cs <<'IHUB_BUNDLE_EOF'
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

    public async Task<IReadOnlyList<Order>> ListForCustomerAsync(Guid customerId, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Order>(new CommandDefinition(
            "SELECT id, customer_id, status, total, created_at FROM orders WHERE customer_id = @customerId ORDER BY created_at DESC LIMIT @limit",
            new { customerId, limit }, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<Order?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Order>(
            new CommandDefinition("SELECT id, customer_id, status, total, created_at FROM orders WHERE id = @id", new { id }, cancellationToken: ct));
    }
}
IHUB_BUNDLE_EOF
mkdir -p Orders.Api
cat > Orders.Api/Program.cs <<'IHUB_BUNDLE_EOF'
using Orders.Api.Data;
using Orders.Api.Features.History;
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
app.MapHistory();
app.Run();
IHUB_BUNDLE_EOF
commit 'Order history endpoint' 'Mariana Costa' mariana.costa@tidepool.example 2025-02-10T14:00:00+0000
git tag v3.2.0

mkdir -p Orders.Api/Data
cat > Orders.Api/Data/StockReservations.cs <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p Orders.Api/Data
cat > Orders.Api/Data/OrderRepository.cs <<'IHUB_BUNDLE_EOF'
using Dapper;
using Npgsql;

namespace Orders.Api.Data;

public sealed class OrderRepository(NpgsqlDataSource dataSource)
{
    public async Task<Guid> CreateAsync(Guid customerId, IReadOnlyList<OrderLine> lines, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await StockReservations.ReserveAsync(connection, tx, lines, ct);
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

    public async Task<IReadOnlyList<Order>> ListForCustomerAsync(Guid customerId, int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Order>(new CommandDefinition(
            "SELECT id, customer_id, status, total, created_at FROM orders WHERE customer_id = @customerId ORDER BY created_at DESC LIMIT @limit",
            new { customerId, limit }, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<Order?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Order>(
            new CommandDefinition("SELECT id, customer_id, status, total, created_at FROM orders WHERE id = @id", new { id }, cancellationToken: ct));
    }
}
IHUB_BUNDLE_EOF
commit 'Reserve stock when placing an order' 'Grace Okafor' grace.okafor@tidepool.example 2025-03-03T09:40:00+0000

mkdir -p Orders.Api/Features/Orders
cat > Orders.Api/Features/Orders/OrderEndpoints.cs <<'IHUB_BUNDLE_EOF'
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

        try
        {
            var id = await repo.CreateAsync(body.CustomerId, body.Lines, ct);
            return TypedResults.Created($"/v1/orders/{id}", new { id });
        }
        catch (OutOfStockException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static async Task<IResult> GetOrder(Guid id, OrderRepository repo, CancellationToken ct)
    {
        var order = await repo.GetAsync(id, ct);
        return order is null ? TypedResults.NotFound() : TypedResults.Ok(order);
    }
}
IHUB_BUNDLE_EOF
commit 'Map out-of-stock to 409' 'Grace Okafor' grace.okafor@tidepool.example 2025-03-04T16:15:00+0000
git tag v3.3.0

mkdir -p Orders.Api.Tests
cat > Orders.Api.Tests/Orders.Api.Tests.csproj <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p Orders.Api.Tests
cat > Orders.Api.Tests/StockReservationTests.cs <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Tests for stock reservation order' 'Mariana Costa' mariana.costa@tidepool.example 2025-03-12T10:30:00+0000

mkdir -p Orders.Api
cat > Orders.Api/Orders.Api.csproj <<'IHUB_BUNDLE_EOF'
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Npgsql" Version="8.0.5" />
    <PackageReference Include="Dapper" Version="2.1.35" />
    <PackageReference Include="prometheus-net.AspNetCore" Version="8.2.1" />
  </ItemGroup>
</Project>
IHUB_BUNDLE_EOF
commit 'Bump Npgsql to 8.0.5' 'Lukas Novak' lukas.novak@tidepool.example 2025-05-19T08:50:00+0000
git tag v3.4.0

mkdir -p Orders.Api/Features/History
cat > Orders.Api/Features/History/HistoryEndpoints.cs <<'IHUB_BUNDLE_EOF'
using Orders.Api.Data;

namespace Orders.Api.Features.History;

public static class HistoryEndpoints
{
    public static void MapHistory(this IEndpointRouteBuilder app) =>
        app.MapGet("/v1/customers/{customerId:guid}/orders", ListOrders);

    private static async Task<IResult> ListOrders(Guid customerId, int? limit, OrderRepository repo, ILoggerFactory loggers, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var orders = await repo.ListForCustomerAsync(customerId, Math.Clamp(limit ?? 20, 1, 100), ct);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (elapsed > TimeSpan.FromSeconds(1))
        {
            loggers.CreateLogger("Orders.Api.History").LogWarning("Order history for {CustomerId} took {ElapsedMs} ms", customerId, (int)elapsed.TotalMilliseconds);
        }

        return TypedResults.Ok(orders);
    }
}
IHUB_BUNDLE_EOF
commit 'Log slow order history queries' 'Mariana Costa' mariana.costa@tidepool.example 2025-06-30T13:25:00+0000
git tag v3.5.0

