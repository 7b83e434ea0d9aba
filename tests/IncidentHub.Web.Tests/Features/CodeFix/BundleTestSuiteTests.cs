using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.CodeFix.Sandbox;
using IncidentHub.Web.Tests.Features.Bundles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.CodeFix;

/// <summary>
/// The demo bundles' repositories carry real test suites: each is built by its own make_repo.sh and the test command
/// from the bundle's catalog.yaml runs through the real sandbox, as the code-fix check will run it.
/// </summary>
public sealed partial class BundleTestSuiteTests
{
    private readonly TestSandbox sandbox = new(Options.Create(new SandboxOptions()), NullLogger<TestSandbox>.Instance);

    [Theory]
    [InlineData("104-psp-outage-payments")]
    [InlineData("105-tax-service-nxdomain")]
    public async Task CatalogTestCommand_PassesAtHead(string bundle)
    {
        using var repo = DemoBundleTests.BuiltRepo.Build(BundleDirectory(bundle));

        var run = await sandbox.RunAsync(repo.Path, TestCommand(bundle), CancellationToken.None);

        Assert.True(run.Ran, run.Error);
        Assert.True(run.ExitCode == 0, run.OutputTail);
        Assert.Equal(0, run.Failed);
        Assert.True(run.Passed > 0, run.OutputTail);
        Assert.Null(run.StoppedBy);
    }

    [Fact]
    public async Task PricingApiContractTest_FailsOnceAtHead_AndPassesWithTheReadTimeoutRestored()
    {
        const string bundle = "102-inventory-timeout-config";
        using var repo = DemoBundleTests.BuiltRepo.Build(BundleDirectory(bundle));

        var head = await sandbox.RunAsync(repo.Path, TestCommand(bundle), CancellationToken.None);

        Assert.True(head.Ran, head.Error);
        Assert.Equal((1, 3, 1), (head.ExitCode ?? -1, head.Passed, head.Failed));
        Assert.Equal(["ProdConfigContractTest.prodReadTimeoutCoversInventoryP99"], head.FailingTests);

        // The fix a person would approve: the 4.8.1 read timeout back to 2000ms.
        var profile = Path.Combine(repo.Path, "src", "main", "resources", "application-prod.yml");
        var yaml = File.ReadAllText(profile);
        Assert.Contains("read-timeout: 200ms\n", yaml);
        File.WriteAllText(profile, yaml.Replace("read-timeout: 200ms\n", "read-timeout: 2000ms\n", StringComparison.Ordinal));

        var fixedRun = await sandbox.RunAsync(repo.Path, TestCommand(bundle), CancellationToken.None);

        Assert.True(fixedRun.Ran, fixedRun.Error);
        Assert.Equal((0, 4, 0), (fixedRun.ExitCode ?? -1, fixedRun.Passed, fixedRun.Failed));
        Assert.Empty(fixedRun.FailingTests);
    }

    private static string BundleDirectory(string bundle) => Path.Combine(IncidentHubFactory.RepositoryRoot(), "seed-data", "bundles", bundle);

    // catalog.yaml is read as text: ServiceRepository.TestCommand is not on this branch.
    private static string TestCommand(string bundle) =>
        TestCommandLine().Match(File.ReadAllText(Path.Combine(BundleDirectory(bundle), "catalog.yaml"))) is { Success: true } m
            ? m.Groups[1].Value.Trim()
            : throw new InvalidOperationException($"{bundle}/catalog.yaml has no test_command");

    [GeneratedRegex(@"^\s*test_command:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex TestCommandLine();
}
