using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;

namespace IncidentHub.Web.Tests.Infrastructure.Security;

/// <summary>429 with Retry-After and ProblemDetails above the limits of an app with real (low) limits.</summary>
[Collection(SecurityAppCollection.Name)]
public sealed class RateLimitTests(SecurityApp security)
{
    private IncidentHubFactory App => security.App;

    [Fact]
    public async Task Login_AboveLimitFromOneAddress_Is429WithRetryAfter_OtherAddressesStillServed()
    {
        using var guesser = new LoginForm(App.ServerAddress, "203.0.113.1");
        using var other = new LoginForm(App.ServerAddress, "203.0.113.2");

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i <= SecurityApp.LoginPerMinute; i++)
        {
            answers.Add(await guesser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/account/login")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "admin@test.local", ["password"] = $"guess-{i}" }),
            }));
        }

        var otherAnswer = await other.LogInAsync("nobody@test.local", "wrong-password-1");

        Assert.All(answers[..SecurityApp.LoginPerMinute], a => Assert.NotEqual(HttpStatusCode.TooManyRequests, a.StatusCode));
        await AssertTooManyAsync(answers[^1]);
        Assert.Equal(HttpStatusCode.Redirect, otherAnswer.StatusCode);
    }

    [Fact]
    public async Task Api_AboveLimitPerUser_Is429_OtherUsersStillServed()
    {
        var busy = await App.CreateUserAsync($"busy-{Guid.NewGuid():N}"[..20] + "@test.local", "Viewer!pass-12345", "Viewer");
        var calm = await App.CreateUserAsync($"calm-{Guid.NewGuid():N}"[..20] + "@test.local", "Viewer!pass-12345", "Viewer");
        using var busyHttp = App.Client(busy);
        using var calmHttp = App.Client(calm);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = default!;
        for (var i = 0; i <= SecurityApp.ApiPerMinute; i++)
        {
            last = await busyHttp.GetAsync("/api/incidents/999999");
            statuses.Add(last.StatusCode);
        }

        Assert.All(statuses[..SecurityApp.ApiPerMinute], s => Assert.Equal(HttpStatusCode.NotFound, s));
        await AssertTooManyAsync(last);
        Assert.Equal(HttpStatusCode.NotFound, (await calmHttp.GetAsync("/api/incidents/999999")).StatusCode);
    }

    [Fact]
    public async Task Webhook_AboveLimitPerIntegration_Is429_OtherIntegrationStillAccepted()
    {
        var noisy = await App.CreateIntegrationAsync(SourceKind.Generic);
        var quiet = await App.CreateIntegrationAsync(SourceKind.Generic);
        using var http = App.Client();

        var answers = await Task.WhenAll(Enumerable.Range(0, SecurityApp.WebhookPerSecond * 3).Select(i =>
            http.PostAsync(noisy, Payloads.Json(new JsonObject { ["title"] = $"noisy {i}", ["service"] = "checkout" }))));
        var quietAnswer = await http.PostAsync(quiet, Payloads.Json(new JsonObject { ["title"] = "quiet", ["service"] = "checkout" }));

        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        await AssertTooManyAsync(answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.Accepted, quietAnswer.StatusCode);
    }

    [Fact]
    public async Task UnknownWebhookTokens_AreLimitedPerAddress_AndRemembered_WithoutTheDatabase()
    {
        using var http = App.Client();
        var remembered = $"iht_unknown{Guid.NewGuid():N}";

        async Task<HttpResponseMessage> PostAsync(string token, string address)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/generic/{token}") { Content = Payloads.Json(new JsonObject { ["title"] = "x" }) };
            request.Headers.Add("X-Forwarded-For", address);
            return await http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(remembered, "203.0.113.40")).StatusCode);
        for (var i = 1; i < SecurityApp.TokenLookupsPerMinute; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync($"iht_guess{i}{Guid.NewGuid():N}", "203.0.113.40")).StatusCode);
        }

        var overLimit = await PostAsync($"iht_guess{Guid.NewGuid():N}", "203.0.113.40");
        var otherAddress = await PostAsync($"iht_guess{Guid.NewGuid():N}", "203.0.113.41");
        HttpResponseMessage rememberedWhileDown;
        security.Database.Down();
        try
        {
            // Answered from memory: with the database unreachable, a lookup would have been a 503.
            rememberedWhileDown = await PostAsync(remembered, "203.0.113.42");
        }
        finally
        {
            security.Database.Up();
        }

        await AssertTooManyAsync(overLimit);
        Assert.Equal(HttpStatusCode.Unauthorized, otherAddress.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, rememberedWhileDown.StatusCode);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(int.Parse(Assert.Single(response.Headers.GetValues("Retry-After"))) >= 1);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, (await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<int>());
    }
}
