"""An environment-only change (no commit: a deploy entry of kind "env" that sets a client timeout through an
environment variable) lowers the service's timeout for a catalogued downstream below that downstream's normal
latency. A large share of calls now time out; the downstream itself is healthy (its latency is unchanged, it only sees
its callers hang up), although it was deployed itself half an hour earlier, and the service's own code release from
the day before is also in the window. The suspect is the env change, not a commit."""
from framework import h
from stories import minutes, op_error, prior_release, release, step

KIND = {
    "name": "env-timeout-lowered",
    "category": "config-change",
    "severity": "P2",
    "inspired_by": "https://nextmv.statuspage.io/incidents/zn3r7rddn24s (2025-06-20: a deployment lowered a runtime limit to "
                   "5 minutes and longer runs failed) and the 'EXTERNAL_API_TIMEOUT_MS 3000 -> 800' pattern of timeouts set "
                   "below a dependency's p99; companies invented",
}

VARIANTS = [
    dict(lang="Go", svc="quote-api", down="risk-scorer", team="underwriting", env="RISK_SCORER_TIMEOUT", old="2s", new="250ms",
         new_s=0.25, key=("risk_scorer", "timeout"), routes=["/v1/quotes", "/v1/quotes/{id}"], share=0.38, lat=(0.12, 0.7), droute="/v1/score"),
    dict(lang="Rust", svc="search-gateway", down="ranking-service", team="search", env="RANKER_TIMEOUT_MS", old="1500", new="150",
         new_s=0.15, key=("ranker", "timeout_ms"), routes=["/search", "/search/suggest"], share=0.45, lat=(0.06, 0.45), droute="/rank"),
    dict(lang="C#", svc="loyalty-api", down="member-profile", team="loyalty", env="Upstream__TimeoutSeconds", old="10", new="1",
         new_s=1.0, key=("upstream", "timeout_seconds"), routes=["/api/points", "/api/members/{id}/tier"], share=0.3, lat=(0.3, 2.4), droute="/v3/profiles/lookup"),
]


def build(b, p):
    svc, down, L = p["svc"], p["down"], p["lang"]
    sec, key = p["key"]
    b.make_repo(svc, {sec: {"url": f"http://{down}:8080", key: p["old"]}, "server": {"port": 8080}}, history=7)
    prior_release(b, svc, days_ago=9)
    rel_at = b.at(-60 * 20)
    release(b, svc, [("api: include one more field in the response", {"docs/api.md": "# API\n\n- band: A-E\n"}, None)], rel_at,
            decoys=[("deps: bump http client", {"docs/deps.md": "# Dependencies\n\nhttp client 1.9\n"}, None)])
    env_at = b.at(-11)
    b.deploy(svc, f"env: {p['env']}={p['new']} (was {p['old']})", None, env_at, kind="env", status="succeeded")
    b.deploy(down, "2026." + str(b.rng.randint(10, 60)) + ".4", None, b.at(-34))
    onset = env_at + minutes(1)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    sl = b.svc(svc)
    trace = op_error(b, "fetch", "System.Threading.Tasks.TaskCanceledException",
                     f"The request was canceled due to the configured HttpClient.Timeout of {p['new']} seconds elapsing.") if L == "C#" else None

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        if rng.random() < share(t):
            if L == "Go":
                sl.error(t, f"{down} call failed: Post \"http://{down}:8080{p['droute']}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                         logger="client", route=route, status=504, elapsed_ms=250)
            elif L == "Rust":
                sl.error(t, f"request to {down} failed: error sending request for url (http://{down}:8080/rank): operation timed out",
                         logger="search_gateway::upstream", route=route, status=504)
            else:
                sl.error(t, f"{route} failed calling {down}", logger="Upstream", trace=trace, status=500)
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(60, 180 if t >= onset else 700))
    sl.stream(b.start, b.end, 0.2, req)
    sl.info(env_at + minutes(0.3), f"{svc} restarted: configuration reloaded from environment", logger="main")
    sl.info(env_at + minutes(0.31), f"config: {sec}.{key}={p['new']} (env {p['env']})", logger="config")
    b.noise(sl, b.start, b.end, 500, "WARN", "cache miss storm on cold key prefix 'tariff:'", logger="cache")
    b.noise(sl, b.start, b.end, 1300, "ERROR", "audit sink unavailable, buffering 12 events", logger="audit")
    dl = b.svc(down)
    lo, hi = p["lat"]

    def dreq(t, rng):
        ms = int(1000 * (lo + (hi - lo) * rng.random() ** 2))
        if t >= onset and ms > p["new_s"] * 1000 and rng.random() < 0.8:
            dl.warn(t, f"POST {p['droute']} 499 client closed request after {int(p['new_s'] * 1000)}ms (handler finished in {ms}ms)", logger="http",
                    status=499, caller=svc)
            return
        dl.info(t, f"POST {p['droute']} 200", logger="access", status=200, duration_ms=ms, caller=svc)
    dl.stream(b.start, b.end, 0.18, dreq)
    dl.info(b.at(-34), f"{down} started (new release)", logger="main")
    b.http_metrics(svc, lambda t: 12.0, share, lambda t: 0.75 if t < onset else p["new_s"] + 0.05, routes=tuple(p["routes"]))
    b.http_metrics(down, lambda t: 12.0, lambda t: 0.0005, lambda t: hi * 0.95)
    b.counter(svc, "upstream_timeouts", "calls to the dependency that timed out", {"upstream": down}, lambda t, i: 12.0 * share(t))
    b.gauge(svc, "upstream_timeout_seconds", "configured client timeout", {"upstream": down},
            lambda t, i: step(t, onset, float(p["old"].rstrip("ms")) if p["old"].endswith("s") and not p["old"].endswith("ms") else float(p["old"]) / (1000 if "MS" in p["env"] else 1), p["new_s"]), 3)
    b.cpu_mem(svc)
    b.set_alert(svc, "SLOBurnRateHigh", f"{svc}: error budget burning 14x", f"{svc} is failing {int(p['share'] * 100)}% of requests (504/500) over 10m.",
                value=p["share"], threshold=0.02)
    b.set_truth(svc, f"An environment-only deploy at {env_at:%H:%M} set {p['env']}={p['new']} (was {p['old']}), below {down}'s normal latency "
                     f"(p99 ~{hi}s); {int(p['share'] * 100)}% of {svc}'s calls to {down} now time out. {down} is healthy (499s are {svc} hanging up).",
                [f"{p['env']}={p['new']}", f"config: {sec}.{key}={p['new']}", "upstream_timeouts_total", f"{down} p99 unchanged", "499 client closed request"],
                [(f"Compare {svc}'s {down} timeout with {down}'s p99 latency", "READ"),
                 (f"Restore {p['env']}={p['old']} (redeploy the previous environment)", "REVERSIBLE"),
                 ("Move the timeout into reviewed config with a lower bound check", "REVERSIBLE")],
                [f"{down} deploy 34 minutes earlier (its latency did not change)", f"{svc} code release the day before",
                 "cache miss warnings", "audit sink errors"])
    b.extra_scenario["note"] = "the change is a deploy entry of kind env with no commit"
    return {"title": f"{svc}: timeouts calling {down}", "primary": svc,
            "narrative": f"{svc} fails requests since {onset:%H:%M} UTC with timeouts to {down}; {down} shipped at {b.at(-34):%H:%M}."}
