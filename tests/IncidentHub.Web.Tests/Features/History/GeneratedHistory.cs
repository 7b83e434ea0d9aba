using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.History;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.History;

/// <summary>
/// One generated history in the shared app's database, placed in the second half of 2020 so no
/// other test's incidents fall in its range.
/// </summary>
public static class GeneratedHistory
{
    public static readonly DateTimeOffset From = new(2020, 7, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset To = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public const int Count = 400;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _seeded;

    /// <summary>After a test removed all demo data: the next <see cref="EnsureAsync"/> generates the history again.</summary>
    public static void Forget()
    {
        Gate.Wait();
        _seeded = false;
        Gate.Release();
    }

    public static async Task EnsureAsync(IncidentHubFactory app)
    {
        await Gate.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            await using var scope = app.Services.CreateAsyncScope();
            var written = await scope.ServiceProvider.GetRequiredService<HistoryGenerator>()
                .RunAsync(new HistoryGenerator.Options(Count, 6, Seed: 7, End: To.AddHours(-1)), CancellationToken.None);
            Assert.Equal(Count, written);
            _seeded = true;
        }
        finally
        {
            Gate.Release();
        }
    }
}
