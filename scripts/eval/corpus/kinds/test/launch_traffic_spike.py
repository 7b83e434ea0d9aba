"""A planned launch (TV spot, ticket on-sale, push campaign) multiplies traffic on every route; autoscaling hits its
maximum, latency and 503s rise. Nothing broke: it is load."""
from stories import minutes, step

KIND = {
    "name": "launch-traffic-spike",
    "category": "traffic-spike",
    "severity": "P1",
    "inspired_by": "Ticketmaster 2022 Eras Tour on-sale and Coinbase 2022 Super Bowl QR ad traffic surges; companies invented",
}

VARIANTS = [
    dict(lang="Kotlin", svc="tickets-api", team="ticketing", event="on-sale of the summer tour", mult=7, routes=["/events/{id}/seats", "/orders"]),
    dict(lang="Go", svc="signup-svc", team="growth", event="TV spot during the final", mult=9, routes=["/signup", "/verify"]),
    dict(lang="PHP", svc="promo-landing", team="marketing", event="newsletter with a 50% code", mult=5, routes=["/promo", "/promo/redeem"]),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"autoscaling": {"min_replicas": 4, "max_replicas": 12}, "server": {"max_connections": 400}}, history=6)
    b.deploy(svc, "v1.2.0", len(b.repo.commits) - 1, b.at(-60 * 24 * 4))
    b.deploy("marketing", p["event"], None, b.at(-12), kind="campaign")
    b.deploy("web-frontend", "2026.06.1", None, b.at(-55))
    onset = b.at(-12)
    sat = b.at(-7)
    rps = lambda t: 10 * (p["mult"] if t >= onset else 1)  # noqa: E731
    err = lambda t: step(t, sat, 0.002, 0.22)  # noqa: E731
    sl = b.svc(svc)

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        if rng.random() < err(t):
            sl.error(t, f"{route} 503: upstream connect error or disconnect/reset before headers (overflow)", logger="http", status=503)
        else:
            sl.info(t, f"POST {route} 200", logger="access", status=200, duration_ms=rng.randint(30, 120) if t < onset else rng.randint(800, 4000))
    sl.stream(b.start, b.end, lambda t: 0.25 if t < onset else 0.9, req)
    def scale(t, rng):
        sl.info(t, f"HorizontalPodAutoscaler: desired replicas {min(12, 4 + int((t - onset).total_seconds() / 60))} (max 12)", logger="autoscaler")
    sl.every(onset, b.end, 60, scale)
    b.noise(sl, b.start, b.end, 600, "WARN", "slow DNS lookup for analytics endpoint", logger="analytics")
    b.http_metrics(svc, rps, err, lambda t: 0.12 if t < onset else (0.9 if t < sat else 3.5), routes=tuple(p["routes"]))
    b.gauge(svc, "kube_deployment_status_replicas", "replicas", {"deployment": svc}, lambda t, i: 4 if t < onset else min(12, 4 + int((t - onset).total_seconds() / 60)), 0)
    b.gauge(svc, "kube_hpa_spec_max_replicas", "HPA max", {"hpa": svc}, lambda t, i: 12, 0)
    b.cpu_mem(svc, cpu=lambda t: 0.4 if t < onset else 1.95)
    b.set_alert(svc, "LatencyAndErrors", f"{svc}: p99 3.5s, 22% 503", f"{svc} p99 latency and 503 ratio above thresholds since {sat:%H:%M} UTC.",
                value=0.22, threshold=0.05)
    b.set_truth(svc, f"The {p['event']} at {onset:%H:%M} multiplied traffic about {p['mult']}x on every route; {svc} scaled to its HPA maximum (12) and "
                     "saturated, so latency rose and the proxy sheds requests with 503. No code or config changed.",
                [f"{b.names(svc).requests()}_total rate x{p['mult']}", "kube_deployment_status_replicas at kube_hpa_spec_max_replicas", "503 overflow"],
                [("Confirm the traffic increase and that it matches the campaign/on-sale", "READ"),
                 ("Raise the HPA maximum / add capacity, and enable a waiting room or queue", "REVERSIBLE"),
                 ("Shed non-essential features during the peak", "REVERSIBLE")],
                ["web-frontend release 55 minutes earlier", "slow analytics DNS warnings"])
    return {"title": f"{svc}: slow and shedding requests", "primary": svc,
            "narrative": f"{svc} latency and error alert at {b.t0:%H:%M} UTC. Marketing mentions the {p['event']}."}
