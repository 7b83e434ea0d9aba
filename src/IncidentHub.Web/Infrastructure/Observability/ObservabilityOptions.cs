namespace IncidentHub.Web.Infrastructure.Observability;

/// <summary>Who may read /metrics. By default only Admins (login cookie or API token).</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>Anyone who reaches the port may scrape: for a network where only Prometheus can.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Scrapes from 127.0.0.1 / ::1 need nothing (a Prometheus beside the app; careful behind a local proxy).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>A secret Prometheus sends as `Authorization: Bearer ...` (its `authorization.credentials`); none when empty.</summary>
    public string? BearerToken { get; set; }
}

/// <summary>Traces through OTLP (gRPC or HTTP/protobuf) when an endpoint is set; none otherwise.</summary>
public sealed class OtlpOptions
{
    public const string SectionName = "Otlp";

    public Uri? Endpoint { get; set; }
}
