using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Logs;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// The one place the investigation calls the pure extraction and diagnosis code in
/// IncidentHub.Analysis (log templates, stack traces, injection check, onsets, frame mapping, engine).
/// </summary>
public static class EvidenceExtraction
{
    /// <summary>Templates new or surging in <c>[incidentStart, ..]</c> against the baseline <c>[from, incidentStart)</c>.</summary>
    public static IReadOnlyList<TemplateShift> Templates(IReadOnlyList<LogLine> lines, DateTimeOffset from, DateTimeOffset incidentStart, int max) =>
        lines.Count == 0
            ? []
            : LogTemplateAnalysis.Compare(lines, incidentStart, incidentStart - from > TimeSpan.Zero ? incidentStart - from : TimeSpan.FromMinutes(1), new TemplateShiftOptions { MaxResults = max });

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
