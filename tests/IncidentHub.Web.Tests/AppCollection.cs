using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests;

/// <summary>
/// All tests that need the running app share one instance (one database, one Hangfire server):
/// Hangfire keeps process-wide state, and one start-up is faster. Tests stay independent by
/// creating their own integrations, users and incidents.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<IncidentHubFactory>
{
    public const string Name = "app";
}
