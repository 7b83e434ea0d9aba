using System.Security.Cryptography;
using System.Text;
using IncidentHub.Web.Features.CodeFix.GitHub;

namespace IncidentHub.Web.Tests.Features.CodeFix;

public sealed class GitHubWebhookTests
{
    private const string Secret = "It's a Secret to Everybody";

    private static readonly byte[] Merged = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "github", "pull_request-closed-merged.json"));

    [Fact]
    public void VerifySignature_WithGitHubsExample_Accepts()
    {
        // The example from GitHub's "Validating webhook deliveries" page.
        Assert.True(GitHubWebhook.VerifySignature("Hello, World!"u8, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", Secret));
    }

    [Fact]
    public void VerifySignature_WithTheBodysHmac_Accepts() =>
        Assert.True(GitHubWebhook.VerifySignature(Merged, Sign(Merged, Secret), Secret));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256=")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1")]
    [InlineData("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    public void VerifySignature_WhenMissingMalformedOrForged_Rejects(string? header) =>
        Assert.False(GitHubWebhook.VerifySignature(Merged, header, Secret));

    [Fact]
    public void VerifySignature_WhenTheBodyWasChanged_Rejects()
    {
        var signature = Sign(Merged, Secret);
        var tampered = Merged.ToArray();
        tampered[^3] ^= 1;

        Assert.False(GitHubWebhook.VerifySignature(tampered, signature, Secret));
        Assert.False(GitHubWebhook.VerifySignature(Merged, signature, "another secret"));
        Assert.False(GitHubWebhook.VerifySignature(Merged, signature, ""));
    }

    [Fact]
    public void ParsePullRequest_ClosedAndMerged_ReadsWhoAndWhen()
    {
        var parsed = GitHubWebhook.ParsePullRequest(Merged);

        Assert.Equal(new PullRequestEvent("closed", "acme", "shop", 12, "https://github.com/acme/shop/pull/12",
            "incident/INC-42-checkout-latency-after-deploy", true, "dana-oncall", new DateTimeOffset(2026, 11, 20, 11, 2, 44, TimeSpan.Zero)), parsed);
    }

    [Fact]
    public void ParsePullRequest_ClosedWithoutMerge_IsNotMerged()
    {
        var body = Encoding.UTF8.GetString(Merged).Replace("\"merged\": true", "\"merged\": false").Replace("\"merged_at\": \"2026-11-20T11:02:44Z\"", "\"merged_at\": null");

        var parsed = GitHubWebhook.ParsePullRequest(Encoding.UTF8.GetBytes(body));

        Assert.NotNull(parsed);
        Assert.False(parsed.Merged);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 11, 2, 44, TimeSpan.Zero), parsed.At);
    }

    [Theory]
    [InlineData("""{"ref":"refs/heads/main","before":"a","after":"b","repository":{"name":"shop","owner":{"login":"acme"}}}""")]
    [InlineData("""{"zen":"Keep it logically awesome.","hook_id":1}""")]
    [InlineData("not json")]
    [InlineData("[]")]
    public void ParsePullRequest_OtherBodies_AreNull(string body) =>
        Assert.Null(GitHubWebhook.ParsePullRequest(Encoding.UTF8.GetBytes(body)));

    private static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
