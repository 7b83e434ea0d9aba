using IncidentHub.Tests.Shared;

// Two collections, two apps: Hangfire keeps process-wide state, so they run one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace IncidentHub.E2E.Tests;

/// <summary>
/// All browser tests share one running app (one database, one Hangfire server: Hangfire keeps
/// process-wide state) and one Chromium. Tests stay independent by creating their own
/// integrations, users and incidents, and each uses its own browser context (own cookies).
/// </summary>
[CollectionDefinition(Name)]
public sealed class E2ECollection : ICollectionFixture<IncidentHubFactory>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "e2e";
}
