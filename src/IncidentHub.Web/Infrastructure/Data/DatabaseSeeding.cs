namespace IncidentHub.Web.Infrastructure.Data;

/// <summary>A feature's seed data (roles and the first admin, demo integrations, the service catalog). Safe to run on every start.</summary>
public interface IDatabaseSeeder
{
    Task SeedAsync(IServiceProvider services, CancellationToken ct);
}

public static class DatabaseSeeding
{
    /// <summary>Seeders run in the order their features were added, after the migrations.</summary>
    public static IServiceCollection AddDatabaseSeeder<TSeeder>(this IServiceCollection services)
        where TSeeder : class, IDatabaseSeeder =>
        services.AddTransient<IDatabaseSeeder, TSeeder>();
}
