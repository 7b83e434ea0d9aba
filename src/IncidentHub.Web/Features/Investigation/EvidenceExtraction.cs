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

    public static IReadOnlyList<StackTrace> StackTraces(IReadOnlyList<LogLine> lines) => StackTraceExtractor.Extract(lines);

    /// <summary>Lines that read like instructions to an operator or a model: flagged as data, never acted on.</summary>
    public static IReadOnlyList<SuspiciousLine> Suspicious(IReadOnlyList<LogLine> lines) => InjectionDetector.Scan(lines);

    public static IReadOnlyList<MetricOnset> Onsets(MetricSeries series) =>
        OnsetDetector.Detect(series) is { } onset ? [onset] : [];

    public static IReadOnlyList<RepositoryFrame> MapFrames(StackTrace trace, string? pathPrefix, IReadOnlyCollection<string> repoFiles) =>
        StackTraceExtractor.MapFrames(trace, pathPrefix, repoFiles);

    public static Diagnosis Diagnose(DiagnosisInput input) => DiagnosisEngine.Diagnose(input);
}
