"""A 30-second blip (the service's database fails over) makes its callers' requests fail; the callers retry at once, up to
five times, without backoff or a retry budget. When the blip is over, the service receives five to six times its normal
request rate, saturates (queue full, 503) and keeps failing, which keeps the retries coming: a sustained, self-inflicted
traffic spike while real user traffic at the edge stays flat. A caller's deploy earlier in the hour is a decoy; the
short database failover is over long before the alert."""
from stories import minutes, op_error, prior_release

KIND = {
    "name": "retry-storm-after-blip",
    "category": "traffic-spike",
    "severity": "P1",
    "inspired_by": "https://aws.amazon.com/message/12721/ (AWS us-east-1 2021-12-07: a surge of connection activity and retries from "
                   "clients whose back-off did not work kept the network congested) and "
                   "https://www.storecode.pro/logs/incident-report-retry-storm (a brief upstream degradation amplified by aggressive "
                   "retries without backoff or jitter); companies invented",
}

VARIANTS = [
    dict(lang="Python", svc="session-api", db="sessions-pg", callers=["web-bff", "mobile-bff", "checkout-api"], team="identity",
         routes=["/v1/sessions/{id}", "/v1/sessions/{id}/refresh"], base_rps=40, factor=5.6,
         exc="psycopg.OperationalError", dbmsg="consuming input failed: server closed the connection unexpectedly"),
    dict(lang="C#", svc="inventory-api", db="inventory-sql", callers=["storefront-bff", "cart-service", "pricing-worker"], team="catalog",
         routes=["/api/stock/{sku}", "/api/stock/reserve"], base_rps=55, factor=6.2,
         exc="Npgsql.NpgsqlException", dbmsg="Exception while reading from stream ---> System.IO.EndOfStreamException"),
    dict(lang="PHP", svc="profile-service", db="profiles-mysql", callers=["web-gateway", "recs-worker", "notifications-api"], team="accounts",
         routes=["/profiles/{id}", "/profiles/{id}/preferences"], base_rps=35, factor=5.1,
         exc="Doctrine\\DBAL\\Exception\\ConnectionLost", dbmsg="SQLSTATE[HY000]: General error: 2006 MySQL server has gone away"),
]


