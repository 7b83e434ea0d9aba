"""A scraper bot hammers an expensive search/listing endpoint from a handful of networks: request rate x6, latency
and 503s rise; normal users' traffic is flat. Nothing changed in the service."""
from stories import minutes, step

KIND = {
    "name": "bot-traffic-spike",
    "category": "traffic-spike",
    "severity": "P2",
    "inspired_by": "Read the Docs / GitLab / Wikimedia write-ups of aggressive AI-crawler and scraper traffic; companies invented",
}

VARIANTS = [
    dict(lang="PHP", svc="listings-web", team="marketplace", route="/search", ua="Mozilla/5.0 (compatible; DataHarvestBot/2.1)", mult=6, net="203.0.113."),
    dict(lang="Ruby", svc="recipes-site", team="web", route="/recipes/search", ua="python-requests/2.31.0", mult=5, net="198.51.100."),
    dict(lang="Python", svc="jobs-board", team="growth", route="/api/jobs", ua="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/121.0", mult=8, net="192.0.2."),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"search": {"page_size": 50, "timeout_ms": 5000}, "ratelimit": {"enabled": "false"}}, history=7)
    b.deploy(svc, "v1.2.0", len(b.repo.commits) - 1, b.at(-60 * 24 * 8))
    b.deploy("cdn-config", "cache rule for /static", None, b.at(-70), kind="config")
    onset = b.at(-14)
    base = 3.0
    rps = lambda t: base * (p["mult"] if t >= onset else 1)  # noqa: E731
    err = lambda t: step(t, onset + minutes(4), 0.002, 0.18)  # noqa: E731
    sl = b.svc(svc)

    def req(t, rng):
        bot = t >= onset and rng.random() < 1 - 1 / p["mult"]
        ip = (p["net"] + str(rng.randint(2, 60))) if bot else f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        ua = p["ua"] if bot else rng.choice(["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/122.0"])
        route = p["route"] + (f"?q={rng.choice(['a', 'e', 'o', 'x'])}&page={rng.randint(1, 900)}" if bot else f"?q=home&page={rng.randint(1, 3)}")
        status = 503 if rng.random() < err(t) else 200
        ms = rng.randint(40, 180) if t < onset else rng.randint(600, 4800)
        sl.line(t, "INFO" if status == 200 else "ERROR", f"GET {route} {status}", logger="access", status=status, duration_ms=ms, client_ip=ip, user_agent=ua)
    sl.stream(b.start, b.end, lambda t: 0.3 if t < onset else 0.3 * min(p["mult"], 4), req)
    b.noise(sl, b.start, b.end, 400, "WARN", "slow query (1.1s) on saved-search digest", logger="db")
    b.noise(sl, b.start, onset, 900, "ERROR", "payment webhook signature mismatch", logger="webhooks")
    db = b.svc(svc + "-db", style="plain")
    def pg(t, rng):
        if t >= onset:
            db.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{rng.randint(100, 9999)}] LOG:  duration: {rng.randint(900, 5000)}.{rng.randint(100, 999)} ms  statement: SELECT * FROM listings WHERE to_tsvector(title) @@ plainto_tsquery($1) ORDER BY created_at DESC OFFSET {rng.randint(1000, 45000)} LIMIT 50")
        else:
            db.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{rng.randint(100, 9999)}] LOG:  checkpoint complete: wrote {rng.randint(10, 900)} buffers")
    db.stream(b.start, b.end, 0.08, pg)
    b.http_metrics(svc, rps, err, lambda t: 0.15 if t < onset else 3.9, routes=(p["route"], "/"))
    b.counter(svc, "requests_by_client_class", "requests by client class", {"class": "bot"}, lambda t, i: 0.2 if t < onset else base * (p["mult"] - 1))
    b.counter(svc, "requests_by_client_class", "requests by client class", {"class": "browser"}, lambda t, i: base)
    b.cpu_mem(svc, cpu=lambda t: 0.4 if t < onset else 1.9)
    b.set_alert(svc, "LatencyHigh", f"{svc} p99 latency 3.9s and 503s", f"{svc} p99 {p['route']} latency above 2s for 10m; 503 ratio 18%.",
                value=3.9, threshold=2)
    b.set_truth(svc, f"A scraper ({p['ua']}) from {p['net']}0/24 multiplied requests to {p['route']} by about {p['mult']}x at {onset:%H:%M}; "
                     f"deep-page full-text searches saturate {svc} and its database, so real users see 3-5s pages and 503s.",
                ["user_agent " + p["ua"], f"client_ip {p['net']}*", "requests_by_client_class{class=\"bot\"}", "duration: ms statement: SELECT ... OFFSET"],
                [("Break traffic down by user agent and client network", "READ"),
                 (f"Rate-limit or block {p['net']}0/24 and the bot user agent at the edge/WAF", "REVERSIBLE"),
                 (f"Cap search pagination depth on {p['route']}", "REVERSIBLE")],
                ["saved-search digest slow query warnings", "payment webhook signature errors (before the spike)", "cdn-config change 70 minutes earlier"])
    return {"title": f"{svc}: slow pages and 503s on {p['route']}", "primary": svc,
            "narrative": f"{svc} p99 alert at {b.t0:%H:%M} UTC. Marketing has no campaign running; no deploy today."}
