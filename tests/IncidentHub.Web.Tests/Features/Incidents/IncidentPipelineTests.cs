using IncidentHub.Web.Features.OnCall;
using IncidentHub.Web.Features.CodeFix;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Memory;
using IncidentHub.Web.Features.Remediation;
using IncidentHub.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Incidents;

/// <summary>What follows each stage of an incident's life, as the features registered it with the pipeline.</summary>
[Collection(AppCollection.Name)]
public sealed class IncidentPipelineTests(IncidentHubFactory app)
{
    [Fact]
    public void EachStage_StartsTheJobsOfTheFeaturesThatOwnThem()
    {
        var pipeline = app.Services.GetRequiredService<IncidentPipeline>();

        Assert.Equal([nameof(TriageJob)], Steps(IncidentStage.Opened));
        Assert.Equal([nameof(InvestigateJob)], Steps(IncidentStage.Triaged));
        Assert.Equal([nameof(CodeAnalysisJob), nameof(PlanJob), nameof(NoticeJob)], Steps(IncidentStage.Diagnosed));
        Assert.Equal([nameof(PlanJob)], Steps(IncidentStage.CodeAnalysed));
        Assert.Equal([nameof(InvestigateJob), nameof(NoticeJob)], Steps(IncidentStage.MitigationFailed));
        Assert.Equal([nameof(RememberIncidentJob), nameof(PostmortemJob), nameof(ExpireSilencesJob), nameof(NoticeJob)], Steps(IncidentStage.ResolvedByPerson));
        // A storm's resolution must not enqueue thousands of PDFs: the post-mortem sweep writes those, 100 a minute.
        Assert.Equal([nameof(RememberIncidentJob), nameof(ExpireSilencesJob), nameof(NoticeJob)], Steps(IncidentStage.ResolvedByAlerts));
        foreach (var stage in new[] { IncidentStage.Acknowledged, IncidentStage.ApprovalNeeded, IncidentStage.ApprovalTimedOut, IncidentStage.ActionFailed, IncidentStage.PostmortemReady, IncidentStage.EscalatedByPerson, IncidentStage.Reopened })
        {
            Assert.Equal([nameof(NoticeJob)], Steps(stage));
        }

        IEnumerable<string> Steps(IncidentStage stage) => pipeline.StepsAfter(stage).Select(s => s.Name);
    }

    [Fact]
    public async Task AnIncidentResolvedByItsAlerts_IsRemembered()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        using var http = app.Client();
        var title = $"Queue depth above 10k {Guid.NewGuid():N}";

        var opened = await http.PostAsJsonAsync(hook + "?wait=true", new { title, service = "orders", fingerprint = title });
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        var number = (await opened.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        var resolved = await http.PostAsJsonAsync(hook + "?wait=true", new { title, service = "orders", fingerprint = title, status = "resolved" });
        Assert.Equal(HttpStatusCode.Accepted, resolved.StatusCode);

        await using var db = DiagnosisSeed.Db(app);
        var id = await db.Incidents.Where(i => i.Number == number).Select(i => i.Id).SingleAsync();
        Assert.Equal(IncidentState.Resolved, await db.Incidents.Where(i => i.Id == id).Select(i => i.State).SingleAsync());
        // The memory sweep looks only every five minutes: a prompt entry comes from the pipeline's step.
        await Eventually.HoldsAsync(() => db.MemoryEntries.AsNoTracking().CountAsync(m => m.IncidentId == id), n => n == 1,
            TimeSpan.FromSeconds(60), "the memory entry of an incident its alerts resolved");
    }
}
