"""A release runs a schema migration that takes an ACCESS EXCLUSIVE lock on a hot table (index without CONCURRENTLY /
column with a volatile default); every query on the table queues behind it and times out. The suspect is the
migration file; the release also has an unrelated code change."""
from stories import http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "migration-lock",
    "category": "data/schema",
    "severity": "P1",
    "inspired_by": "GitHub 2018/2021 and GoCardless 'zero-downtime Postgres migrations' post-mortems (a migration's lock queueing all traffic); companies invented",
}

VARIANTS = [
    dict(lang="Ruby", svc="subscriptions", team="billing", table="subscriptions", routes=["/subscriptions/{id}", "/subscriptions"],
         path="db/migrate/20260301101500_add_index_on_subscriptions_customer.rb",
         content='''
             class AddIndexOnSubscriptionsCustomer < ActiveRecord::Migration[7.2]
               def change
                 add_index :subscriptions, [:customer_id, :status]
               end
             end
             ''', needle="add_index :subscriptions",
         exc="ActiveRecord::QueryCanceled", msg="PG::QueryCanceled: ERROR:  canceling statement due to statement timeout"),
    dict(lang="Python", svc="inventory-api", team="warehouse", table="stock_levels", routes=["/stock/{sku}", "/stock"],
         path="migrations/versions/0042_stock_levels_reserved.py",
         content='''
             """add reserved column"""
             import sqlalchemy as sa
             from alembic import op

             revision = "0042"
             down_revision = "0041"


             def upgrade():
                 op.add_column("stock_levels", sa.Column("reserved_at", sa.DateTime(), server_default=sa.text("clock_timestamp()"), nullable=False))


             def downgrade():
                 op.drop_column("stock_levels", "reserved_at")
             ''', needle='op.add_column("stock_levels"',
         exc="sqlalchemy.exc.OperationalError", msg="(psycopg.errors.QueryCanceled) canceling statement due to statement timeout"),
    dict(lang="Elixir", svc="chat-history", team="messaging", table="messages", routes=["/api/rooms/:id/messages", "/api/messages"],
         path="priv/repo/migrations/20260301101500_index_messages_room.exs",
         content='''
             defmodule ChatHistory.Repo.Migrations.IndexMessagesRoom do
               use Ecto.Migration

               def change do
                 create index(:messages, [:room_id, :inserted_at])
               end
             end
             ''', needle="create index(:messages",
         exc="Postgrex.Error", msg="ERROR 57014 (query_canceled) canceling statement due to statement timeout"),
]


def build(b, p):
    svc, table = p["svc"], p["table"]
    b.make_repo(svc, {"database": {"statement_timeout_ms": 5000, "pool_size": 20}}, history=6)
    prev = prior_release(b, svc)
    dep_at = b.at(-12)
    core = b.lang.core_path
    ver, (mig,), _, _ = release(b, svc, [(f"db: index/column for {table}", {p["path"]: p["content"]}, None)], dep_at,
                                decoys=[("docs: API examples", {"docs/api.md": f"# {svc} API\n\nGET {p['routes'][0]}\n"}, None)])
    line = b.repo.line_of(p["path"], p["needle"])
    onset = dep_at + minutes(1)
    mig_end = b.at(+6)
    share = lambda t: 0.85 if onset <= t < mig_end else 0.0  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} failed after 5000ms", logger="db", trace=op_error(b, "load", p["exc"], p["msg"]), status=500)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.2)
    sl.info(dep_at, f"running migrations for {ver}", logger="migrate")
    sl.info(mig_end, f"migration {p['path'].rsplit('/', 1)[1]} finished in {int((mig_end - onset).total_seconds())}s", logger="migrate")
    b.noise(sl, b.start, b.end, 520, "WARN", "N+1 query detected on customer include", logger="db")
    db = b.svc(svc + "-db", style="plain")
    mpid = b.rng.randint(20000, 30000)
    def pg(t, rng):
        ts = f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC"
        if onset <= t < mig_end:
            pid = rng.randint(30000, 40000)
            db.log.add(t, f"{ts} [{pid}] LOG:  process {pid} still waiting for AccessShareLock on relation 16{rng.randint(100, 999)} of database 16384 after 1000.{rng.randint(100, 999)} ms")
            db.log.add(t, f"{ts} [{pid}] DETAIL:  Process holding the lock: {mpid}. Wait queue: {pid}.")
            db.log.add(t, f"{ts} [{pid}] ERROR:  canceling statement due to statement timeout")
        else:
            db.log.add(t, f"{ts} [{rng.randint(100, 9999)}] LOG:  checkpoint complete: wrote {rng.randint(10, 900)} buffers ({rng.random():.1f}%)")
    db.stream(b.start, b.end, 0.06, pg)
    db.log.add(onset, f"{onset:%Y-%m-%d %H:%M:%S}.050 UTC [{mpid}] LOG:  statement: {'CREATE INDEX' if 'index' in p['needle'] else 'ALTER TABLE'} ... ON {table} (migration {ver})")
    b.http_metrics(svc, lambda t: 7.0, share, lambda t: 5.0 if share(t) else 0.07)
    lk = b.gauge(svc + "-db", "pg_locks_waiting", "backends waiting for a lock", {"relation": table}, lambda t, i: 40 if share(t) else 0, 0)
    b.gauge(svc + "-db", "pg_stat_activity_max_tx_duration_seconds", "oldest transaction", {}, lambda t, i: (t - onset).total_seconds() if share(t) else 0.3, 1)
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc}: 85% of requests time out", f"{svc} 5xx ratio 0.85; p99 5s.", value=0.85, threshold=0.05)
    b.set_truth(svc, f"{ver}'s migration {p['path']} takes an ACCESS EXCLUSIVE lock on the hot {table} table while it rewrites/indexes it; "
                     "every query on the table waits behind it and hits the 5 s statement timeout.",
                ["canceling statement due to statement timeout", "still waiting for AccessShareLock", lk, f"{p['path']}:{line}"],
                [("Find the lock holder in pg_stat_activity / pg_locks", "READ"),
                 ("Cancel the migration backend (pg_cancel_backend) and roll back the release", "REVERSIBLE"),
                 ("Rewrite the migration to build the index CONCURRENTLY / add the column without a volatile default", "REVERSIBLE")],
                ["N+1 query warnings", "the docs commit in the same release", "checkpoint logs"],
                suspect=(mig, p["path"], line))
    return {"title": f"{svc}: requests time out after {ver}", "primary": svc,
            "narrative": f"{svc} requests hang for 5 s and fail since {onset:%H:%M} UTC; {ver} deployed at {dep_at:%H:%M}."}
