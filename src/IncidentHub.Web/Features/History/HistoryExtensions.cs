using IncidentHub.Web.Infrastructure.Commands;

namespace IncidentHub.Web.Features.History;

public static class HistoryExtensions
{
    public static WebApplicationBuilder AddHistory(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HistoryQueries>();
        builder.Services.AddScoped<HistoryGenerator>();
        builder.Services.AddScoped<DemoData>();
        builder.Services.AddAppCommand("seed-history",
            "seed-history [--count N] [--months M] [--seed S] [--if-empty]: write a generated demo history (marked Demo; --if-empty: only when there is none yet) and exit",
            SeedHistoryAsync);
        return builder;
    }

    public static IEndpointRouteBuilder MapHistory(this IEndpointRouteBuilder app) => app.MapHistoryApi().MapDemoDataApi();

    private static async Task SeedHistoryAsync(IServiceProvider services, string[] args)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<HistoryGenerator>().RunAsync(HistoryGenerator.ParseArgs(args), CancellationToken.None);
    }
}