def build(b, p):
    svc, callers = p["svc"], p["callers"]
    b.make_repo(svc, {"server": {"port": 8080, "max_queue": 512, "workers": 16}, "database": {"host": p["db"], "pool_size": 20}}, history=8)
    prior_release(b, svc, days_ago=11)
    blip, blip_end = b.at(-17), b.at(-16.5)
    onset = blip_end
    b.deploy(callers[2], "2026.12." + str(b.rng.randint(2, 9)), None, b.at(-41), status="succeeded")
    b.deploy(p["db"], "maintenance: automatic failover to standby (completed in 31s)", None, blip, kind="infra", status="succeeded")
    sl = b.svc(svc)
    trace = op_error(b, "load", p["exc"], p["dbmsg"])
    load = lambda t: 1.0 if t < onset else p["factor"]  # noqa: E731

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        caller = callers[rng.randrange(len(callers))]
        if blip <= t < blip_end:
            sl.error(t, f"GET {route} 500: database unavailable", logger="db", trace=trace if rng.random() < 0.5 else None, status=500, client=caller)
            return
        if t >= onset and rng.random() < 0.55:
            sl.warn(t, f"GET {route} 503: server overloaded, request queue full (512/512)", logger="http", status=503, client=caller,
                    retry_attempt=rng.randint(1, 5))
            return
        attempt = rng.randint(1, 5) if t >= onset else 0
        sl.info(t, f"GET {route} 200", logger="access", status=200, client=caller, retry_attempt=attempt,
                duration_ms=rng.randint(900, 2900) if t >= onset else rng.randint(4, 40))
    sl.stream(b.start, b.end, lambda t: 0.13 * load(t), req)
    sl.error(blip + minutes(0.02), f"connection pool: lost all connections to {p['db']} (failover in progress)", logger="db")
    sl.info(blip_end, f"connection pool: reconnected to {p['db']} (new primary)", logger="db")
    b.noise(sl, b.start, b.end, 520, "WARN", "slow query: SELECT ... FROM audit_log took 740ms", logger="db")
    b.noise(sl, b.start, b.end, 1500, "ERROR", "failed to send span batch: exporter queue full", logger="tracing")
    edge = b.svc(callers[0])

    def ereq(t, rng):
        route = f"/app/{p['routes'][0].split('/')[1]}"
        if t >= blip and rng.random() < (0.45 if t >= onset else 0.9):
            n = rng.randint(1, 5)
            edge.warn(t, f"call to {svc} failed ({503 if t >= onset else 500}), retry {n}/5 in 0ms", logger="client", upstream=svc, attempt=n)
            if n == 5:
                edge.error(t, f"{route} 502: {svc} unavailable after 5 attempts", logger="http", status=502)
            return
        edge.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(20, 120))
    edge.stream(b.start, b.end, 0.16, ereq)
    b.noise(edge, b.start, b.end, 800, "WARN", "deprecated cookie format from old app version", logger="http")
    rps = p["base_rps"]
    n = b.names(svc)
    base = n.svc_labels(svc)
    for c in callers:
        b.metrics.counter(n.requests(), "HTTP requests served", {**base, "client": c, n.status_label(): "200"},
                          lambda t, i: rps / 3 * (load(t) * 0.45 if t >= onset else (0.02 if t >= blip else 1.0)))
        b.metrics.counter(n.requests(), "HTTP requests served", {**base, "client": c, n.status_label(): "503"},
                          lambda t, i: rps / 3 * load(t) * 0.55 if t >= onset else 0.0)
        b.metrics.counter(n.requests(), "HTTP requests served", {**base, "client": c, n.status_label(): "500"},
                          lambda t, i: rps / 3 * 3 if blip <= t < blip_end else 0.0)
    b.metrics.gauge(n.p99(), "p99 request latency", base, lambda t, i: (0.035 if t < onset else 2.7) * n.p99_scale() * (0.9 + 0.2 * b.rng.random()), 4)
    b.gauge(svc, "http_server_queue_depth", "requests waiting for a worker", {}, lambda t, i: 3 if t < blip else (512 if t >= onset else 60), 0)
    b.gauge(svc, "http_server_queue_capacity", "request queue capacity", {}, lambda t, i: 512, 0)
    for c in callers:
        b.counter(c, "client_retries", f"retried calls to {svc}", {"upstream": svc}, lambda t, i: 0.0 if t < blip else rps / 3 * (p["factor"] - 1))
    b.http_metrics(callers[0], lambda t: rps * 0.6, lambda t: 0.0 if t < blip else 0.12, lambda t: 0.09 if t < blip else 3.1)
    b.gauge(p["db"], "pg_up" if "pg" in p["db"] or "sql" in p["db"] else "mysql_up", "database reachable", {}, lambda t, i: 0 if blip <= t < blip_end else 1, 0)
    b.cpu_mem(svc, cpu=lambda t: 0.3 if t < onset else 0.97)
    b.set_alert(svc, "HighRequestRateAndErrors", f"{svc}: 55% of requests answered 503, request rate x{p['factor']}",
                f"{svc} is receiving {int(rps * p['factor'])} req/s (normal ~{rps}) and shedding with 503 since {onset:%H:%M} UTC.",
                value=0.55, threshold=0.05)
    b.set_truth(svc, f"A 30-second failover of {p['db']} at {blip:%H:%M} made {svc}'s requests fail; its callers ({', '.join(callers)}) retry "
                     f"immediately up to 5 times without backoff or budget, so after the failover {svc} receives ~{p['factor']}x its normal load, "
                     "saturates and sheds 503s, which keeps the retries coming; user traffic at the edge is flat.",
                [n.requests() + "_total by client (x" + str(p["factor"]) + ")", "retry_attempt", "retry 5/5 in 0ms", "request queue full (512/512)",
                 "client_retries_total", f"{p['db']} back at {blip_end:%H:%M}"],
                [(f"Compare {svc}'s inbound rate by client with the edge request rate; confirm the excess is retries", "READ"),
                 (f"Shed or rate-limit retried requests at {svc} (or temporarily disable retries in the callers) so it can drain", "REVERSIBLE"),
                 ("Give the callers exponential backoff with jitter and a retry budget", "REVERSIBLE"),
                 (f"Scale out {svc} while the storm drains", "REVERSIBLE")],
                [f"{p['db']} failover (over within 31 s, long before the alert)", f"{callers[2]} deploy 41 minutes earlier",
                 "slow audit_log query warnings", "span exporter errors", "deprecated cookie warnings at the edge"])
    return {"title": f"{svc}: 503s under high request rate", "primary": svc,
            "narrative": f"{svc} sheds 503s since about {onset:%H:%M} UTC and its request rate is far above normal; no marketing event is running."}
