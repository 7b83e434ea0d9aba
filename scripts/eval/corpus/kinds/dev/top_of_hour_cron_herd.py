"""Customers' integrations call a sync API from cron jobs at the top of the hour. A large customer onboarded today
with hundreds of tenants, all scheduled at `0 * * * *` with no jitter: at :00 the request rate jumps about 8x within
seconds, the worker pool queues, p99 goes to seconds and the service sheds load (503 / 429) for several minutes, then
recovers until the next hour. The :30 burst of the older customers is small and handled. Nothing was deployed to the
service today; another team's deploy twenty minutes earlier and a nightly vacuum notice are unrelated."""
import datetime as dt

from stories import minutes

KIND = {
    "name": "top-of-hour-cron-herd",
    "category": "traffic-spike",
    "severity": "P2",
    "inspired_by": "https://coderden-engineering-blog.pages.dev/posts/thundering-herd-cron-scheduling-incident (2026-02-21: "
                   "synchronized cron schedules at :00 and :30 overwhelmed the pool) and Google SRE book 'Distributed Periodic "
                   "Scheduling with Cron' (hash-spread schedules); companies invented",
}

VARIANTS = [
    dict(lang="Kotlin", svc="inventory-sync-api", other="catalog-search", team="integrations", customer="acme-logistics",
         ua="acme-sync/3.2 (cron)", route="/v2/inventory/sync", mult=8, minute=3),
    dict(lang="PHP", svc="bookings-api", other="email-renderer", team="partners", customer="globetrek-agencies",
         ua="GlobetrekConnector/1.9 (+cron)", route="/api/v1/availability/bulk", mult=9, minute=4),
    dict(lang="Scala", svc="rates-feed-api", other="fx-quotes", team="treasury", customer="northsea-brokers",
         ua="nsb-rates-poller/0.14", route="/v3/rates/snapshot", mult=7, minute=2),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"server": {"workers": 64, "queue_limit": 200}, "ratelimit": {"per_key_rps": 50}}, history=7)
    b.deploy(svc, "v1.8.3", len(b.repo.commits) - 1, b.at(-60 * 24 * 2 - 130))
    b.deploy(p["other"], "2026." + str(b.rng.randint(10, 60)) + ".1", None, b.at(-23))
    top = b.t0.replace(minute=0, second=0, microsecond=0)
    half = top - dt.timedelta(minutes=30)
    burst_end = top + minutes(9)

    def load(t):
        """multiplier of the base request rate"""
        if top <= t < burst_end:
            return p["mult"] * (1.0 if t < top + minutes(5) else 0.5)
        if half <= t < half + minutes(3):
            return 1.8
        return 1.0
    shed = lambda t: (0.22 if top + minutes(1) <= t < burst_end else 0.0)  # noqa: E731
    sl = b.svc(svc)

    def req(t, rng):
        m = load(t)
        herd = m > 2 and rng.random() < 1 - 1 / m
        cust = p["customer"] if herd else rng.choice(["bluepeak", "orion-retail", "kestrel", "fjordline", p["customer"] if rng.random() < 0.05 else "sundial"])
        ua = p["ua"] if cust == p["customer"] else rng.choice(["okhttp/4.12.0", "python-requests/2.32.3", "Go-http-client/2.0"])
        if rng.random() < shed(t):
            st = 503 if rng.random() < 0.6 else 429
            sl.warn(t, f"POST {p['route']} {st} " + ("request queue full (200/200), shedding" if st == 503 else "per-key rate limit exceeded"),
                    logger="http", status=st, customer=cust, user_agent=ua, queued_ms=rng.randint(800, 4000))
            return
        ms = rng.randint(30, 150) if m < 2 else rng.randint(900, 5200)
        sl.info(t, f"POST {p['route']} 200", logger="access", status=200, duration_ms=ms, customer=cust, user_agent=ua)
    sl.stream(b.start, b.end, lambda t: 0.12 * min(load(t), 4), req)
    b.noise(sl, b.start, b.end, 500, "WARN", "GC pause 180ms (young generation)" if b.lang.name in ("Kotlin", "Scala") else "opcache: memory 82% used", logger="runtime")
    b.noise(sl, b.start, b.end, 1200, "ERROR", "webhook delivery to https://hooks.partner.example/cb failed: 410 Gone", logger="webhooks")
    sl.info(b.at(-60 * 1 + 3), "nightly maintenance: VACUUM (ANALYZE) sync_events finished in 41s", logger="db")
    base = 20.0
    b.http_metrics(svc, lambda t: base * load(t), shed, lambda t: 0.12 if load(t) < 2 else 4.4, routes=(p["route"],))
    b.counter(svc, "requests_by_customer", "requests by customer account", {"customer": p["customer"]},
              lambda t, i: 0.5 + (base * (load(t) - 1) if load(t) > 2 else 0))
    b.counter(svc, "requests_by_customer", "requests by customer account", {"customer": "others"}, lambda t, i: base)
    b.gauge(svc, "worker_queue_depth", "requests waiting for a worker", {}, lambda t, i: 200 if top <= t < burst_end else (20 if half <= t < half + minutes(3) else 2), 0)
    b.gauge(svc, "workers_busy_ratio", "share of the worker pool busy", {}, lambda t, i: 1.0 if top <= t < burst_end else 0.35, 2)
    b.cpu_mem(svc, cpu=lambda t: 1.9 if top <= t < burst_end else 0.5)
    b.set_alert(svc, "AvailabilitySLOBurn", f"{svc}: 22% of requests shed (503/429), p99 4.4s",
                f"{svc} availability burn rate 20x over 5m; p99 above 2s.", value=0.22, threshold=0.01)
    b.set_truth(svc, f"At {top:%H:%M} the new customer {p['customer']}'s integrations ({p['ua']}), all scheduled at the top of the hour, multiply "
                     f"requests to {p['route']} by ~{p['mult']}x within seconds; the worker queue fills and {svc} sheds 22% of requests for ~9 "
                     "minutes each hour. No change to the service.",
                ["requests_by_customer_total", f"user_agent {p['ua']}", "request queue full", "worker_queue_depth", "burst at :00"],
                [(f"Break the :00 burst down by customer and user agent", "READ"),
                 (f"Apply a per-customer rate limit / ask {p['customer']} to add jitter to their cron", "REVERSIBLE"),
                 (f"Scale {svc} ahead of the hour until the schedule is spread", "REVERSIBLE")],
                [f"{p['other']} deploy 23 minutes earlier", "nightly VACUUM notice", "webhook 410 errors (all hour)", "runtime GC/opcache warnings",
                 "the :30 burst (small, handled)"])
    return {"title": f"{svc}: 503s and slow responses at the top of the hour", "primary": svc,
            "narrative": f"{svc} alert at {b.t0:%H:%M} UTC; partners report timeouts 'around the hour'. No deploy of {svc} today."}
