"""A release ships a data backfill written as one big UPDATE in a single transaction; it holds row locks on a hot
table for many minutes, so writes to those rows wait and fail with lock-wait timeouts / deadlocks while reads work.
The suspect is the backfill migration; a code commit rides along."""
from stories import http_failures, minutes, op_error, prior_release, release

KIND = {
    "name": "backfill-lock-waits",
    "category": "data/schema",
    "severity": "P2",
    "inspired_by": "GitHub availability reports (2021-2022) on long-running data migrations holding locks, and Heroku/Basecamp "
                   "write-ups of a backfill blocking writes; companies invented",
}

VARIANTS = [
    dict(lang="Go", svc="wallet-service", table="balances", team="payments", routes=["/v1/balances/{id}", "/v1/transfers"],
         path="migrations/0088_backfill_balances_currency.up.sql",
         content="BEGIN;\nUPDATE balances SET currency = accounts.currency FROM accounts WHERE accounts.id = balances.account_id;\nCOMMIT;\n",
         needle="UPDATE balances SET currency", exc="*pgconn.PgError",
         msg="ERROR: canceling statement due to lock timeout (SQLSTATE 55P03)", style="logfmt", conv="otel"),
    dict(lang="Python", svc="booking-ledger", table="reservations", team="travel", routes=["/reservations/{id}", "/reservations"],
         path="migrations/versions/0091_backfill_reservation_region.py",
         content='"""backfill region"""\nfrom alembic import op\n\nrevision = "0091"\ndown_revision = "0090"\n\n\ndef upgrade():\n    op.execute("UPDATE reservations SET region = hotels.region FROM hotels WHERE hotels.id = reservations.hotel_id")\n',
         needle='op.execute("UPDATE reservations', exc="sqlalchemy.exc.OperationalError",
         msg="(pymysql.err.OperationalError) (1205, 'Lock wait timeout exceeded; try restarting transaction')", style="json", conv="prom"),
    dict(lang="Java", svc="loyalty-points", table="point_accounts", team="crm", routes=["/points/{id}", "/points/earn"],
         path="src/main/resources/db/migration/V57__backfill_point_tier.sql",
         content="UPDATE point_accounts SET tier = 'SILVER' WHERE tier IS NULL;\n",
         needle="UPDATE point_accounts SET tier", exc="org.springframework.dao.CannotAcquireLockException",
         msg="could not execute statement; SQL [n/a]; nested exception is org.hibernate.exception.LockAcquisitionException: ERROR: deadlock detected",
         style="plain", conv="statsd"),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"database": {"pool_size": 30, "lock_timeout_ms": 3000}}, history=6)
    prior_release(b, svc)
    dep_at = b.at(-21)
    ver, (mig,), _, _ = release(b, svc, [(f"db: backfill {p['table']}", {p["path"]: p["content"]}, None)], dep_at,
                                decoys=[("feat: expose tier in API docs", {"docs/api.md": "# API\n\ntier is now returned\n"}, None)])
    line = b.repo.line_of(p["path"], p["needle"])
    onset = dep_at + minutes(2)
    writes = [r for r in p["routes"] if "{id}" not in r]
    share = lambda t: 0.3 if t >= onset else 0.0  # noqa: E731 (a third of the writes, the reads work)

    def fail(sl, t, rng, route):
        sl.error(t, f"POST {route} failed after 3000ms", logger="db", trace=op_error(b, "load", p["exc"], p["msg"]), status=500)
    sl = http_failures(b, svc, p["routes"], onset, lambda t: share(t) if True else 0, lambda sl, t, rng, r: fail(sl, t, rng, writes[0]), rate=0.22)
    sl.info(dep_at, f"applying migration {p['path'].rsplit('/', 1)[1]}", logger="migrate")
    b.noise(sl, b.start, b.end, 600, "WARN", "connection pool at 70% (30)", logger="db")
    lw = b.gauge(svc + "-db", "db_lock_waits", "sessions waiting on a row lock", {"table": p["table"]}, lambda t, i: 25 if t >= onset else 0, 0)
    b.http_metrics(svc, lambda t: 9.0, lambda t: share(t) * 0.5, lambda t: 3.0 if t >= onset else 0.09)
    b.cpu_mem(svc)
    b.set_alert(svc, "HighLatency", f"{svc}: p99 above 2s", f"{svc} p99 latency 3s; some writes fail.", value=3.0, threshold=2.0)
    b.set_truth(svc, f"{ver}'s backfill {p['path']} updates the whole {p['table']} table in one transaction and holds its row locks; "
                     "writes to those rows wait and time out (lock timeout / deadlock) while reads keep working.",
                [p["msg"][:50], lw, f"{p['path']}:{line}"],
                [("Find the backfill's backend and its runtime in the database activity view", "READ"),
                 ("Cancel the backfill transaction", "REVERSIBLE"),
                 ("Rewrite the backfill in small batches outside the deploy", "REVERSIBLE")],
                ["connection pool warnings (all hour)", "the docs commit of the same release"],
                suspect=(mig, p["path"], line))
    return {"title": f"{svc}: writes slow and failing after {ver}", "primary": svc,
            "narrative": f"{svc} writes time out since {onset:%H:%M} UTC; {ver} deployed at {dep_at:%H:%M}."}
