using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// The one place the investigation calls the pure extraction and diagnosis code in
/// IncidentHub.Analysis (log templates, stack traces, injection check, onsets, frame mapping, engine).
/// </summary>
public static class EvidenceExtraction
{
    public static IReadOnlyList<TemplateShift> Templates(IReadOnlyList<LogLine> lines, DateTimeOffset incidentStart) =>
        throw new NotImplementedException("waiting for the logs branch");

    public static IReadOnlyList<StackTrace> StackTraces(IReadOnlyList<LogLine> lines) =>
        throw new NotImplementedException("waiting for the engine branch");

    public static IReadOnlyList<SuspiciousLine> Suspicious(IReadOnlyList<LogLine> lines) =>
        throw new NotImplementedException("waiting for the engine branch");

    public static IReadOnlyList<MetricOnset> Onsets(MetricSeries series, DateTimeOffset anchor) =>
        throw new NotImplementedException("waiting for the engine branch");

    public static IReadOnlyList<RepositoryFrame> MapFrames(StackTrace trace, string? pathPrefix, IReadOnlyCollection<string> repoFiles) =>
        throw new NotImplementedException("waiting for the engine branch");

    public static Diagnosis Diagnose(DiagnosisInput input) =>
        throw new NotImplementedException("waiting for the engine branch");
}
