using IncidentHub.Web.Infrastructure.Security;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.Features.Ingestion;

/// <summary>
/// Bad input over HTTP against the real app: every fixture of every source mutated
/// (<see cref="JsonMutator"/>, a fixed seed per fixture), bodies over 1 MiB, content types that are
/// not JSON, wrong tokens and wrong signatures. Never a 5xx; every refusal a ProblemDetails with a
/// detail; every authenticated attempt exactly one raw row, Processed or Rejected, never Failed.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class WebhookFuzzTests(IncidentHubFactory app, ITestOutputHelper output)
{
    private const int CasesPerFixture = 200;

    private static string FixtureRoot => Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks");

    /// <summary>What the app answered to one request, and what that should have left in alert_events.</summary>
    private sealed record Outcome(string What, Guid IntegrationId, HttpStatusCode Status, long? EventId, bool Applied);

    [Fact]
    public async Task Post_MutatedFixtures_NeverAnswer5xx_AndLeaveOneProcessedOrRejectedRowEach()
    {
        var fixtures = Directory.EnumerateFiles(FixtureRoot, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(FixtureRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentBag<Outcome>();
        using var http = app.Client();
        var clock = Stopwatch.StartNew();

        // Fixtures in parallel (so the inbox's group commit and the batch applier see concurrent load), each one's cases in order.
        await Task.WhenAll(fixtures.Select(async fixture =>
        {
            var kind = KindOf(fixture);
            var hook = await app.CreateIntegrationAsync(kind, $"fuzz {fixture} {Guid.NewGuid():N}");
            var integrationId = await app.IntegrationIdAsync(hook);
            var seed = JsonMutator.SeedFor(fixture);
            var mutator = new JsonMutator(await File.ReadAllBytesAsync(Path.Combine(FixtureRoot, fixture)));
            foreach (var mutation in mutator.Cases(seed, CasesPerFixture))
            {
                using var request = Request(hook, mutation.Body, kind == SourceKind.CloudWatch ? "text/plain; charset=UTF-8" : "application/json");
                if (kind == SourceKind.CloudWatch)
                {
                    request.Headers.Add("x-amz-sns-message-type", fixture.Contains("subscription", StringComparison.Ordinal) ? "SubscriptionConfirmation" : "Notification");
                }

                var what = $"{fixture} {mutation}";
                var outcome = await SendAsync(http, request, integrationId, what, failures);
                outcomes.Add(outcome);
            }
        }));

        output.WriteLine($"{outcomes.Count} requests ({fixtures.Count} fixtures x {CasesPerFixture}) in {clock.ElapsedMilliseconds} ms: " +
            string.Join(", ", outcomes.GroupBy(o => (int)o.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} x {g.Key}")));
        await AssertRecordedAsync(outcomes, failures);
        AssertNoFailures(failures, outcomes.Count);
    }

    [Fact]
    public async Task Post_MutatedBodiesWithTheOriginalSignature_Answer401_AndAreRecordedRejected()
    {
        const string secret = "fuzz-signing-secret-0123456789";
        var failures = new ConcurrentQueue<string>();
        var outcomes = new List<Outcome>();
        using var http = app.Client();

        foreach (var (kind, fixture, header, prefix) in new[]
        {
            (SourceKind.PagerDuty, "pagerduty/triggered.json", "X-PagerDuty-Signature", "v1="),
            (SourceKind.Datadog, "datadog/triggered-extended.json", "X-Signature", "sha256="),
        })
        {
            using var scope = app.Services.CreateScope();
            var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
            var issued = await integrations.CreateAsync($"fuzz signed {Guid.NewGuid():N}", kind);
            await integrations.SetSigningSecretAsync(issued.IntegrationId, secret);
            var hook = new Uri(issued.Url).AbsolutePath;
            var original = await File.ReadAllBytesAsync(Path.Combine(FixtureRoot, fixture));
            var signature = prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), original));
            var mutator = new JsonMutator(original);
            var seed = JsonMutator.SeedFor("signed " + fixture);
            foreach (var mutation in mutator.Cases(seed, 40))
            {
                using var request = Request(hook, mutation.Body, "application/json");
                request.Headers.TryAddWithoutValidation(header, mutation.Case % 5 == 4 ? signature[..^1] + "x" : signature);
                var outcome = await SendAsync(http, request, issued.IntegrationId, $"{fixture} signed {mutation}", failures);
                outcomes.Add(outcome);
                var unchanged = mutation.Body.AsSpan().SequenceEqual(original) && mutation.Case % 5 != 4;
                if (!unchanged && outcome.Status != HttpStatusCode.Unauthorized)
                {
                    failures.Enqueue($"{fixture} signed {mutation}{Environment.NewLine}-> {(int)outcome.Status}, not 401 for a body that does not match its signature");
                }
            }
        }

        await AssertRecordedAsync(outcomes, failures);
        AssertNoFailures(failures, outcomes.Count);
    }

    [Theory]
    [InlineData(SourceKind.Alertmanager)]
    [InlineData(SourceKind.Grafana)]
    [InlineData(SourceKind.PagerDuty)]
    [InlineData(SourceKind.CloudWatch)]
    [InlineData(SourceKind.Datadog)]
    [InlineData(SourceKind.Generic)]
    public async Task Post_BodyOverOneMiB_Answers413Problem_AndIsRecordedRejected(SourceKind kind)
    {
        var hook = await app.CreateIntegrationAsync(kind);
        var integrationId = await app.IntegrationIdAsync(hook);
        var body = new JsonObject { ["title"] = "big", ["padding"] = new string('x', HooksApi.MaxBodyBytes) };
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        using var http = app.Client();

        // With a Content-Length, and chunked (no length: the size is what was read before giving up).
        using var sized = Request(hook, bytes, "application/json");
        using var chunked = new HttpRequestMessage(HttpMethod.Post, hook + "?wait=true") { Content = new StreamContent(new UnknownLengthStream(bytes)) };
        chunked.Content.Headers.ContentType = new("application/json");
        var failures = new ConcurrentQueue<string>();
        var outcomes = new List<Outcome>
        {
            await SendAsync(http, sized, integrationId, $"{kind} 1 MiB + {bytes.Length - HooksApi.MaxBodyBytes} bytes with a length", failures),
            await SendAsync(http, chunked, integrationId, $"{kind} 1 MiB + {bytes.Length - HooksApi.MaxBodyBytes} bytes chunked", failures),
        };

        Assert.All(outcomes, o => Assert.Equal(HttpStatusCode.RequestEntityTooLarge, o.Status));
        await AssertRecordedAsync(outcomes, failures);
        AssertNoFailures(failures, outcomes.Count);
        await using var db = await NewDbAsync();
        var rows = await db.AlertEvents.Where(e => e.IntegrationId == integrationId).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(bytes.Length, rows[0].BodySize);
        Assert.All(rows, r => Assert.InRange(r.BodySize, HooksApi.MaxBodyBytes + 1, bytes.Length));
        Assert.All(rows, r => Assert.Contains("the limit is 1048576 bytes", r.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_BodyOverKestrelsLimit_Answers413Problem_AndIsRecordedRejected()
    {
        // Kestrel refuses a Content-Length over its own limit (30 MB) before the handler reads a byte.
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var integrationId = await app.IntegrationIdAsync(hook);
        var bytes = new byte[31_000_000];
        bytes.AsSpan().Fill((byte)' ');
        using var http = app.Client();
        var failures = new ConcurrentQueue<string>();

        using var request = Request(hook, bytes, "application/json");
        // As curl does for a large body: without it the client is still sending when the answer comes, and sees a broken pipe.
        request.Headers.ExpectContinue = true;
        var outcome = await SendAsync(http, request, integrationId, "31 MB of spaces", failures);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, outcome.Status);
        await AssertRecordedAsync([outcome], failures);
        AssertNoFailures(failures, 1);
        await using var db = await NewDbAsync();
        Assert.Equal(bytes.Length, (await db.AlertEvents.SingleAsync(e => e.IntegrationId == integrationId)).BodySize);
    }

    public static TheoryData<string, string> NotJson() => new()
    {
        { "form", "application/x-www-form-urlencoded" },
        { "multipart", "multipart/form-data" },
        { "xml", "application/xml" },
        { "text/xml", "text/xml" },
        { "html", "text/html" },
        { "bytes", "application/octet-stream" },
    };

    [Theory]
    [MemberData(nameof(NotJson))]
    public async Task Post_ContentTypeThatIsNotJson_Answers415Problem_AndIsRecordedRejected(string body, string mediaType)
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var integrationId = await app.IntegrationIdAsync(hook);
        var json = await File.ReadAllBytesAsync(Path.Combine(FixtureRoot, "generic", "alert.json"));
        HttpContent content = body switch
        {
            "form" => new FormUrlEncodedContent([new("title", "Disk full"), new("payload", Encoding.UTF8.GetString(json))]),
            "multipart" => new MultipartFormDataContent { { new ByteArrayContent(json), "payload", "alert.json" } },
            "xml" or "text/xml" => new StringContent("<alert><title>Disk full</title></alert>", Encoding.UTF8, mediaType),
            "html" => new StringContent("<html><body>Disk full</body></html>", Encoding.UTF8, mediaType),
            // JSON bytes, labelled as something else: the label decides.
            _ => new ByteArrayContent(json) { Headers = { ContentType = new(mediaType) } },
        };
        using var http = app.Client();

        var response = await http.PostAsync(hook + "?wait=true", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Unsupported content type", problem["title"]!.GetValue<string>());
        Assert.Equal(
            $"The Content-Type is '{mediaType}', which is not JSON. Send the body as application/json (or any +json type, or text/plain as Amazon SNS does); a request without a Content-Type is read as JSON too.",
            problem["detail"]!.GetValue<string>());
        await using var db = await NewDbAsync();
        var raw = await db.AlertEvents.SingleAsync(e => e.IntegrationId == integrationId);
        Assert.Equal(problem["eventId"]!.GetValue<long>(), raw.Id);
        Assert.Equal(RawEventStatus.Rejected, raw.Status);
        Assert.Equal(problem["detail"]!.GetValue<string>(), raw.Error);
        Assert.StartsWith(mediaType, raw.Headers["Content-Type"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    [InlineData("application/vnd.acme.alert+json")]
    [InlineData("application/problem+json; charset=utf-8")]
    [InlineData("text/plain; charset=UTF-8")]
    [InlineData("text/json")]
    public async Task Post_JsonContentTypes_AreAccepted(string? contentType)
    {
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { title = $"Content type {contentType ?? "none"} {Guid.NewGuid():N}" })));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var http = app.Client();

        var response = await http.PostAsync(hook + "?wait=true", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Post_WrongUnknownOrRotatedTokens_Answer401Problem_AndStoreNothing()
    {
        var hooks = new Dictionary<SourceKind, string>();
        foreach (var kind in Enum.GetValues<SourceKind>())
        {
            hooks[kind] = await app.CreateIntegrationAsync(kind);
        }

        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var rotated = await integrations.CreateAsync($"fuzz rotated {Guid.NewGuid():N}", SourceKind.Generic);
        await integrations.RotateTokenAsync(rotated.IntegrationId);

        var attempts = new List<(string What, string Path)>
        {
            ("a rotated token", new Uri(rotated.Url).AbsolutePath),
        };
        foreach (var (kind, hook) in hooks)
        {
            var token = hook[(hook.LastIndexOf('/') + 1)..];
            var source = kind.ToString().ToLowerInvariant();
            var other = hooks[kind == SourceKind.Generic ? SourceKind.Alertmanager : SourceKind.Generic];
            attempts.Add(($"{source}: an unknown token", $"/hooks/{source}/iht_{Guid.NewGuid():N}"));
            attempts.Add(($"{source}: another source's token", $"/hooks/{source}/{other[(other.LastIndexOf('/') + 1)..]}"));
            attempts.Add(($"{source}: its token with the last character changed", $"/hooks/{source}/{token[..^1]}{(token[^1] == 'a' ? 'b' : 'a')}"));
            attempts.Add(($"{source}: its token in upper case", $"/hooks/{source}/{token.ToUpperInvariant()}"));
            attempts.Add(($"{source}: its token and more", $"/hooks/{source}/{token}x"));
            attempts.Add(($"{source}: a token of 300 characters", $"/hooks/{source}/{new string('t', 300)}"));
            attempts.Add(($"{source}: a token of escapes", $"/hooks/{source}/%FF%C0%AF%2e%2e%20"));
        }

        await using var before = await NewDbAsync();
        var rows = await before.AlertEvents.CountAsync();
        using var http = app.Client();
        var body = await File.ReadAllBytesAsync(Path.Combine(FixtureRoot, "generic", "alert.json"));
        var failures = new ConcurrentQueue<string>();

        foreach (var (what, path) in attempts)
        {
            using var request = Request(path, body, "application/json");
            var outcome = await SendAsync(http, request, Guid.Empty, what, failures);
            if (outcome.Status != HttpStatusCode.Unauthorized)
            {
                failures.Enqueue($"{what}: {(int)outcome.Status}, not 401");
            }
        }

        AssertNoFailures(failures, attempts.Count);
        await using var after = await NewDbAsync();
        Assert.Equal(rows, await after.AlertEvents.CountAsync());
    }

    [Fact]
    public async Task Post_AlertWithAnOversizeServiceAndAnEmojiWhereTheTitleIsCut_OpensAnIncidentThatTriageFinishes()
    {
        // Found by the fuzzer: the incident's title (300) was cut through the emoji, an unpaired surrogate Npgsql cannot
        // encode; a service label longer than the incident's column (200) failed the insert, then triage's update.
        var hook = await app.CreateIntegrationAsync(SourceKind.Generic);
        var title = new string('t', 298) + "😀 " + Guid.NewGuid().ToString("N");
        var service = "svc-" + new string('s', 5000);
        using var http = app.Client();

        var response = await http.PostAsync(hook + "?wait=true", JsonContent.Create(new { title, service, severity = "critical" }));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var number = (await response.Content.ReadFromJsonAsync<JsonObject>())!["incidents"]![0]!["number"]!.GetValue<int>();
        var detail = await Eventually.HoldsAsync(
            async () =>
            {
                using var scope = app.Services.CreateScope();
                return (await scope.ServiceProvider.GetRequiredService<IncidentHub.Web.Features.Incidents.IncidentService>().GetAsync(number))!;
            },
            // Triage's own result: the investigation after it may already have moved the incident on (escalated).
            d => d.TriageReason is not null,
            what: "triage");
        Assert.Equal(new string('t', 298) + "…", detail.Summary.Title);
        Assert.Equal(200, detail.Summary.Service!.Length);
        Assert.StartsWith("svc-sss", detail.Summary.Service, StringComparison.Ordinal);
        Assert.InRange(detail.TriageReason!.Length, 1, 1000);
    }

    private static HttpRequestMessage Request(string hook, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return new HttpRequestMessage(HttpMethod.Post, hook + "?wait=true") { Content = content };
    }

    /// <summary>Sends, and checks the answer on its own: no 5xx, a ProblemDetails with a detail for a refusal, an event id when stored.</summary>
    private static async Task<Outcome> SendAsync(HttpClient http, HttpRequestMessage request, Guid integrationId, string what, ConcurrentQueue<string> failures)
    {
        using var response = await http.SendAsync(request);
        var status = response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var fail = (string problem) => failures.Enqueue($"{what}{Environment.NewLine}-> {(int)status}: {problem}{Environment.NewLine}{Excerpt(text)}");
        long? eventId = json?["eventId"] is JsonValue id && id.TryGetValue<long>(out var n) ? n : null;
        if ((int)status >= 500)
        {
            fail("a server error");
        }
        else if (status == HttpStatusCode.Accepted)
        {
            if (eventId is null)
            {
                fail("accepted without an eventId");
            }
        }
        else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            fail($"a refusal as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not application/problem+json");
        }
        else if (json?["detail"] is not JsonValue detail || !detail.TryGetValue<string>(out var said) || string.IsNullOrWhiteSpace(said))
        {
            fail("a ProblemDetails without a detail");
        }
        else if (eventId is null && status is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests))
        {
            fail("a refusal of an authenticated request without the eventId of its raw row");
        }

        var applied = json?["status"] is JsonValue s && s.TryGetValue<string>(out var state) && state == "applied";
        return new Outcome(what, integrationId, status, eventId, applied);
    }

    /// <summary>Exactly one raw row per authenticated answer with an event id, none other; Rejected for a 4xx, Processed for a 202.</summary>
    private async Task AssertRecordedAsync(IEnumerable<Outcome> outcomes, ConcurrentQueue<string> failures)
    {
        var all = outcomes.ToList();
        var integrationIds = all.Select(o => o.IntegrationId).Distinct().ToList();
        var byEvent = all.Where(o => o.EventId is not null).GroupBy(o => o.EventId!.Value).ToList();
        foreach (var shared in byEvent.Where(g => g.Count() > 1))
        {
            failures.Enqueue($"eventId {shared.Key} was answered to {shared.Count()} requests: {string.Join(" | ", shared.Select(o => o.What))}");
        }

        var expected = byEvent.ToDictionary(g => g.Key, g => g.First());
        await using var db = await NewDbAsync();

        // An answer that gave up waiting (202 "queued") is applied a little later; wait for those only.
        var rows = await Eventually.HoldsAsync(
            () => db.AlertEvents.AsNoTracking().Where(e => integrationIds.Contains(e.IntegrationId))
                .Select(e => new { e.Id, e.IntegrationId, e.Status, e.Error }).ToListAsync(),
            rs => rs.All(r => r.Status != RawEventStatus.Received),
            what: "every raw row applied");

        foreach (var row in rows)
        {
            if (!expected.TryGetValue(row.Id, out var outcome))
            {
                failures.Enqueue($"raw row {row.Id} ({row.Status}: {row.Error}) belongs to no answer: a request was stored twice, or stored and not said so");
                continue;
            }

            var want = outcome.Status == HttpStatusCode.Accepted ? RawEventStatus.Processed : RawEventStatus.Rejected;
            if (row.Status != want || row.IntegrationId != outcome.IntegrationId)
            {
                failures.Enqueue($"{outcome.What}{Environment.NewLine}-> answered {(int)outcome.Status}, but raw row {row.Id} is {row.Status}: {row.Error}");
            }
        }

        foreach (var missing in expected.Keys.Except(rows.Select(r => r.Id)))
        {
            failures.Enqueue($"{expected[missing].What}{Environment.NewLine}-> answered with eventId {missing}, which is not in alert_events");
        }

        var unstored = all.Where(o => o.EventId is null && o.Status is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests)).ToList();
        foreach (var o in unstored)
        {
            failures.Enqueue($"{o.What}{Environment.NewLine}-> answered {(int)o.Status} without an eventId");
        }
    }

    private void AssertNoFailures(ConcurrentQueue<string> failures, int requests)
    {
        foreach (var failure in failures.Take(20))
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.IsEmpty,
            $"{failures.Count} problems in {requests} requests. The first:{Environment.NewLine}" +
            string.Join(Environment.NewLine + Environment.NewLine, failures.Take(5)));
    }

    private Task<AppDbContext> NewDbAsync() =>
        app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private static SourceKind KindOf(string fixture)
    {
        var source = fixture.Contains('/', StringComparison.Ordinal) ? fixture[..fixture.IndexOf('/', StringComparison.Ordinal)] : fixture.Split('-', '.')[0];
        return Enum.Parse<SourceKind>(source, ignoreCase: true);
    }

    private static string Excerpt(string text) => text.Length <= 600 ? text : text[..600] + "...";

    /// <summary>A body sent without a Content-Length (chunked): the server cannot know its size before reading it.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
