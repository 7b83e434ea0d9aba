using System.Net;
using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.Features.Reports;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>
/// The post-mortem writer inside the real PostmortemJob: only sentences whose every cited id exists on the incident are kept,
/// shown marked as model-written in the page's Markdown and the PDF; without an answer the deterministic post-mortem stands.
/// </summary>
[Collection(AiCollection.Name)]
public sealed partial class PostmortemWriterTests(AiAppFixture fixture)
{
    private IncidentHubFactory App => fixture.App;

    [Fact]
    public async Task Postmortem_KeepsSentencesCitingRealIds_DropsTheOthersAndSaysSo_AndMarksTheNarrativeModelWritten()
    {
        var key = $"pm-{Guid.NewGuid():N}"[..14];
        fixture.Model.Script($"{key} checkout errors", call =>
        {
            if (call.Model != AiAppFixture.PostmortemModel)
            {
                return new TextReply("{}");
            }

            var lines = TimelineIds().Matches(call.Text).Select(m => m.Groups[1].Value).Distinct().ToList();
            return new TextReply(FakeModelServer.Json(new
            {
                summary = new object[]
                {
                    new { text = "The checkout alert opened the incident and a responder resolved it.", cites = new[] { lines[0], lines[^1] } },
                    new { text = "The database was on fire.", cites = Array.Empty<string>() },
                },
                impact = new object[] { new { text = "Ten thousand customers were affected.", cites = new[] { "obs-987654321" } } },
                whatHappened = new object[] { new { text = "The incident opened from one alert.", cites = new[] { lines[0] } } },
                lessons = Array.Empty<object>(),
            }));
        });

        var (number, md, pdf, aiLines) = await ResolveAndPrintAsync(key);

        var written = Assert.Single(aiLines, l => l.StartsWith("AI post-mortem writer wrote 2 sentence(s)", StringComparison.Ordinal));
        Assert.Contains("\"The database was on fire.\" (Summary) cites nothing", written, StringComparison.Ordinal);
        Assert.Contains("cites ids that do not exist on this incident: obs-987654321", written, StringComparison.Ordinal);

        // The narrative section (the timeline further down quotes the writer's line, which names what it dropped).
        var start = md.IndexOf("## Narrative (model-written)", StringComparison.Ordinal);
        Assert.True(start >= 0, md);
        var narrative = md[start..md.IndexOf("## Impact", start, StringComparison.Ordinal)];
        Assert.Contains("The checkout alert opened the incident and a responder resolved it. [tl-", narrative, StringComparison.Ordinal);
        Assert.Contains("2 sentence(s) dropped", narrative, StringComparison.Ordinal);
        Assert.DoesNotContain("on fire", narrative, StringComparison.Ordinal);
        Assert.DoesNotContain("Ten thousand", narrative, StringComparison.Ordinal);

        var text = PostmortemEmailTests.PdfText(pdf);
        Assert.Contains("model-written", text, StringComparison.Ordinal);
        Assert.Contains(PostmortemEmailTests.Squash("The incident opened from one alert."), text, StringComparison.Ordinal);
        PostmortemEmailTests.SavePageImage(pdf, $"ai-postmortem-INC-{number}.png");
    }

    [Fact]
    public async Task Postmortem_WhenTheModelDoesNotAnswerInTime_TheDeterministicPostmortemStandsAndTheTimelineSaysSo()
    {
        var key = $"pm-{Guid.NewGuid():N}"[..14];
        fixture.Model.Script($"{key} checkout errors", call => call.Model == AiAppFixture.PostmortemModel ? new HangReply() : new TextReply("{}"));

        var (_, md, pdf, aiLines) = await ResolveAndPrintAsync(key);

        Assert.Contains(aiLines, l => l.StartsWith($"AI postmortem agent: no answer within {AiAppFixture.TimeoutSeconds} s; the deterministic answer stands", StringComparison.Ordinal));
        Assert.DoesNotContain("Narrative", md, StringComparison.Ordinal);
        Assert.Contains("## Root cause", md, StringComparison.Ordinal);
        Assert.NotEmpty(pdf);
    }

    // Scripts key on the incident's title: a bare service name is also in every triage prompt's list of catalog services.
    private async Task<(int Number, string Markdown, byte[] Pdf, List<string> AiLines)> ResolveAndPrintAsync(string key)
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(App, $"{key} checkout errors", key);
        await DiagnosisSeed.WaitForInvestigationAsync(App, number);
        using var http = App.Client(IncidentHubFactory.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);
        var pdf = await Eventually.HoldsAsync(async () =>
        {
            using var response = await http.GetAsync($"/api/incidents/{number}/postmortem.pdf");
            return response.IsSuccessStatusCode ? await response.Content.ReadAsByteArrayAsync() : null;
        }, p => p is not null, TimeSpan.FromSeconds(90), "the printed post-mortem");
        var md = await http.GetStringAsync($"/api/incidents/{number}/postmortem.md");
        var id = await DiagnosisSeed.IncidentIdAsync(App, number);
        await using var db = DiagnosisSeed.Db(App);
        var lines = await db.Timeline.AsNoTracking().Where(t => t.IncidentId == id && t.Actor == "ai-postmortem-agent").OrderBy(t => t.Id).Select(t => t.Text).ToListAsync();
        return (number, md, pdf!, lines);
    }

    [GeneratedRegex(@"^- (tl-\d+): ", RegexOptions.Multiline)]
    private static partial Regex TimelineIds();
}
