using Npgsql;

namespace IncidentHub.Tests.Shared;

/// <summary>
/// A fresh database on the throwaway PostgreSQL that scripts/test.sh starts
/// (INCIDENTHUB_TEST_PG). Dropped when the tests that used it end.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private TestDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true, MaxPoolSize = 40 }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("INCIDENTHUB_TEST_PG");
        if (string.IsNullOrWhiteSpace(admin))
        {
            throw new InvalidOperationException(
                "INCIDENTHUB_TEST_PG is not set. Run the tests with scripts/test.sh, which starts a throwaway PostgreSQL and sets it.");
        }

        var name = $"ih_test_{Guid.NewGuid():N}"[..24];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new TestDatabase(admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
