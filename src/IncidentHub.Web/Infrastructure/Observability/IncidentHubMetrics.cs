using System.Diagnostics.Metrics;

namespace IncidentHub.Web.Infrastructure.Observability;

/// <summary>
/// The app's own instruments (meter "IncidentHub"), exported at /metrics in Prometheus format by OpenTelemetry.
/// Counters and histograms are recorded where things happen; the database gauges are read at scrape time from
/// <see cref="DatabaseGauges"/> (cached, so a fast scraper does not load PostgreSQL).
/// </summary>
public sealed class IncidentHubMetrics
{
    public const string MeterName = "IncidentHub";

    private readonly Counter<long> _alerts;
    private readonly Histogram<double> _jobs;
    private readonly Histogram<double> _phases;
    private long _aiInputTokens;
    private long _aiOutputTokens;

    public IncidentHubMetrics(IMeterFactory meters, DatabaseGauges database)
    {
        var meter = meters.Create(MeterName);
        _alerts = meter.CreateCounter<long>("incidenthub.alerts.received", "{alert}",
            "Alerts in webhook payloads, by source and outcome (accepted; rejected counts a refused payload as one).");
        _jobs = meter.CreateHistogram<double>("incidenthub.job.duration", "s", "Hangfire job run time, by job type and outcome.");
        _phases = meter.CreateHistogram<double>("incidenthub.incident.phase", "s",
            "Seconds from an incident's first alert to a phase: triage, first_diagnosis.");
        meter.CreateObservableGauge("incidenthub.incidents", () => database.Read().IncidentsByState
            .Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("state", p.Key))), "{incident}", "Incidents by state.");
        meter.CreateObservableGauge("incidenthub.outbox.depth", () => database.Read().OutboxDepth, "{message}",
            "Emails in the outbox not sent yet (Waiting, Queued, Sending, Failed, Uncertain).");
        meter.CreateObservableCounter("incidenthub.ai.tokens", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref _aiInputTokens), new KeyValuePair<string, object?>("direction", "input")),
            new Measurement<long>(Interlocked.Read(ref _aiOutputTokens), new KeyValuePair<string, object?>("direction", "output")),
        }, "{token}", "Tokens sent to and received from AI providers.");
    }

    public void AlertsReceived(string source, string outcome, int count) =>
        _alerts.Add(count, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", outcome));

    public void JobRan(string job, bool succeeded, TimeSpan duration) =>
        _jobs.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("job", job), new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));

    public void PhaseReached(string phase, TimeSpan sinceFirstAlert) =>
        _phases.Record(Math.Max(0, sinceFirstAlert.TotalSeconds), new KeyValuePair<string, object?>("phase", phase));

    /// <summary>For the AI connectors (none record yet: the agents run on recorded answers until the AI issue).</summary>
    public void AiTokensUsed(long input, long output)
    {
        Interlocked.Add(ref _aiInputTokens, input);
        Interlocked.Add(ref _aiOutputTokens, output);
    }
}
