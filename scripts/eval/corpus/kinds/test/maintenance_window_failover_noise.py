"""The managed database's announced maintenance window applies a minor version upgrade with a Multi-AZ failover: for
about 40 seconds the service's connections are reset, its driver reconnects and the retried queries succeed. A
connection-error alert counting log errors crosses its threshold and fires after the failover is already over; success
rate, latency and throughput are back to normal within a minute. It must not page. The service's own deploy earlier in
the hour and the burst of database exceptions are red herrings."""
from stories import minutes, op_error, prior_release, release

KIND = {
    "name": "maintenance-window-failover-noise",
    "category": "noisy-false-alarm",
    "severity": "P3",
    "inspired_by": "https://repost.aws/knowledge-center/rds-dropped-db-connection (connections drop during the RDS maintenance window: "
                   "minor version upgrades and Multi-AZ failovers of about 60 s) and "
                   "https://knowledge.broadcom.com/external/article/401966/alert-was-fired-despite-they-were-in-mai.html "
                   "(an alert fired during a maintenance window whose scope did not match it); companies invented",
}

VARIANTS = [
    dict(lang="Elixir", svc="loyalty-ledger", db="loyalty-pg-prod", team="loyalty", routes=["/api/points/{member}", "/api/points/earn"],
         engine=("PostgreSQL", "15.7", "15.8"), exc="DBConnection.ConnectionError", msg="tcp recv (idle): closed"),
    dict(lang="Rust", svc="fleet-telemetry", db="telemetry-pg-main", team="fleet", routes=["/v1/vehicles/{id}/position", "/v1/vehicles/{id}/trips"],
         engine=("PostgreSQL", "16.3", "16.4"), exc="error communicating with database", msg="Connection reset by peer (os error 104)"),
    dict(lang="Scala", svc="catalog-search-api", db="catalog-aurora-1", team="catalog", routes=["/search", "/search/facets"],
         engine=("Aurora MySQL", "3.05.2", "3.06.0"), exc="java.sql.SQLTransientConnectionException",
         msg="HikariPool-1 - Connection is not available, request timed out after 5000ms."),
]


def build(b, p):
    svc, db = p["svc"], p["db"]
    eng, v_old, v_new = p["engine"]
    b.make_repo(svc, {"database": {"host": f"{db}.internal", "pool_size": 15, "connect_timeout_ms": 5000}, "server": {"port": 8080}}, history=7)
    prior_release(b, svc, days_ago=7)
    dep_at = b.at(-38)
    ver, _, _, _ = release(b, svc, [("search: boost exact matches", {"docs/ranking.md": "# Ranking\n\nExact matches first.\n"}, None)], dep_at,
                           decoys=[("ci: pin runner image", {".github/workflows/ci.yml": b.repo.state[".github/workflows/ci.yml"] + "      - run: echo pinned\n"}, None)])
    mw_start = b.at(-9)
    fo, fo_end = b.at(-3.2), b.at(-2.5)
    b.deploy(db, f"maintenance window: {eng} {v_old} -> {v_new} (Multi-AZ failover)", None, mw_start, kind="maintenance", status="succeeded")
    sl = b.svc(svc)
    # sqlx returns the error as a value (no panic, no trace); the JVM and BEAM drivers log a stack
    trace = None if p["lang"] == "Rust" else op_error(b, "load", p["exc"], p["msg"])
    port = 3306 if "MySQL" in eng else 5432

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        if fo <= t < fo_end:
            sl.error(t, f"query failed, connection lost: {p['exc']}: {p['msg']}", logger="db", trace=trace if rng.random() < 0.5 else None)
            if rng.random() < 0.15:
                sl.warn(t, f"GET {route} 503 (retry budget exhausted)", logger="http", status=503)
            else:
                sl.info(t, f"GET {route} 200 after 1 retry", logger="access", status=200, duration_ms=rng.randint(800, 2600))
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(8, 70))
    sl.stream(b.start, b.end, 0.2, req)
    sl.stream(fo, fo_end, 1.2, lambda t, rng: sl.error(t, f"connection to {db}.internal:{port} reset; reconnecting (attempt {rng.randint(1, 3)}/5)",
                                                       logger="db_pool"))
    sl.info(fo_end, f"pool reconnected to {db}.internal ({eng} {v_new})", logger="db_pool")
    sl.info(dep_at + minutes(0.4), f"{svc} {ver} started", logger="main")
    b.noise(sl, b.start, b.end, 400, "WARN", "slow query (620ms) on report endpoint", logger="db")
    b.noise(sl, b.start, b.end, 1300, "ERROR", "failed to flush metrics: connection refused (statsd)", logger="metrics")
    n = b.names(svc)
    fail = lambda t: 0.15 if fo <= t < fo_end else 0.0  # noqa: E731
    b.http_metrics(svc, lambda t: 6.0, fail, lambda t: 1.9 if fo <= t < fo_end + minutes(0.5) else 0.07, routes=tuple(p["routes"]))
    errs = b.counter(svc, "db_connection_errors", "database connection errors", {"db": db}, lambda t, i: 4.0 if fo <= t < fo_end else 0.0)
    b.gauge(svc, "db_pool_connections_active", "connections in use", {"db": db}, lambda t, i: 0 if fo <= t < fo_end else 6, 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "DatabaseConnectionErrors", f"{svc}: database connection errors above 20 in 5m",
                f"{svc} logged {int(4 * 42)} database connection errors to {db} in the last 5 minutes.",
                severity="warning", labels={"db_instance": db}, metric=errs, value=168, threshold=20)
    b.set_truth(svc, f"{db}'s scheduled maintenance window applied {eng} {v_old} -> {v_new} with a Multi-AZ failover; {svc}'s connections were reset "
                     f"for ~40 s ({fo:%H:%M}), the pool reconnected and retried queries succeeded. The alert fired after it was over; error rate, "
                     "latency and throughput are back to normal: nothing for a human to do now.",
                [f"maintenance window: {eng} {v_old} -> {v_new}", f"pool reconnected to {db}.internal", errs, "5xx back to 0 within a minute"],
                [("Confirm the errors match the maintenance window and have stopped", "READ"),
                 ("Silence this alert during announced maintenance windows, or alert on the user-facing error rate instead", "REVERSIBLE")],
                [f"{svc} release {ver} 38 minutes earlier", f"{p['exc']} stack traces during the failover", "slow report query warnings",
                 "statsd flush errors"], page=False)
    return {"title": f"{svc}: database connection errors", "primary": svc,
            "narrative": f"Alert at {b.t0:%H:%M} UTC: {svc} database connection errors. No user reports."}
