// TEMPORARY: replaced by the helpers' real classes at merge.
namespace IncidentHub.Web.Features.CodeFix.Sandbox
{
    public sealed record TestRun(bool Ran, int? ExitCode, int Passed, int Failed, IReadOnlyList<string> FailingTests, string OutputTail, TimeSpan Elapsed, string? StoppedBy, string? Error);
    public sealed class TestSandbox { public Task<TestRun> RunAsync(string d, string c, CancellationToken ct) => throw new NotImplementedException(); }
    public static class SandboxExtensions { public static IServiceCollection AddCodeFixSandbox(this IServiceCollection s, IConfiguration c) => s.AddSingleton<TestSandbox>(); }
}
