using IncidentHub.Web.Features.CodeFix.GitHub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.CodeFix;

public sealed class GitHubExtensionsTests
{
    [Fact]
    public void AddCodeFixGitHub_WithoutConfiguration_GivesAnUnconfiguredClientAndTheLocalPublisher()
    {
        using var services = Build([]);

        Assert.False(services.GetRequiredService<GitHubPullRequests>().Configured);
        Assert.NotNull(services.GetRequiredService<LocalBranchPublisher>());
        Assert.Equal(GitHubOptions.PublicApiUrl, services.GetRequiredService<IOptions<GitHubOptions>>().Value.ApiUrl);
    }

    [Fact]
    public void AddCodeFixGitHub_BindsTheGitHubSection()
    {
        using var services = Build(new() { ["GitHub:ApiUrl"] = "https://ghe.example.com/", ["GitHub:Token"] = "t", ["GitHub:WebhookSecret"] = "s" });

        var options = services.GetRequiredService<IOptions<GitHubOptions>>().Value;
        Assert.Equal(("https://ghe.example.com/", "s", true), (options.ApiUrl, options.WebhookSecret, options.Configured));
        Assert.True(services.GetRequiredService<GitHubPullRequests>().Configured);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://ghe.example.com/")]
    [InlineData("http://ghe.example.com/")]
    public void AddCodeFixGitHub_WithABadApiUrl_FailsValidation(string url)
    {
        using var services = Build(new() { ["GitHub:ApiUrl"] = url, ["GitHub:Token"] = "t" });

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<GitHubOptions>>().Value);
        Assert.Contains("GitHub:ApiUrl", failure.Message);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddCodeFixGitHub(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
}
