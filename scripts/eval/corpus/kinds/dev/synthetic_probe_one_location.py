"""A synthetic uptime check fails from one probe location only (the probe's own network path is broken), while the four
other locations pass and real traffic, including real users from that very region, is served normally. The alert is
the synthetic monitor's. A deploy of the service 25 minutes earlier and a pre-existing error template are decoys.
It must not page."""
from stories import minutes, prior_release, release, step

KIND = {
    "name": "synthetic-probe-one-location",
    "category": "noisy-false-alarm",
    "severity": "P3",
    "inspired_by": "https://statuspage.me/blog/when-your-monitoring-infrastructure-goes-down (2026-03-19: false downtime alerts "
                   "caused by the monitoring provider's own network; a quorum of regions suppresses single-region failures) and "
                   "https://www.statusharbor.io/uptime-monitoring-for-sre (single-region probe failures as the main source of false pages); companies invented",
}

LOCATIONS = ["eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2", "sa-east-1"]

VARIANTS = [
    dict(lang="Node.js", svc="marketing-site", team="web", bad="ap-southeast-2", source="generic", generic_source="status-checker",
         url="https://www.{dom}/", routes=["/", "/pricing", "/blog/{slug}"], err="connect ETIMEDOUT 203.0.113.40:443 after 10000ms"),
    dict(lang="Elixir", svc="partner-portal", team="partners", bad="sa-east-1", source="datadog",
         url="https://partners.{dom}/login", routes=["/login", "/dashboard", "/api/reports/:id"], err="TLS handshake timeout (10s)"),
    dict(lang="Kotlin", svc="public-api", team="platform", bad="us-west-2", source="grafana",
         url="https://api.{dom}/v1/health", routes=["/v1/health", "/v1/orders", "/v1/orders/{id}"], err="dial tcp: lookup api.{dom} on 10.0.0.2:53: i/o timeout"),
]


def build(b, p):
    svc = p["svc"]
    url = p["url"].format(dom=b.domain)
    b.make_repo(svc, {"server": {"port": 8080}, "cdn": {"cache_ttl_s": 300}}, history=7)
    prior_release(b, svc, days_ago=6)
    dep_at = b.at(-25)
    release(b, svc, [("ui: new footer links", {"docs/footer.md": "# Footer\n\nlinks\n"}, None)], dep_at,
            decoys=[("deps: bump logger", {"docs/deps.md": "# Deps\n\nlogger 3.2\n"}, None)])
    onset = b.at(-7)
    sl = b.svc(svc)

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(10, 140), region=LOCATIONS[rng.randrange(5)])
    sl.stream(b.start, b.end, 0.2, req)
    sl.info(dep_at + minutes(0.3), f"{svc} started", logger="main")
    b.noise(sl, b.start, b.end, 600, "ERROR", "sitemap refresh failed: upstream CMS returned 404 for /sitemap-legacy.xml", logger="sitemap")
    b.noise(sl, b.start, b.end, 400, "WARN", "slow response from feature flags (800ms)", logger="flags")
    syn = b.svc("synthetics", style="json")

    def probe(t, rng):
        for loc in LOCATIONS:
            tt = t + minutes(rng.random() * 0.2)
            if loc == p["bad"] and t >= onset:
                syn.error(tt, f"check '{svc} uptime' FAILED from {loc}: {p['err'].format(dom=b.domain)}", logger="runner",
                          check=f"{svc}-uptime", location=loc, url=url, result="fail")
            else:
                syn.info(tt, f"check '{svc} uptime' passed from {loc} in {rng.randint(60, 380)}ms", logger="runner",
                         check=f"{svc}-uptime", location=loc, url=url, result="pass", status=200)
    syn.every(b.start, b.end, 60, probe)
    b.http_metrics(svc, lambda t: 18.0, lambda t: 0.0015, lambda t: 0.16, routes=tuple(p["routes"][:2]))
    for loc in LOCATIONS:
        b.metrics.gauge("probe_success", "synthetic check result", {"check": f"{svc}-uptime", "location": loc},
                        (lambda t, i, loc=loc: 0 if (loc == p["bad"] and t >= onset) else 1), 0)
        b.counter(svc, "http_requests_by_region", "requests served by client region", {"region": loc}, lambda t, i: 3.6 * (0.95 + 0.1 * b.rng.random()))
    b.cpu_mem(svc)
    b.set_alert(svc, "SyntheticCheckFailing", f"{svc} uptime check failing ({p['bad']})",
                f"Synthetic check {svc}-uptime ({url}) failed 6 consecutive runs from {p['bad']}.", severity="critical",
                labels={"check": f"{svc}-uptime", "location": p["bad"]}, metric="synthetics.http.check.status", value=0, threshold=1)
    b.set_truth(svc, f"Only the {p['bad']} probe location fails the synthetic check (its own network path to {url} is broken); the four other "
                     f"locations pass, and real traffic, including users from {p['bad']}, is served with no errors. Nothing for a human to do now.",
                [f"FAILED from {p['bad']}", "passed from", "probe_success", "http_requests_by_region", "5xx flat"],
                [(f"Confirm the other locations pass and {p['bad']} user traffic is normal", "READ"),
                 ("Require at least two failing locations before the check pages", "REVERSIBLE")],
                [f"{svc} deploy 25 minutes earlier", "sitemap refresh errors (all along)", "feature flag slow warnings"], page=False)
    return {"title": f"{svc}: uptime check failing", "primary": svc,
            "narrative": f"The uptime check of {svc} fails since {onset:%H:%M} UTC. {svc} deployed at {dep_at:%H:%M}."}
