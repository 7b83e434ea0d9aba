using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using UglyToad.PdfPig;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>Resolving an incident produces the PDF and the email, seen in the real SMTP server's Maildir.</summary>
[Collection(AppCollection.Name)]
public sealed class PostmortemEmailTests(IncidentHubFactory app)
{
    private const string CheckoutOwner = "payments-oncall@example.com";

    [Fact]
    public async Task Resolve_WritesPdf_AndEmailsItOnce_ToOwnerAndList_WithTheStoredPdfAttached()
    {
        var number = await OpenIncidentAsync("checkout", new { customers_affected = "acme-corp" });
        var incidentId = await AddDiagnosisWithMetricAsync(number);
        using var http = app.Client(IncidentHubFactory.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{number}/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);

        var subject = $"Post-mortem INC-{number} (";
        var mails = await Eventually.HoldsAsync(() => Task.FromResult(Maildir.Find(subject)), m => m.Count >= 1, TimeSpan.FromSeconds(90), "the post-mortem email");
        var pdf = await http.GetByteArrayAsync($"/api/incidents/{number}/postmortem.pdf");

        var mail = Assert.Single(mails);
        var to = mail.To.Mailboxes.Select(m => m.Address).ToList();
        Assert.Contains(CheckoutOwner, to);
        Assert.Contains(IncidentHubFactory.DistributionList, to);
        Assert.Contains("resolved", mail.Subject, StringComparison.Ordinal);
        var attachment = Assert.Single(mail.Attachments.OfType<MimePart>());
        Assert.Equal($"INC-{number}-postmortem.pdf", attachment.FileName);
        Assert.Equal(pdf, Decode(attachment));

        var text = PdfText(pdf);
        Assert.Contains(Squash($"Post-mortem INC-{number}"), text);
        Assert.Contains(Squash("bad-deploy-code"), text);
        Assert.Contains(Squash("Checkout error ratio rose from 0.1% to 12%"), text);
        Assert.Contains(Squash("acme-corp"), text);
        Assert.Contains(Squash("Acknowledged in"), text);
        Assert.Contains(Squash("Root cause diagnosed as bad-deploy-code"), text);
        SavePageImage(pdf, "postmortem.png");

        // The job again, and the send job again: nothing new is printed or sent.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<PostmortemJob>(scope.ServiceProvider).RunAsync(incidentId, CancellationToken.None);
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            // The post-mortem's own message (the plan may also have paged the owner through the outbox).
            var message = await db.Outbox.AsNoTracking().SingleAsync(m => m.Key == PostmortemJob.OutboxKey(incidentId, 1));
            await ActivatorUtilities.CreateInstance<SendEmailJob>(scope.ServiceProvider).RunAsync(message.Id, CancellationToken.None);
            Assert.Equal(OutboxStatus.Sent, (await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == message.Id)).Status);
            Assert.Equal(1, (await db.Postmortems.AsNoTracking().SingleAsync(p => p.IncidentId == incidentId)).Revision);
        }

        Assert.Single(Maildir.Find(subject));
        Assert.Equal(pdf, await http.GetByteArrayAsync($"/api/incidents/{number}/postmortem.pdf"));
        var md = await http.GetStringAsync($"/api/incidents/{number}/postmortem.md");
        Assert.Contains($"# Post-mortem INC-{number}", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Escalation_WritesThePostmortem_AndEmailsIt_WithTheStoredPdfAttached()
    {
        // A service nobody catalogued, in an alert that names no catalogued one either (an alert's text that names one
        // is investigated as that service): the real investigation finds no evidence and escalates the incident.
        var service = $"ghost-{Guid.NewGuid():N}"[..20];
        var number = await OpenIncidentAsync(service, null, $"{service} answers 5xx");
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var subject = $"Escalated INC-{number} (";
        var mails = await Eventually.HoldsAsync(() => Task.FromResult(Maildir.Find(subject)), m => m.Count >= 1, TimeSpan.FromSeconds(120), "the escalation post-mortem email");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Number == number);
            Assert.Equal(IncidentState.Escalated, incident.State);
            var stored = await db.Postmortems.AsNoTracking().SingleAsync(p => p.IncidentId == incident.Id);
            Assert.Equal(IncidentState.Escalated, stored.WrittenFor);
            Assert.NotNull(stored.Pdf);
        }

        var pdf = await http.GetByteArrayAsync($"/api/incidents/{number}/postmortem.pdf");
        var mail = Assert.Single(mails);
        // No owner for an uncatalogued service: the distribution list only.
        Assert.Equal([IncidentHubFactory.DistributionList], mail.To.Mailboxes.Select(m => m.Address));
        var attachment = Assert.Single(mail.Attachments.OfType<MimePart>());
        Assert.Equal($"INC-{number}-postmortem.pdf", attachment.FileName);
        Assert.Equal(pdf, Decode(attachment));
        var text = PdfText(pdf);
        Assert.Contains(Squash($"Post-mortem INC-{number}"), text);
        Assert.Contains(Squash("Escalated"), text);
    }

    [Fact]
    public async Task EditedActionItems_ResentOnPurpose_SendRevision2_WithTheNewItems()
    {
        var number = await OpenIncidentAsync("checkout", null);
        using var http = app.Client(IncidentHubFactory.AdminToken);
        await http.PostAsync($"/api/incidents/{number}/resolve", null);
        var subject = $"Post-mortem INC-{number} (";
        await Eventually.HoldsAsync(() => Task.FromResult(Maildir.Find(subject)), m => m.Count >= 1, TimeSpan.FromSeconds(90), "the first email");

        var saved = await http.PutAsJsonAsync($"/api/incidents/{number}/postmortem/action-items",
            new { items = new[] { "Add a canary stage for checkout deploys", "  ", "Page the payments team on 5xx > 2%" }, resend = true });
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);

        var mails = await Eventually.HoldsAsync(() => Task.FromResult(Maildir.Find(subject)), m => m.Count >= 2, TimeSpan.FromSeconds(90), "the re-sent email");
        var second = mails.Single(m => m.Attachments.OfType<MimePart>().Any(a => a.FileName == $"INC-{number}-postmortem-r2.pdf"));
        var pdf = await http.GetByteArrayAsync($"/api/incidents/{number}/postmortem.pdf");
        Assert.Equal(pdf, Decode(second.Attachments.OfType<MimePart>().Single()));
        var text = PdfText(pdf);
        Assert.Contains(Squash("Add a canary stage for checkout deploys"), text);
        Assert.Contains(Squash("Revision 2"), text);
        var status = await http.GetFromJsonAsync<JsonObject>($"/api/incidents/{number}/postmortem");
        Assert.Equal(2, status!["revision"]!.GetValue<int>());
        Assert.Equal(2, status["actionItems"]!.AsArray().Count); // the blank line is dropped
    }

    [Fact]
    public async Task ActionItems_WithoutAList_Returns400_AndForAnOpenIncident_409()
    {
        var number = await OpenIncidentAsync("inventory", null);
        using var http = app.Client(IncidentHubFactory.AdminToken);

        var bad = await http.PutAsJsonAsync($"/api/incidents/{number}/postmortem/action-items", new { resend = true });
        var early = await http.PutAsJsonAsync($"/api/incidents/{number}/postmortem/action-items", new { items = new[] { "x" } });
        var pdf = await http.GetAsync($"/api/incidents/{number}/postmortem.pdf");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, pdf.StatusCode);
        Assert.Contains("resolves or escalates", await pdf.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<int> OpenIncidentAsync(string service, object? labels, string? title = null)
    {
        var hook = await app.CreateIntegrationAsync(IncidentHub.Analysis.Ingestion.SourceKind.Generic);
        using var http = app.Client();
        var response = await http.PostAsJsonAsync(hook + "?wait=true",
            new { title = title ?? $"Checkout 5xx {Guid.NewGuid():N}"[..24], service, severity = "critical", labels = labels ?? new { } });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body!["incidents"]![0]!["number"]!.GetValue<int>();
    }

    /// <summary>What the investigation would have stored: a metric series and a diagnosis citing it.</summary>
    private async Task<Guid> AddDiagnosisWithMetricAsync(int number)
    {
        // The real investigation answers first; the diagnosis stored here must be the newest.
        await DiagnosisSeed.WaitForInvestigationAsync(app, number);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var incident = await db.Incidents.SingleAsync(i => i.Number == number);
        var t0 = incident.TriggeredAt.AddMinutes(-20);
        var points = Enumerable.Range(0, 40).Select(i => new MetricPoint(t0.AddMinutes(i), i < 20 ? 0.001 : 0.12)).ToList();
        var series = new MetricSeries("checkout error ratio", "sum(rate(http_requests_total{code=~\"5..\"}[1m]))", MetricRole.ErrorRatio,
            new Dictionary<string, string> { ["service"] = "checkout" }, points);
        var observation = Observation.Create(incident.Id, incident.TriggeredAt, ObservationKind.MetricSeries, "prometheus:http://127.0.0.1:9090",
            "Checkout error ratio rose from 0.1% to 12%", series);
        db.Observations.Add(observation);
        await db.SaveChangesAsync();
        var diagnosis = new Diagnosis(
            new RefinedTriage(Severity.P1, "checkout", 0.9, "checkout only", "error ratio", [observation.EvidenceId]),
            HypothesisCategory.BadDeployCode, 0.86, false, "Deploy 2.4.1 introduced a null reference in the cart handler.",
            [new Hypothesis(HypothesisCategory.BadDeployCode, 0.86, "Errors began with the deploy", [observation.EvidenceId], ["onset after deploy"], false, null)],
            new SuspectChange("a1b2c3d4e5f6", "cart/handler.py", 42, "2.4.1", "changed the null check", [observation.EvidenceId]),
            true, "confident", []);
        db.Diagnoses.Add(DiagnosisRecord.Create(incident.Id, incident.TriggeredAt.AddMinutes(2), 1, diagnosis, 120));
        await db.SaveChangesAsync();
        return incident.Id;
    }

    private static byte[] Decode(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return stream.ToArray();
    }

    /// <summary>All text of the PDF without whitespace (PdfPig's spacing differs from the HTML's).</summary>
    internal static string PdfText(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return Squash(string.Concat(document.GetPages().Select(p => p.Text)));
    }

    internal static string Squash(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    /// <summary>
    /// The first page as PNG (pdftoppm -png -r 60) in test-output/screenshots/, to look at; scripts/screenshots.sh
    /// copies it to docs/screenshots/ on purpose.
    /// </summary>
    internal static void SavePageImage(byte[] pdf, string file)
    {
        var dir = Path.Combine(IncidentHubFactory.RepositoryRoot(), "test-output", "screenshots");
        Directory.CreateDirectory(dir);
        var pdfPath = Path.Combine(Path.GetTempPath(), $"pm-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(pdfPath, pdf);
        var prefix = Path.Combine(dir, Path.GetFileNameWithoutExtension(file));
        try
        {
            RealProcess.Run("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdfPath, prefix]);
        }
        finally
        {
            File.Delete(pdfPath);
        }

        Assert.True(File.Exists(prefix + ".png"));
    }
}
