namespace IncidentHub.Web.Features.Memory;

public static class MemoryExtensions
{
    public static WebApplicationBuilder AddMemory(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IncidentMemory>();
        builder.Services.AddSingleton<IncidentMemoryRecall>();
        builder.Services.AddScoped<Investigation.IIncidentMemoryRecall, InvestigationMemoryRecall>();
        builder.Services.AddScoped<RememberIncidentJob>();
        builder.Services.AddScoped<MemorySweepJob>();
        return builder;
    }
}
