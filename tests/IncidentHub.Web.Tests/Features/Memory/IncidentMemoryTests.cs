using System.Net;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Memory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using StackTrace = IncidentHub.Analysis.Diagnosis.StackTrace;

namespace IncidentHub.Web.Tests.Features.Memory;

[Collection(AppCollection.Name)]
public sealed class IncidentMemoryTests(IncidentHubFactory app, ITestOutputHelper output)
{
    [Fact]
    public async Task Resolve_StoresTheFingerprintOnce_HoweverOftenItIsRemembered()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Checkout 5xx ratio above 5% {Guid.NewGuid():N}", "checkout");
        await DiagnosisSeed.SeedCheckoutAsync(app, number);
        var id = await DiagnosisSeed.IncidentIdAsync(app, number);
        using var http = app.Client(IncidentHubFactory.AdminToken);

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);
        var entry = await Eventually.HoldsAsync(() => EntryAsync(id), e => e is not null, TimeSpan.FromSeconds(90), "the memory entry");

        // The job retried, the sweep, a second worker: still one row.
        var memory = app.Services.GetRequiredService<IncidentMemory>();
        Assert.True(await memory.RecordAsync(id));
        Assert.True(await memory.RecordAsync(id));
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<MemorySweepJob>().RunAsync(CancellationToken.None);
        }

        await using var db = DiagnosisSeed.Db(app);
        Assert.Equal(1, await db.MemoryEntries.CountAsync(m => m.IncidentId == id));
        Assert.Equal(number, entry!.Number);
        Assert.Equal("checkout", entry.Service);
        Assert.Equal(["IndexError"], entry.ExceptionTypes);
        Assert.Contains("ERROR cart.views apply_discount failed: IndexError: list index out of range order=<*>", entry.Templates);
        Assert.Equal("cart/views.py", entry.Files[0]);
        Assert.Equal("bad-deploy-code", entry.Category);
        Assert.Contains("apply_discount", entry.RootCause, StringComparison.Ordinal);
        Assert.Null(entry.FixVerified);
        Assert.NotNull(await db.Incidents.Where(i => i.Id == id).Select(i => i.ResolvedAt).SingleAsync());

        // A fix written later survives another remember.
        Assert.True(await memory.SetFixAsync(id, "Reverted a41f9c2 (deploy v2026.11.20-4)", verified: null));
        Assert.True(await memory.RecordAsync(id));
        Assert.Equal("Reverted a41f9c2 (deploy v2026.11.20-4)", (await EntryAsync(id))!.Fix);
    }

    [Fact]
    public async Task FixApi_WritesTheFixOfAResolvedIncident_RefusesOpenOnesAndViewers()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Checkout 5xx ratio above 5% {Guid.NewGuid():N}", "checkout");
        var id = await DiagnosisSeed.IncidentIdAsync(app, number);
        using var admin = app.Client(IncidentHubFactory.AdminToken);
        using var viewer = app.Client(await app.CreateUserAsync($"viewer-{Guid.NewGuid():N}@test.local", "Viewer!pass-123", Web.Features.Identity.Roles.Viewer));
        var body = System.Net.Http.Json.JsonContent.Create(new { fix = "Rolled back to v2026.11.20-2", verified = true });

        var whileOpen = await admin.PutAsync($"/api/incidents/{number}/memory/fix", body);
        await admin.PostAsync($"/api/incidents/{number}/resolve", null);
        await Eventually.HoldsAsync(() => EntryAsync(id), e => e is not null, TimeSpan.FromSeconds(90), "the memory entry");
        var byViewer = await viewer.PutAsync($"/api/incidents/{number}/memory/fix", body);
        var empty = await admin.PutAsync($"/api/incidents/{number}/memory/fix", System.Net.Http.Json.JsonContent.Create(new { fix = " " }));
        var ok = await admin.PutAsync($"/api/incidents/{number}/memory/fix", body);

        Assert.Equal(HttpStatusCode.NotFound, whileOpen.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        var entry = await EntryAsync(id);
        Assert.Equal("Rolled back to v2026.11.20-2", entry!.Fix);
        Assert.True(entry.FixVerified);
    }

    [Fact]
    public async Task AlertsResolvingAtTheSource_AlsoRememberTheIncident()
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Alertmanager);
        var fp = Guid.NewGuid().ToString("N")[..16];
        var group = $"{{}}:{{alertname=\"QueueBacklog\", fp=\"{fp}\"}}";
        using var http = app.Client();

        await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("firing", group, (fp, "QueueBacklog", "billing-worker", "warning", "firing"))));
        await http.PostAsync(hook + "?wait=true", Payloads.Json(Payloads.Alertmanager("resolved", group, (fp, "QueueBacklog", "billing-worker", "warning", "resolved"))));

        await using var db = DiagnosisSeed.Db(app);
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Alerts.Any(a => a.Fingerprint == fp));
        Assert.Equal(IncidentState.Resolved, incident.State);
        // The memory job queues behind the triage, investigation and post-mortem jobs of every test running in parallel.
        var entry = await Eventually.HoldsAsync(() => EntryAsync(incident.Id), e => e is not null, TimeSpan.FromSeconds(90), "the memory entry of an auto-resolved incident");
        Assert.Equal("billing-worker", entry!.Service);
        Assert.Equal(["QueueBacklog"], entry.AlertNames);
    }

    [Fact]
    public async Task Recall_RanksTheTrulySimilarIncidentFirst_AndNeverItself()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var service = $"cart-{tag}";
        var exception = $"DiscountIndexError{tag}";
        var template = $"ERROR apply_discount_{tag} failed: list index out of range order=<*>";

        // The one that really was the same problem, one that only shares the service, one that only shares a word or two.
        var same = await ResolvedAsync($"Cart 5xx above 5% {tag}", service, template, exception, "cart/discounts.py", HypothesisCategory.BadDeployCode,
            "Deploy broke apply_discount: list index out of range in cart/discounts.py");
        var sameService = await ResolvedAsync($"Cart disk almost full {tag}", service, $"WARN disk {tag} usage at <*>%", "OSError", "cart/uploads.py", HypothesisCategory.CapacityExhaustion,
            "Scratch space filled by CSV imports");
        var unrelated = await ResolvedAsync($"Geocoder rate limited {tag}", $"geo-{tag}", $"WARN provider 429 {tag} for <*>", "RateLimitError", "geo/client.py", HypothesisCategory.DependencyFailure,
            "Provider rate limit; fell back to cache");

        var now = await DiagnosisSeed.OpenIncidentAsync(app, $"Cart 5xx above 5% {tag} again", service);
        await FingerprintAsync(now, template, exception, "cart/discounts.py", null, null);
        var recall = app.Services.GetRequiredService<MemoryRecall>();

        var matches = await recall.RecallAsync(await DiagnosisSeed.IncidentIdAsync(app, now));
        var fromThePast = await recall.RecallAsync(await DiagnosisSeed.IncidentIdAsync(app, same));
        foreach (var m in matches)
        {
            output.WriteLine($"{m.Reference} similarity {m.Similarity:0.00} (rank {m.TextRank:0.000}, overlap {m.FingerprintOverlap:0.00}): {string.Join(", ", m.SharedFeatures)}");
        }

        Assert.Equal(same, matches[0].Number);
        Assert.Contains("same service", matches[0].SharedFeatures);
        Assert.Contains($"exception {exception}", matches[0].SharedFeatures);
        Assert.Contains("file cart/discounts.py", matches[0].SharedFeatures);
        Assert.Equal("bad-deploy-code", matches[0].Category);
        Assert.Equal(HypothesisCategory.BadDeployCode, matches[0].ToPastIncident().Category);
        // Sharing only the service is far weaker (or not "seen before" at all).
        Assert.All(matches.Where(m => m.Number == sameService), m => Assert.True(matches[0].Similarity > m.Similarity + 0.2, $"{matches[0].Similarity} vs {m.Similarity}"));
        Assert.DoesNotContain(matches, m => m.Number == now);
        Assert.DoesNotContain(matches, m => m.Number == unrelated);
        Assert.DoesNotContain(fromThePast, m => m.Number == same);
        Assert.DoesNotContain(fromThePast, m => m.Number == now);
    }

    [Fact]
    public async Task Recall_WithNothingLikeItInMemory_ReturnsNone()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var number = await DiagnosisSeed.OpenIncidentAsync(app, $"Zqxj{tag} vvkq{tag}", $"svc-{tag}");

        var matches = await app.Services.GetRequiredService<MemoryRecall>().RecallAsync(await DiagnosisSeed.IncidentIdAsync(app, number));

        Assert.Empty(matches);
    }

    private async Task<int> ResolvedAsync(string title, string service, string template, string exception, string file, HypothesisCategory category, string rootCause)
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, title, service);
        await FingerprintAsync(number, template, exception, file, category, rootCause);
        using var http = app.Client(IncidentHubFactory.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);
        var id = await DiagnosisSeed.IncidentIdAsync(app, number);
        await Eventually.HoldsAsync(() => EntryAsync(id), e => e is not null, TimeSpan.FromSeconds(90), $"memory of INC-{number}");
        return number;
    }

    private async Task FingerprintAsync(int number, string template, string exception, string file, HypothesisCategory? category, string? rootCause)
    {
        var ids = await DiagnosisSeed.AddObservationsAsync(app, number,
            (ObservationKind.LogTemplates, "logs:file:/var/log/app.log", template,
                new TemplateShift("logs:file:/var/log/app.log", template, 0, 300, DiagnosisSeed.Onset, [template.Replace("<*>", "17", StringComparison.Ordinal)], true, 300, true)),
            (ObservationKind.StackTrace, "logs:file:/var/log/app.log", exception,
                new StackTrace("logs:file:/var/log/app.log", StackLanguage.Python, exception, "boom", [new StackFrame("handler", "/srv/app/" + file, 12, true)], 300, DiagnosisSeed.Onset, 1)));
        if (category is not null)
        {
            await DiagnosisSeed.AddDiagnosisAsync(app, number, new Diagnosis(
                new RefinedTriage(Severity.P2, null, 0.7, "", "", []), category, 0.8, false, rootCause!,
                [new Hypothesis(category.Value, 0.8, rootCause!, ids, [], false, null)],
                new SuspectChange(null, file, 12, null, "raising frame", [ids[1]]), false, "", []));
        }
    }

    private async Task<MemoryEntry?> EntryAsync(Guid incidentId)
    {
        await using var db = DiagnosisSeed.Db(app);
        return await db.MemoryEntries.AsNoTracking().SingleOrDefaultAsync(m => m.IncidentId == incidentId);
    }
}
