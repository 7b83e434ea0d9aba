using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Investigation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>The engine's one confidence threshold comes from configuration and is validated.</summary>
public sealed class DiagnosisOptionsBindingTests
{
    [Fact]
    public void AddInvestigation_WithoutConfiguration_UsesTheEngineDefault()
    {
        using var services = Build([]);

        Assert.Equal(0.5, services.GetRequiredService<IOptions<DiagnosisOptions>>().Value.ConfidenceThreshold);
    }

    [Fact]
    public void AddInvestigation_BindsDiagnosisConfidenceThreshold()
    {
        using var services = Build(new() { ["Diagnosis:ConfidenceThreshold"] = "0.7" });

        Assert.Equal(0.7, services.GetRequiredService<IOptions<DiagnosisOptions>>().Value.ConfidenceThreshold);
    }

    [Fact]
    public void AddInvestigation_ThresholdOutOfRange_FailsValidation()
    {
        using var services = Build(new() { ["Diagnosis:ConfidenceThreshold"] = "1.5" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DiagnosisOptions>>().Value);
        Assert.Contains("ConfidenceThreshold", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddInvestigation();
        return builder.Services.BuildServiceProvider();
    }
}
