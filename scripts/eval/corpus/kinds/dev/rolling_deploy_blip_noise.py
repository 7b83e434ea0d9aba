"""A routine rolling deploy of a healthy release: as each old pod is terminated the load balancer still sends it a few
requests for a second or two (no preStop delay), so for about two minutes a trickle of 502s / connection resets
appears and a short-window 5xx alert trips. The new version is fine: by the time anyone looks the error ratio is back at
its baseline, latency never moved, and the month's error budget barely noticed. It must not page; the deploy, the
SIGTERM shutdown lines and the resets look like a bad release but are not."""
from stories import minutes, prior_release, release

KIND = {
    "name": "rolling-deploy-blip-noise",
    "category": "noisy-false-alarm",
    "severity": "P3",
    "inspired_by": "https://uptybots.com/blog/monitoring-during-deployments-how-to-avoid-panic-alerts (alert storms during "
                   "routine deploys) and the Kubernetes/ALB deregistration-delay pattern (no preStop sleep: 502s while pods "
                   "terminate); Google SRE workbook 'Alerting on SLOs' (short windows page on blips); companies invented",
}

VARIANTS = [
    dict(lang="Go", svc="profile-api", team="identity", pods=6, routes=["/v1/profiles/{id}", "/v1/profiles/me"], alb=False,
         feature="profiles: accept pronouns field"),
    dict(lang="Java", svc="shipping-quotes", team="logistics", pods=4, routes=["/quotes", "/quotes/{id}"], alb=True, source="cloudwatch",
         feature="quotes: add the carrier's cut-off time to the response"),
    dict(lang="Ruby", svc="help-center", team="support", pods=5, routes=["/articles/{slug}", "/search"], alb=False,
         feature="articles: related-article links"),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"server": {"port": 8080, "shutdown_grace_s": 0}, "cache": {"ttl_s": 120}}, history=7)
    prior_release(b, svc)
    roll = b.at(-4)
    ver, _, _, _ = release(b, svc, [(p["feature"], {"docs/changes.md": f"# Changes\n\n- {p['feature']}\n"}, None)], roll,
                           decoys=[("tests: cover the new field", {"docs/testing.md": "# Testing\n\nrun the suite\n"}, None)])
    roll_end = roll + minutes(2.2)
    blip = lambda t: 0.06 if roll <= t < roll_end else 0.0004  # noqa: E731
    sl = b.svc(svc)
    pods = [f"{svc}-{b.rng.randrange(16 ** 9):09x}-{b.rng.randrange(16 ** 5):05x}" for _ in range(p["pods"])]

    def req(t, rng):
        route = rng.choice(p["routes"])
        if rng.random() < blip(t) * 2.5:  # the access log is sampled, so each reset shows
            pod = pods[rng.randrange(len(pods))]
            sl.warn(t, f"GET {route} 502 upstream connection reset by peer (pod {pod} terminating)", logger="ingress", status=502, upstream=pod)
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(15, 110))
    sl.stream(b.start, b.end, 0.25, req)
    for k, pod in enumerate(pods):
        at = roll + minutes(2.2 * k / len(pods))
        sl.info(at, f"SIGTERM received, shutting down (pod {pod})", logger="main")
        sl.info(at + minutes(0.05), "http server closed; 3 in-flight requests aborted", logger="main")
        sl.info(at + minutes(0.3), f"{svc} {ver} started, listening on :8080", logger="main")
    b.noise(sl, b.start, b.end, 380, "WARN", "cache: stale entry served while refreshing", logger="cache")
    b.noise(sl, b.start, b.end, 900, "ERROR", "client aborted request before response was written", logger="http")
    b.http_metrics(svc, lambda t: 25.0, blip, lambda t: 0.11, routes=tuple(p["routes"]))
    b.gauge(svc, "error_budget_remaining_ratio", "30-day availability error budget left (SLO 99.9%)", {}, lambda t, i: 0.81 if t < roll else 0.809, 3)
    b.metrics.gauge("kube_deployment_status_replicas_updated", "replicas on the new revision", {"deployment": svc, "namespace": b.namespace},
                    lambda t, i: 0 if t < roll else min(p["pods"], int((t - roll).total_seconds() / (132 / p["pods"])) + 1), 0)
    b.metrics.gauge("kube_deployment_status_replicas_available", "available replicas", {"deployment": svc, "namespace": b.namespace},
                    lambda t, i: p["pods"] - (1 if roll <= t < roll_end else 0), 0)
    b.cpu_mem(svc, pods=3)
    if p["alb"]:
        tg = f"targetgroup/{svc[:20]}-tg/{b.rng.randrange(16 ** 16):016x}"
        b.set_alert(svc, "ELB5xxHigh", "ALB target 5xx count above 5 per minute", f"HTTPCode_Target_5XX_Count above 5/min on {tg}.",
                    severity="warning", metric="HTTPCode_Target_5XX_Count", value=9, threshold=5, namespace="AWS/ApplicationELB",
                    dims=[{"value": f"app/prod-public/{b.rng.randrange(16 ** 16):016x}", "name": "LoadBalancer"}, {"value": tg, "name": "TargetGroup"}])
        b.alert_service = None  # the alarm names only the load balancer and target group
    else:
        b.set_alert(svc, "HighErrorRate5m", f"{svc}: 5xx ratio 6% (1m window)", f"{svc} 5xx ratio above 2% over the last minute.",
                    severity="warning", value=0.06, threshold=0.02)
    b.set_truth(svc, f"A routine rolling deploy of {ver} at {roll:%H:%M}: while old pods terminated without a preStop delay, about 6% of "
                     f"requests got 502/connection resets for ~2 minutes. The new version is healthy (errors back to baseline, latency "
                     "flat, error budget essentially unchanged). Nothing to do now; fix the shutdown drain and the alert window later.",
                ["SIGTERM received, shutting down", "502 upstream connection reset by peer", "kube_deployment_status_replicas_updated",
                 "error ratio back to baseline after the rollout", "error_budget_remaining_ratio"],
                [("Confirm the 5xx stopped when the rollout finished and latency never moved", "READ"),
                 ("Add a preStop sleep / connection draining and alert on burn rate over a longer window", "REVERSIBLE")],
                [f"the {ver} deploy itself (healthy)", "stale cache warnings", "client aborted request errors (all hour)"], page=False)
    return {"title": f"{svc}: short 5xx burst", "primary": svc,
            "narrative": f"A 5xx alert for {svc} fired at {b.t0:%H:%M} UTC during the {ver} rollout. Nobody has reported problems."}
