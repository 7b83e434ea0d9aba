"""A release ships a data migration that rewrites a large table; the write volume makes the read replicas fall minutes
behind, so reads routed to them miss rows just written ("not found" right after create) and the read-your-writes check
fails. The suspect is the data migration."""
from stories import http_failures, minutes, op_error, prior_release, release

KIND = {
    "name": "replica-lag-stale-reads",
    "category": "data/schema",
    "severity": "P1",
    "inspired_by": "GitHub 2018-10-21 incident analysis (replication lag between sites) and GitLab 2017-01-31 (replication lag after a "
                   "heavy write load); companies invented",
}

VARIANTS = [
    dict(lang="Elixir", svc="order-history", table="orders", team="orders", routes=["/api/orders/:id", "/api/orders"],
         path="priv/repo/migrations/20260301101500_rewrite_order_totals.exs",
         content="defmodule OrderHistory.Repo.Migrations.RewriteOrderTotals do\n  use Ecto.Migration\n\n  def up do\n    execute \"UPDATE orders SET total_cents = subtotal_cents + tax_cents\"\n  end\nend\n",
         needle="execute \"UPDATE orders", exc="Ecto.NoResultsError", msg="expected at least one result but got none in query: from o0 in Order, where: o0.id == ^\"ord_<id>\"",
         lagname="pg_replication_lag_seconds"),
    dict(lang="Kotlin", svc="profile-service", table="profiles", team="identity", routes=["/v1/profiles/{id}", "/v1/profiles"],
         path="src/main/resources/db/migration/V31__normalise_profile_emails.sql",
         content="UPDATE profiles SET email = lower(email);\n",
         needle="UPDATE profiles SET email", exc="org.springframework.dao.EmptyResultDataAccessException",
         msg="Incorrect result size: expected 1, actual 0 (read from replica)", lagname="mysql_slave_status_seconds_behind_master"),
    dict(lang="Python", svc="document-store", table="documents", team="docs", routes=["/documents/{id}", "/documents"],
         path="migrations/versions/0077_rewrite_document_checksums.py",
         content='"""rewrite checksums"""\nfrom alembic import op\n\nrevision = "0077"\ndown_revision = "0076"\n\n\ndef upgrade():\n    op.execute("UPDATE documents SET checksum = md5(body)")\n',
         needle='op.execute("UPDATE documents', exc="sqlalchemy.orm.exc.NoResultFound", msg="No row was found when one was required",
         lagname="replica_lag_seconds"),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"database": {"primary": "db-primary:5432", "replicas": "db-replica-1:5432,db-replica-2:5432"}}, history=6)
    prior_release(b, svc)
    dep_at = b.at(-19)
    ver, (mig,), _, _ = release(b, svc, [(f"db: rewrite {p['table']} in place", {p["path"]: p["content"]}, None)], dep_at,
                                decoys=[("refactor: rename helper", {"docs/dev.md": "# Dev\n\nhelpers renamed\n"}, None)])
    line = b.repo.line_of(p["path"], p["needle"])
    onset = dep_at + minutes(4)
    share = lambda t: 0.3 if t >= onset else 0.0  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"GET {route} right after create returned 404 (replica behind)", logger="repo",
                 trace=op_error(b, "load", p["exc"], p["msg"].replace("<id>", str(rng.randint(1000, 9999)))), status=404)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.22)
    sl.info(dep_at, f"running data migration {p['path'].rsplit('/', 1)[1]}", logger="migrate")
    b.noise(sl, b.start, b.end, 500, "WARN", "slow request 1.1s on list endpoint", logger="http")
    b.gauge(svc, p["lagname"], "replica lag", {"instance": "db-replica-1"}, lambda t, i: 0.4 if t < onset else 0.4 + (t - onset).total_seconds() * 0.6, 1)
    b.http_metrics(svc, lambda t: 8.0, share, lambda t: 0.1)
    b.cpu_mem(svc)
    b.set_alert(svc, "ReadAfterWriteFailures", f"{svc}: 30% of reads fail right after writes", f"{svc} error ratio 0.3; replicas behind.",
                value=0.3, threshold=0.05)
    b.set_truth(svc, f"{ver}'s data migration {p['path']} rewrites the whole {p['table']} table; the replicas fall minutes behind and reads "
                     "routed to them miss rows just written.",
                [p["lagname"], p["msg"][:40], f"{p['path']}:{line}"],
                [("Check replica lag and the migration's progress", "READ"),
                 ("Pause the migration / route reads to the primary", "REVERSIBLE"),
                 ("Rewrite the migration in throttled batches", "REVERSIBLE")],
                ["slow list warnings", "the refactor commit of the same release"],
                suspect=(mig, p["path"], line))
    return {"title": f"{svc}: reads miss fresh rows after {ver}", "primary": svc,
            "narrative": f"{svc} reads fail right after writes since {onset:%H:%M} UTC; {ver} deployed at {dep_at:%H:%M}."}
