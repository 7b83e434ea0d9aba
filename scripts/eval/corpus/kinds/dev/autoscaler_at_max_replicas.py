"""Organic growth meets an old autoscaler ceiling: the HPA's maxReplicas was set a year ago and tonight's ordinary peak
(about 15% above last week's, no single client standing out) needs more pods than that. The HPA sits at its maximum
(ScalingLimited), every pod runs at its CPU limit and is throttled, p99 climbs steadily and the ingress starts timing
requests out. No deploy; a log-level change in the service's config two days ago and a cache warning are noise."""
from stories import minutes

KIND = {
    "name": "autoscaler-at-max-replicas",
    "category": "capacity/resource-exhaustion",
    "severity": "P2",
    "inspired_by": "https://runbooks.gitlab-static.net/kube/alerts/HPAScaleCapability/ (GitLab runbook: HPA at maxReplicas, "
                   "containers throttled, escalate when SLIs suffer) and "
                   "https://dev.to/muj18/how-a-kubernetes-autoscaling-incident-took-down-our-api-and-how-i-now-debug-it-in-minutes-27m9; "
                   "companies invented",
}

VARIANTS = [
    dict(lang="Node.js", svc="feed-api", team="social", max=12, routes=["/v1/feed", "/v1/feed/next"], cpu_limit=1.0),
    dict(lang="C#", svc="pricing-api", team="commerce", max=8, routes=["/api/prices", "/api/prices/bulk"], cpu_limit=2.0),
    dict(lang="Python", svc="recommendations", team="discovery", max=10, routes=["/recs/home", "/recs/item/{id}"], cpu_limit=1.5),
]


def build(b, p):
    svc, mx = p["svc"], p["max"]
    b.make_repo(svc, {"server": {"workers": 4, "log_level": "info"}, "cache": {"ttl_s": 60}}, history=7)
    b.deploy(svc, "v3.11.0", len(b.repo.commits) - 1, b.at(-60 * 24 * 6))
    c, _, _ = b.edit_config("config: log level info -> debug to trace the new request fields", "server", "log_level", "debug")
    b.deploy(svc, "config v3.11.0+cfg", c, b.at(-60 * 24 * 2), kind="config", status="succeeded")
    hit = b.at(-18)   # the desired replica count passes maxReplicas
    # demand as pods-worth of CPU: a slow evening ramp
    demand = lambda t: mx * (0.82 + 0.33 * max(0.0, (t - b.start).total_seconds()) / (b.end - b.start).total_seconds())  # noqa: E731
    over = lambda t: max(0.0, demand(t) / mx - 1.0)  # noqa: E731
    shed = lambda t: min(0.2, over(t) * 1.2) if t >= hit + minutes(5) else 0.0  # noqa: E731
    sl = b.svc(svc)

    def req(t, rng):
        route = rng.choice(p["routes"])
        if rng.random() < shed(t):
            sl.warn(t, f"GET {route} 504 upstream request timeout", logger="ingress", status=504, duration_ms=10000)
            return
        ms = rng.randint(40, 160) if t < hit else int(rng.randint(40, 160) * (1 + 25 * over(t)))
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=ms)
    sl.stream(b.start, b.end, lambda t: 0.18 * demand(t) / mx, req)
    b.noise(sl, b.start, b.end, 420, "WARN", "cache: hit ratio below 0.8 for segment 'long-tail'", logger="cache")
    b.noise(sl, b.start, b.end, 1000, "ERROR", "metrics exporter: scrape took 2.1s", logger="metrics")
    ev = b.svc("kube-events", style="plain")

    def scale(t, rng):
        want = int(demand(t) + 0.999)
        if want > mx:
            ev.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Warning ScalingLimited horizontalpodautoscaler/{svc} TooManyReplicas: the desired replica count "
                          f"({want}) is more than the maximum replica count ({mx})")
        else:
            ev.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Normal SuccessfulRescale horizontalpodautoscaler/{svc} New size: {want}; reason: cpu resource "
                          "utilization (percentage of request) above target")
    ev.every(b.start, b.end, 30, scale)

    def other(t, rng):
        ev.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Normal Pulled pod/batch-exporter-{rng.randrange(16 ** 5):05x} Container image \"registry/batch-exporter:2.4\" already present on machine")
    ev.stream(b.start, b.end, 1 / 40, other)
    b.http_metrics(svc, lambda t: 30.0 * demand(t) / mx, shed, lambda t: 0.18 if t < hit else 0.18 + 15 * over(t), routes=tuple(p["routes"]))
    b.metrics.gauge("kube_horizontalpodautoscaler_status_desired_replicas", "HPA desired replicas", {"horizontalpodautoscaler": svc, "namespace": b.namespace},
                    lambda t, i: int(demand(t) + 0.999), 0)
    b.metrics.gauge("kube_horizontalpodautoscaler_status_current_replicas", "HPA current replicas", {"horizontalpodautoscaler": svc, "namespace": b.namespace},
                    lambda t, i: min(mx, int(demand(t) + 0.999)), 0)
    b.metrics.gauge("kube_horizontalpodautoscaler_spec_max_replicas", "HPA max replicas", {"horizontalpodautoscaler": svc, "namespace": b.namespace},
                    lambda t, i: mx, 0)
    b.metrics.counter("container_cpu_cfs_throttled_periods", "CFS periods throttled", {"container": svc, "namespace": b.namespace},
                      lambda t, i: 0.5 if t < hit else 40 * (1 + 10 * over(t)))
    b.gauge(svc, "cpu_limit_cores", "container CPU limit", {}, lambda t, i: p["cpu_limit"], 2)
    b.cpu_mem(svc, cpu=lambda t: p["cpu_limit"] * min(0.99, 0.7 * demand(t) / mx + 0.25))
    b.set_alert(svc, "LatencySLOBurn", f"{svc}: p99 {0.18 + 15 * over(b.t0):.1f}s, 504s rising",
                f"{svc} p99 above 1s for 10m; ingress 504 ratio {shed(b.t0):.2f}.", value=round(0.18 + 15 * over(b.t0), 2), threshold=1.0)
    b.set_truth(svc, f"Tonight's ordinary peak needs more than the HPA's maxReplicas={mx}: since {hit:%H:%M} the HPA is ScalingLimited at {mx} "
                     f"pods, every pod runs at its {p['cpu_limit']}-core CPU limit and is throttled, so latency climbs and the ingress times "
                     "requests out. Demand is a gradual ramp, not a spike from one client.",
                ["ScalingLimited TooManyReplicas", "kube_horizontalpodautoscaler_status_desired_replicas > spec_max_replicas",
                 "container_cpu_cfs_throttled_periods_total", "504 upstream request timeout"],
                [(f"Compare the HPA's desired and maximum replicas and the cluster's spare capacity", "READ"),
                 (f"Raise maxReplicas for {svc} (and the node pool if needed)", "REVERSIBLE"),
                 ("Alert on HPA saturation before the SLO burns", "REVERSIBLE")],
                ["the log-level config change two days ago", "cache hit-ratio warnings", "metrics exporter scrape warnings",
                 "batch-exporter pod events"])
    return {"title": f"{svc}: latency climbing at the evening peak", "primary": svc,
            "narrative": f"{svc} latency alert at {b.t0:%H:%M} UTC. No deploy today; traffic looks like a normal evening."}
