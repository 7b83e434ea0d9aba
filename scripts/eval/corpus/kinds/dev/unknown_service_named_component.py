"""The alert comes from a service the catalog does not list (a legacy job, a partner relay), but its text names the
infrastructure component that failed: a catalog-listed cache/broker/search cluster that ran out of a resource
(memory, disk) and now refuses writes. truth.service is that component."""
from stories import minutes

KIND = {
    "name": "unknown-service-named-component",
    "category": "capacity/resource-exhaustion",
    "severity": "P2",
    "inspired_by": "Elastic 'flood stage disk watermark' read-only index incidents, RabbitMQ memory-alarm publisher blocking and "
                   "Redis maxmemory OOM write errors reported in public post-mortems (e.g. GitLab, Discourse); companies invented",
}

VARIANTS = [
    dict(lang="Python", alert_svc="legacy-export-cron", comp="search-es", team="search",
         err="ClusterBlockException: index [orders-2026.03] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block]",
         comp_log="[WARN ][o.e.c.r.a.DiskThresholdMonitor] flood stage disk watermark [95%] exceeded on [es-data-2][/var/lib/elasticsearch] free: 3.1gb[4.6%], all indices on this node will be marked read-only",
         usage="disk_used_bytes", limit="disk_size_bytes", cap=2e12),
    dict(lang="Go", alert_svc="partner-webhook-relay", comp="events-rabbitmq", team="integrations",
         err="Exception (504) Reason: \"channel/connection is not open\" publishing to events-rabbitmq: connection blocked (memory alarm)",
         comp_log="memory resource limit alarm set on node rabbit@events-rabbitmq-0. Publishers will be blocked until this alarm clears",
         usage="rabbitmq_process_resident_memory_bytes", limit="rabbitmq_resident_memory_limit_bytes", cap=6.4e9),
    dict(lang="Node.js", alert_svc="promo-banner-sync", comp="sessions-redis", team="growth",
         err="ReplyError: OOM command not allowed when used memory > 'maxmemory'. (sessions-redis:6379)",
         comp_log="WARNING: used_memory 4.00G reached maxmemory 4.00G with maxmemory-policy noeviction; write commands are refused",
         usage="redis_memory_used_bytes", limit="redis_memory_max_bytes", cap=4.29e9),
]


def build(b, p):
    comp, alert_svc = p["comp"], p["alert_svc"]
    onset = b.at(-14)
    c = b.svc(comp, style="plain")

    def comp_line(t, rng):
        if t < onset:
            c.log.add(t, f"{t:%Y-%m-%dT%H:%M:%S}.{rng.randint(100, 999)}Z INFO  client connected from 10.8.{rng.randint(0, 9)}.{rng.randint(2, 250)}")
        else:
            c.log.add(t, f"{t:%Y-%m-%dT%H:%M:%S}.{rng.randint(100, 999)}Z WARN  {p['comp_log']}")
    c.stream(b.start, b.end, 0.08, comp_line)
    for other in ("orders-api", "catalog-api"):
        sl = b.svc(other)
        def fail(t, rng, route, sl=sl):
            if t < onset or rng.random() > 0.25:
                return False
            sl.error(t, f"write to {comp} failed: {p['err']}", logger="client", status=503)
            return True
        b.requests(sl, b.start, b.end, 0.15, [f"/v1/{other.split('-')[0]}"], fail)
        b.noise(sl, b.start, b.end, 700, "WARN", "GC pause 180ms", logger="runtime")
        b.http_metrics(other, lambda t: 6.0, lambda t: 0.25 * 0.5 if t >= onset else 0.002, lambda t: 0.2)
    b.deploy("catalog-api", "v4.12.0", None, b.at(-70))
    grow = lambda t, i: p["cap"] * (0.8 + 0.2 * min(1.0, max(0.0, (t - b.start).total_seconds() / (onset - b.start).total_seconds())))  # noqa: E731
    b.metrics.gauge(p["usage"], "usage", {"instance": comp}, grow, 0)
    b.metrics.gauge(p["limit"], "limit", {"instance": comp}, lambda t, i: p["cap"], 0)
    b.set_alert(alert_svc, "JobFailures", f"{alert_svc}: writes to {comp} failing",
                f"{alert_svc} (not in the catalog) fails its runs since {onset:%H:%M}: {p['err'][:120]}", value=1, threshold=0,
                severity="warning")
    b.set_truth(comp, f"{comp} reached its {p['usage'].split('_')[-2]} limit and refuses writes; {alert_svc} and the catalog services "
                      f"writing to it fail. Nothing changed in the callers.",
                [p["comp_log"][:60], p["usage"], p["err"][:50]],
                [(f"Check {comp}'s {p['usage']} against {p['limit']}", "READ"),
                 (f"Free space / memory on {comp} or raise its limit", "REVERSIBLE")],
                ["catalog-api deploy 70 minutes earlier", "GC pause warnings"])
    b.extra_scenario["note"] = "the alerting service is not in the catalog; truth.service is the component its text names"
    return {"title": f"{alert_svc}: writes to {comp} failing", "primary": comp,
            "narrative": f"{alert_svc} alarm since {onset + minutes(3):%H:%M} UTC. Other services also log errors writing to {comp}."}
