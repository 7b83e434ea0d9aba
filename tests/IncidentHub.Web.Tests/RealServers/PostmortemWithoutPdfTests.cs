using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Features.Reports;
using IncidentHub.Web.Infrastructure.Data;
using IncidentHub.Web.Infrastructure.Security;
using IncidentHub.Web.Tests.Features.Reports;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// The app as a real process whose Reports:ChromiumPath is missing, or is a program that hangs: a person resolves an
/// incident, and the post-mortem email still arrives in the real SMTP server's Maildir, with the Markdown attached and
/// a note saying the PDF could not be made and why.
/// </summary>
public sealed class PostmortemWithoutPdfTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminToken = "ih_nopdf_admin_token_0123456789abcdefghij";
    private TestDatabase _database = default!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Theory]
    [InlineData("missing")]
    [InlineData("hung")]
    public async Task Resolve_WhenThePdfCannotBeMade_EmailsTheMarkdown_AndSaysWhy(string chromium)
    {
        using var hung = new HungChromium();
        var settings = new Dictionary<string, string>
        {
            ["Seed:Admin:Email"] = "admin@nopdf.local",
            ["Seed:Admin:Password"] = "Admin!pass-123",
            ["Seed:Admin:ApiToken"] = AdminToken,
            ["Reports:ChromiumPath"] = chromium == "missing" ? "/nonexistent/chromium" : hung.Path,
            ["Reports:PdfTimeoutSeconds"] = "3",
            ["Email:Host"] = "127.0.0.1",
            ["Email:Port"] = Maildir.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:TlsMode"] = "None",
            ["Email:From"] = "IncidentHub <incidenthub@test.local>",
            ["Email:DistributionList:0"] = "postmortems@test.local",
        };
        await AppProcess.MigrateAsync(_database.ConnectionString, settings);
        await using var app = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        try
        {
            var title = $"No PDF {chromium} {Guid.NewGuid():N}"[..30];
            var number = await OpenIncidentAsync(app.Address, title);
            using var http = new HttpClient { BaseAddress = app.Address };
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);

            var mails = await Eventually.HoldsAsync(() => Task.FromResult(Maildir.Find(title)), m => m.Count >= 1, TimeSpan.FromSeconds(90),
                "the post-mortem email without its PDF");

            var mail = Assert.Single(mails);
            var attachment = Assert.Single(mail.Attachments.OfType<MimePart>());
            Assert.Equal($"INC-{number}-postmortem.md", attachment.FileName);
            using var content = new MemoryStream();
            await attachment.Content!.DecodeToAsync(content);
            var markdown = System.Text.Encoding.UTF8.GetString(content.ToArray());
            Assert.Contains($"# Post-mortem INC-{number}", markdown, StringComparison.Ordinal);
            Assert.StartsWith("The PDF of this post-mortem could not be made: ", mail.TextBody, StringComparison.Ordinal);
            Assert.Contains(chromium == "missing" ? "Chromium was not found at '/nonexistent/chromium'" : "did not start within 3 s", mail.TextBody,
                StringComparison.Ordinal);
            Assert.Equal(markdown, await http.GetStringAsync($"/api/incidents/{number}/postmortem.md"));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/incidents/{number}/postmortem.pdf")).StatusCode);
            Assert.False(hung.ChildRuns, "the hung program's process tree was killed");
        }
        finally
        {
            output.WriteLine(app.Log);
        }
    }

    private async Task<int> OpenIncidentAsync(Uri address, string title)
    {
        var token = SecretTokens.New("iht_");
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database.ConnectionString).Options))
        {
            db.Integrations.Add(Integration.Create("no pdf", SourceKind.Generic, token, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        }

        using var http = new HttpClient { BaseAddress = address };
        var response = await http.PostAsJsonAsync($"/hooks/generic/{token}?wait=true", new { title, service = "checkout", severity = "critical" });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body!["incidents"]![0]!["number"]!.GetValue<int>();
    }
}
