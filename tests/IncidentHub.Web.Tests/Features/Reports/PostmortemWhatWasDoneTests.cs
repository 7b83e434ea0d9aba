using System.Net;
using System.Net.Http.Json;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Tests.Features.Remediation;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>The post-mortem's "What was done", built from the timeline remediation wrote: decisions, runs, results, checks.</summary>
[Collection(AppCollection.Name)]
public sealed class PostmortemWhatWasDoneTests(IncidentHubFactory app)
{
    private const string Reason = "the alert is our only signal while the rollback runs";

    [Fact]
    public async Task AnApprovedExecutedAction_AndARejectedOne_AreListed_InHtmlMarkdownAndPdf()
    {
        var incident = await RemediationScenario.BadDeployAsync(app);
        using var http = app.Client(IncidentHubFactory.AdminToken);
        var plan = await RemediationScenario.PlanViewAsync(app, incident.Number);
        var rollback = plan.Actions.Single(a => a.Tool == "runbook.rollback");
        var silence = plan.Actions.Single(a => a.Tool == "alertmanager.silence");

        // Approved and run: the runbook URL is not configured in tests, so it fails and says what to configure.
        (await http.PostAsJsonAsync($"/api/incidents/{incident.Number}/plan/actions/{rollback.Id}/approve", new { hash = rollback.Hash })).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(() => RemediationScenario.PlanViewAsync(app, incident.Number),
            p => p.Actions.Single(a => a.Id == rollback.Id).State == "failed", TimeSpan.FromSeconds(60), "the rollback's run");
        (await http.PostAsJsonAsync($"/api/incidents/{incident.Number}/plan/actions/{silence.Id}/reject", new { reason = Reason })).EnsureSuccessStatusCode();

        PostmortemReport report;
        string html;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            report = (await scope.ServiceProvider.GetRequiredService<PostmortemService>().GetAsync(incident.Number))!.Report;
            html = await scope.ServiceProvider.GetRequiredService<PostmortemRenderer>().RenderHtmlAsync(report);
        }

        // In time order: the rollback was decided before the silence.
        Assert.Equal([rollback.Title, silence.Title], report.Actions.Select(a => a.Title));
        var ran = report.Actions[0];
        Assert.Equal("REVERSIBLE", ran.Tier);
        Assert.Equal($"approved by {IncidentHubFactory.AdminEmail}", ran.Decision);
        Assert.NotNull(ran.DecidedAt);
        Assert.NotNull(ran.StartedAt);
        Assert.NotNull(ran.FinishedAt);
        Assert.StartsWith("failed: ", ran.Result, StringComparison.Ordinal);
        Assert.Contains("Remediation:Runbooks:runbook.rollback:Url", ran.Result, StringComparison.Ordinal);
        Assert.Equal("not checked: the action failed", ran.Verification);
        var rejected = report.Actions[1];
        Assert.Equal($"rejected by {IncidentHubFactory.AdminEmail}: {Reason}", rejected.Decision);
        Assert.Null(rejected.Result);
        Assert.Equal("not run", rejected.Verification);

        Assert.Equal(2, html.Split("data-testid=\"pm-action\"").Length - 1);
        Assert.Contains(WebUtility.HtmlEncode($"approved by {IncidentHubFactory.AdminEmail}"), html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode($"rejected by {IncidentHubFactory.AdminEmail}: {Reason}"), html, StringComparison.Ordinal);
        Assert.Contains("Remediation:Runbooks:runbook.rollback:Url", html, StringComparison.Ordinal);
        Assert.DoesNotContain("No remediation actions were recorded.", html, StringComparison.Ordinal);

        var md = await http.GetStringAsync($"/api/incidents/{incident.Number}/postmortem.md");
        Assert.Contains($"**{rollback.Title}** (REVERSIBLE, `runbook.rollback`)", md, StringComparison.Ordinal);
        Assert.Contains($"  - decision: approved by {IncidentHubFactory.AdminEmail} at ", md, StringComparison.Ordinal);
        Assert.Contains("  - result: failed: ", md, StringComparison.Ordinal);
        Assert.Contains("  - verification: not checked: the action failed", md, StringComparison.Ordinal);
        Assert.Contains($"**{silence.Title}** (REVERSIBLE, `alertmanager.silence`)", md, StringComparison.Ordinal);
        Assert.Contains($"  - decision: rejected by {IncidentHubFactory.AdminEmail}: {Reason}", md, StringComparison.Ordinal);
        Assert.Contains("  - ran: did not run", md, StringComparison.Ordinal);

