using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ai;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>The shared app runs with the default Ai:Provider=None: the jobs call no model and write nothing more.</summary>
[Collection(AppCollection.Name)]
public sealed class AiProviderNoneTests(IncidentHubFactory app)
{
    [Fact]
    public async Task ProviderNone_TheJobsHookNothing_TheTimelineHasNoAiLine_AndNoUsageIsStored()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Odd errors {Guid.NewGuid():N}", $"ghost-{Guid.NewGuid():N}");
        await DiagnosisSeed.WaitForInvestigationAsync(app, number);
        var id = await DiagnosisSeed.IncidentIdAsync(app, number);

        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(app.ConnectionString).Options);
        using var scope = app.Services.CreateScope();

        Assert.IsType<NoInvestigationEnrichment>(scope.ServiceProvider.GetRequiredService<IInvestigationEnrichment>());
        Assert.False(await db.Timeline.AnyAsync(t => t.IncidentId == id && t.Actor.StartsWith("ai-")));
        Assert.False(await db.Set<AiUsage>().AnyAsync(u => u.IncidentId == id));
        Assert.True(await db.Diagnoses.AnyAsync(d => d.IncidentId == id && d.IsFinal));
    }

    [Fact]
    public async Task ProviderNone_TheAdminPageSaysNotConfigured_AndTheConnectionTestSaysWhy()
    {
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var status = JsonNode.Parse(await http.GetStringAsync("/api/admin/ai"))!;
        var test = JsonNode.Parse(await (await http.PostAsync("/api/admin/ai/test", null)).Content.ReadAsStringAsync())!;

        Assert.False(status["configured"]!.GetValue<bool>());
        Assert.Equal("None", status["provider"]!.GetValue<string>());
        Assert.False(test["ok"]!.GetValue<bool>());
        Assert.Contains("Ai:Provider=None", test["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
