using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Remediation.Executors;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>
/// The executors as the app registers them (<c>AddInvestigation</c> for the connectors they reuse, then
/// <c>AddRemediationExecutors</c>), over the given configuration and nothing else: no database, no web host.
/// </summary>
public static class ExecutorServices
{
    public static ServiceProvider Build(IDictionary<string, string?> configuration, Action<IServiceCollection>? more = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        // The receivers of these tests listen on 127.0.0.1, as in the app's test factory.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Outbound:AllowLoopback"] = "true" });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddLogging();
        builder.AddInvestigation();
        more?.Invoke(builder.Services);
        builder.Services.AddRemediationExecutors();
        return builder.Services.BuildServiceProvider();
    }
}
