using IncidentHub.Tests.Shared;
using IncidentHub.Web.Tests.Features.Investigation;

namespace IncidentHub.Web.Tests.Features.Ai;

/// <summary>
/// The real app with Ai:Provider=OpenAICompatible pointed at the replaying <see cref="FakeModelServer"/>, and a
/// service on disk (logs with an injected instruction, metrics, a git repository with a bad commit) in its catalog.
/// </summary>
public sealed class AiAppFixture : IAsyncLifetime
{
    public const string Service = "aisvc";
    public const string TriageModel = "small-triage-model";
    public const string InvestigationModel = "large-investigation-model";
    public const string CodeModel = "code-model";
    public const string PostmortemModel = "postmortem-model";
    public const int TimeoutSeconds = 5;
    public const int Budget = 20_000;

    public FakeModelServer Model { get; private set; } = default!;
    public IncidentHubFactory App { get; } = new();
    public InvestigationScenario Scenario { get; } = InvestigationScenario.Create(Service);

    public async Task InitializeAsync()
    {
        Model = await FakeModelServer.StartAsync();
        App.Settings["Seed:CatalogPath"] = Scenario.CatalogPath;
        App.Settings["Catalog:AllowedFileRoots:0"] = Scenario.Directory;
        App.Settings["Ai:Provider"] = "OpenAICompatible";
        App.Settings["Ai:BaseUrl"] = new Uri(Model.Address, "v1").ToString();
        App.Settings["Ai:ApiKey"] = "sk-test-secret-never-logged";
        App.Settings["Ai:Models:Triage"] = TriageModel;
        App.Settings["Ai:Models:Investigation"] = InvestigationModel;
        App.Settings["Ai:Models:Code"] = CodeModel;
        App.Settings["Ai:Models:Postmortem"] = PostmortemModel;
        App.Settings["Ai:TimeoutSeconds"] = TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        App.Settings["Ai:TokenBudgetPerIncident"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture);
        App.Settings[$"Ai:Prices:{InvestigationModel}:InputPer1k"] = "0.01";
        App.Settings[$"Ai:Prices:{InvestigationModel}:OutputPer1k"] = "0.03";
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await Model.DisposeAsync();
        Scenario.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class AiCollection : ICollectionFixture<AiAppFixture>
{
    public const string Name = "ai";
}
