using System.Net;
using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Investigation;
using UglyToad.PdfPig;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>
/// Evidence is log templates, URLs and queries without spaces: a 400-character one wraps inside its cell, and every
/// letter of the printed post-mortem stays inside the page (PdfPig's letter boxes against the page's width).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PostmortemPageWidthTests(IncidentHubFactory app)
{
    [Fact]
    public async Task Pdf_WithA400CharacterUnbrokenEvidenceCell_KeepsEveryTableInsideThePage()
    {
        var number = await DiagnosisSeed.OpenIncidentAsync(app, "Checkout errors after deploy", "checkout");
        var evidence = await DiagnosisSeed.SeedCheckoutAsync(app, number, withDiagnosis: false);
        var longSource = "logs:url:https://logs.example.com/query?expr=" + new string('x', 210) + "_" + string.Concat(Enumerable.Range(0, 150).Select(i => (char)('a' + i % 26)));
        Assert.True(longSource.Length >= 400);
        var template = "ERROR" + new string('Z', 395);
        var ids = await DiagnosisSeed.AddObservationsAsync(app, number,
            (ObservationKind.LogTemplates, longSource, template,
                new TemplateShift(longSource, template, 0, 12, DiagnosisSeed.Onset, [template], true, 12, true)));
        await DiagnosisSeed.AddDiagnosisAsync(app, number, DiagnosisSeed.CheckoutDiagnosis(evidence with { Template = ids[0], Series = ids[0] }), attempt: 9);

        using var http = app.Client(IncidentHubFactory.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);
        var pdf = await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await http.GetAsync($"/api/incidents/{number}/postmortem.pdf");
                return response.IsSuccessStatusCode ? await response.Content.ReadAsByteArrayAsync() : null;
            },
            bytes => bytes is not null, TimeSpan.FromSeconds(90), "the post-mortem PDF");

        using var document = PdfDocument.Open(pdf!);
        var text = string.Concat(document.GetPages().Select(p => string.Concat(p.Text.Where(c => !char.IsWhiteSpace(c)))));
        Assert.Contains(longSource[..60], text, StringComparison.Ordinal);
        Assert.Contains(longSource[^60..], text, StringComparison.Ordinal);
        foreach (var page in document.GetPages())
        {
            var outside = page.Letters.Where(l => l.BoundingBox.Right > page.Width + 0.5 || l.BoundingBox.Left < -0.5).ToList();
            Assert.True(outside.Count == 0,
                $"page {page.Number} ({page.Width:0} pt wide) has {outside.Count} letters outside it, e.g. '{string.Concat(outside.Take(40).Select(l => l.Value))}' at x={outside.FirstOrDefault()?.BoundingBox.Right:0}");
        }

        SavePages(pdf!, "postmortem-long-evidence");
    }

    /// <summary>Every page as PNG in test-output/screenshots/, to look at.</summary>
    private static void SavePages(byte[] pdf, string name)
    {
        var dir = Path.Combine(IncidentHubFactory.RepositoryRoot(), "test-output", "screenshots");
        Directory.CreateDirectory(dir);
        var pdfPath = Path.Combine(dir, name + ".pdf");
        File.WriteAllBytes(pdfPath, pdf);
        RealProcess.Run("pdftoppm", ["-png", "-r", "70", pdfPath, Path.Combine(dir, name)]);
    }
}
