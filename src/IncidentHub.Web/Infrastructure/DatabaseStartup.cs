using System.ComponentModel.DataAnnotations;
using IncidentHub.Web.Infrastructure.Errors;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IncidentHub.Web.Infrastructure;

/// <summary>Settings of the "Database" section besides the connection string.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>Migrate and seed before serving (one-process deployments); otherwise `IncidentHub.Web migrate` does it.</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>How long a starting process waits for PostgreSQL before it gives up; unset: it keeps trying.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Database:StartupMaxWait must be between 00:00:01 and 30.00:00:00.")]
    public TimeSpan? StartupMaxWait { get; set; }
}

/// <summary>
/// A process that starts while PostgreSQL is away (a restart of the whole stack, a failover) waits for it, saying so
/// in the log, instead of crashing: before the commands (`migrate`), the migration on start, Hangfire and every
/// hosted service touch the database.
/// </summary>
public static class DatabaseStartup
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    public static async Task WaitForDatabaseAsync(this WebApplication app)
    {
        // Configuration errors first: a wrong setting must not hide behind "PostgreSQL not reachable".
        app.Services.GetService<IStartupValidator>()?.Validate();

        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseStartup).FullName!);
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var endpoint = $"{settings.Host}:{settings.Port}";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                if (attempt > 1)
                {
                    logger.LogWarning("PostgreSQL at {Endpoint} reachable after {Seconds:0} s; starting", endpoint, waited.Elapsed.TotalSeconds);
                }

                return;
            }
            catch (Exception ex) when (DatabaseUnavailableException.From(ex) is not null || ex is IOException or TimeoutException)
            {
                var reason = Reason(ex);
                if (options.StartupMaxWait is { } max && waited.Elapsed + delay > max)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL at {endpoint} was not reachable within {max} (Database:StartupMaxWait): {reason}", ex);
                }

                logger.LogWarning("PostgreSQL at {Endpoint} not reachable ({Reason}); retrying in {Delay:0} s", endpoint, reason, delay.TotalSeconds);
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    /// <summary>The innermost message (the socket's "Connection refused" rather than Npgsql's "Failed to connect").</summary>
    private static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner == ex ? ex.Message : $"{ex.Message.TrimEnd('.')}: {inner.Message}";
    }
}
