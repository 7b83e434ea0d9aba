"""A disk-usage alarm on a low-tier host crosses its threshold while logs grow, and the hourly log rotation brings it
back down minutes later; requests and errors stay flat, a known warning repeats as always. It must not page."""
from stories import minutes

KIND = {
    "name": "disk-alarm-log-rotation-noise",
    "category": "noisy-false-alarm",
    "severity": "P3",
    "inspired_by": "Google SRE workbook 'Alerting on SLOs' (cause-based alerts that page for nothing) and Etsy/Datadog write-ups on "
                   "alert fatigue from disk thresholds; companies invented",
}

VARIANTS = [
    dict(lang="Ruby", svc="admin-console", team="internal-tools", conv="statsd", style="syslog"),
    dict(lang="PHP", svc="newsletter-editor", team="marketing", conv="otel", style="json"),
    dict(lang="Scala", svc="reporting-ui", team="analytics", conv="prom", style="logfmt"),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"logging": {"level": "info", "rotate": "hourly"}}, history=6)
    b.deploy(svc, "v2.4.0", len(b.repo.commits) - 1, b.at(-60 * 24 * 12))
    rot = b.at(+4)
    sl = b.svc(svc)
    b.requests(sl, b.start, b.end, 0.2, ["/", "/reports/{id}", "/healthz"])
    b.noise(sl, b.start, b.end, 300, "WARN", "deprecated template helper used in layout", logger="view")
    b.noise(sl, b.start, b.end, 900, "ERROR", "failed to send usage ping: connection reset by peer", logger="telemetry")
    sl.info(rot, "logrotate: rotated /var/log/app/*.log (3.9G), compressed", logger="logrotate")
    disk = lambda t, i: (0.62 + 0.22 * max(0.0, (t - b.start).total_seconds()) / (rot - b.start).total_seconds()) if t < rot else 0.58  # noqa: E731
    m = b.gauge(svc, "disk_used_ratio", "share of the data volume in use", {"mount": "/var/log"}, disk, 3)
    b.http_metrics(svc, lambda t: 3.0, lambda t: 0.002, lambda t: 0.15)
    b.cpu_mem(svc)
    b.set_alert(svc, "DiskUsageHigh", f"{svc}: disk usage above 80% on /var/log", f"{svc} /var/log volume at 84%.",
                severity="warning", metric=m, value=0.84, threshold=0.8)
    b.set_truth(svc, "Log volume grows through the hour and the hourly rotation frees it; the alarm threshold sits below the pre-rotation "
                     "peak. Requests, errors and latency stay flat: nothing for a human to do now.",
                [m, "logrotate: rotated", "http 5xx flat"],
                [("Confirm usage dropped after the rotation", "READ"), ("Raise the threshold or alert on time-to-full instead", "REVERSIBLE")],
                ["deprecated template warnings", "usage ping errors (all hour)"], page=False)
    return {"title": f"{svc}: disk usage alarm", "primary": svc,
            "narrative": f"{svc} disk alarm at {b.t0:%H:%M} UTC. Nobody reported problems."}
