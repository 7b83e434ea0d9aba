using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.CodeFix.GitHub;

public static class GitHubExtensions
{
    /// <summary>GitHub options (section "GitHub", checked at start), the pull request client and the local-branch fallback.</summary>
    public static IServiceCollection AddCodeFixGitHub(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<GitHubOptions>().Bind(config.GetSection(GitHubOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<GitHubOptions>, GitHubOptionsValidator>();
        services.AddSingleton<GitHubPullRequests>();
        services.AddSingleton<LocalBranchPublisher>();
        return services;
    }
}
