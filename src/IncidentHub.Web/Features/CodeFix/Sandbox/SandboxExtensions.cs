namespace IncidentHub.Web.Features.CodeFix.Sandbox;

public static class SandboxExtensions
{
    /// <summary>The test sandbox and its options (section <see cref="SandboxOptions.SectionName"/>).</summary>
    public static IServiceCollection AddCodeFixSandbox(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<SandboxOptions>().Bind(config.GetSection(SandboxOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TestSandbox>();
        return services;
    }
}