        // The printed post-mortem, once the incident is resolved.
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{incident.Number}/resolve", null)).StatusCode);
        var pdf = await Eventually.HoldsAsync(async () =>
        {
            using var response = await http.GetAsync($"/api/incidents/{incident.Number}/postmortem.pdf");
            return response.IsSuccessStatusCode ? await response.Content.ReadAsByteArrayAsync() : null;
        }, p => p is not null, TimeSpan.FromSeconds(90), "the printed post-mortem");
        // NFKC: Chromium sets "ff" in names like svc-7ff6 as a ligature, which PdfPig reads as one character.
        var text = PostmortemEmailTests.PdfText(pdf!).Normalize(System.Text.NormalizationForm.FormKC);
        Assert.Contains(PostmortemEmailTests.Squash(rollback.Title), text);
        Assert.Contains(PostmortemEmailTests.Squash($"approved by {IncidentHubFactory.AdminEmail}"), text);
        Assert.Contains(PostmortemEmailTests.Squash("Remediation:Runbooks:runbook.rollback:Url"), text);
        Assert.Contains(PostmortemEmailTests.Squash($"rejected by {IncidentHubFactory.AdminEmail}: {Reason}"), text);
        Assert.Contains(PostmortemEmailTests.Squash("not checked: the action failed"), text);
        SavePages(pdf!, "postmortem-what-was-done");
    }

    [Fact]
    public void FromTimeline_NamesPolicyForAutomaticActions_ReportsVerificationAndExpiry_InTimeOrder()
    {
        var incident = Guid.NewGuid();
        var t0 = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        string auto = Guid.NewGuid().ToString(), expired = Guid.NewGuid().ToString();
        Dictionary<string, string> D(string id, string state, params (string Key, string Value)[] more)
        {
            var d = new Dictionary<string, string>
            {
                [ActionDetailKeys.Action] = id,
                [ActionDetailKeys.Tool] = id == auto ? "metric.query" : "runbook.restart",
                [ActionDetailKeys.Title] = id == auto ? "Read the error ratio" : "Restart checkout",
                [ActionDetailKeys.Tier] = id == auto ? "READ" : "REVERSIBLE",
                [ActionDetailKeys.State] = state,
            };
            foreach (var (k, v) in more)
            {
                d[k] = v;
            }

            return d;
        }

        var timeline = new[]
        {
            TimelineEntry.Create(incident, t0.AddMinutes(5), "approval-timer", TimelineKind.Approval, "Approval timed out", D(expired, "expired")),
            TimelineEntry.Create(incident, t0, "remediation-agent", TimelineKind.Action, "Running",
                D(auto, "running", (ActionDetailKeys.ApprovedBy, "policy"), (ActionDetailKeys.ApprovedAt, t0.ToString("O")), (ActionDetailKeys.StartedAt, t0.ToString("O")))),
            TimelineEntry.Create(incident, t0.AddSeconds(2), "remediation-agent", TimelineKind.Action, "Succeeded",
                D(auto, "succeeded", (ActionDetailKeys.ApprovedBy, "policy"), (ActionDetailKeys.StartedAt, t0.ToString("O")),
                    (ActionDetailKeys.FinishedAt, t0.AddSeconds(2).ToString("O")), (ActionDetailKeys.Result, "0.004"), (ActionDetailKeys.Postcondition, "q < 0.05 for 5 min"))),
            TimelineEntry.Create(incident, t0.AddMinutes(6), "verifier", TimelineKind.Verification, "Verified",
                D(auto, "succeeded", (ActionDetailKeys.Verified, "Verified"), (ActionDetailKeys.Verification, "worst 0.004 over 10 samples"))),
            TimelineEntry.Create(incident, t0.AddMinutes(7), "ana@example.com", TimelineKind.Note, "a note"),
        };

        var rows = WhatWasDone.FromTimeline(timeline);

        Assert.Equal(["Read the error ratio", "Restart checkout"], rows.Select(r => r.Title));
        Assert.Equal("policy (ran automatically)", rows[0].Decision);
        Assert.Equal(t0, rows[0].DecidedAt);
        Assert.Equal("succeeded: 0.004", rows[0].Result);
        Assert.Equal("verified: worst 0.004 over 10 samples", rows[0].Verification);
        Assert.Equal("expired: nobody decided in time", rows[1].Decision);
        Assert.Equal("not run", rows[1].Verification);
        Assert.Equal("did not run", PostmortemRenderer.Ran(rows[1]));
    }

    /// <summary>Every page as PNG (pdftoppm -png -r 80) in test-output/screenshots/, to look at.</summary>
    private static void SavePages(byte[] pdf, string name)
    {
        var dir = Path.Combine(IncidentHubFactory.RepositoryRoot(), "test-output", "screenshots");
        Directory.CreateDirectory(dir);
        var pdfPath = Path.Combine(Path.GetTempPath(), $"pm-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(pdfPath, pdf);
        try
        {
            RealProcess.Run("pdftoppm", ["-png", "-r", "80", pdfPath, Path.Combine(dir, name)]);
        }
        finally
        {
            File.Delete(pdfPath);
        }

        Assert.NotEmpty(Directory.GetFiles(dir, name + "-*.png"));
    }
}
