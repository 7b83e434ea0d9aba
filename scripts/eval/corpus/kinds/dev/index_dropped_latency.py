"""A release ships a migration that drops an index its author believed redundant. The service's most frequent query
loses its index plan: sequential scans, database CPU and the service's p99 latency climb minutes after the migration
ran, with almost no errors (a trickle of statement timeouts). The evidence is in the database's slow-query log, the
scan counters and the migration in the release, not in new exception types; the same release also touches the
request handler (a decoy the timeouts' stack frames point at)."""
from framework import h
from stories import minutes, op_error, prior_release, release, step

KIND = {
    "name": "index-dropped-latency",
    "category": "data/schema",
    "severity": "P2",
    "inspired_by": "https://www.darshanturakhia.com/blog/ai-dropped-wrong-index-migration-query-spike (a cleanup migration "
                   "dropped the index of the most-used query: 3 ms to 45 s, no change in the handler) and "
                   "https://itrisklimited.com/insights/migration-cloud-mistakes.html (tables served without their indexes "
                   "after a migration); companies invented",
}

MIGRATIONS = {
    "Ruby": dict(
        path="db/migrate/20260302101500_remove_redundant_order_indexes.rb",
        create=("db/migrate/20250611090000_create_orders.rb", '''
            class CreateOrders < ActiveRecord::Migration[7.2]
              def change
                create_table :orders do |t|
                  t.bigint :customer_id, null: false
                  t.string :legacy_ref
                  t.timestamps
                end
                add_index :orders, [:customer_id, :created_at], name: "index_orders_on_customer_id_and_created_at"
                add_index :orders, :legacy_ref, name: "index_orders_on_legacy_ref"
              end
            end
            '''),
        body='''
            class RemoveRedundantOrderIndexes < ActiveRecord::Migration[7.2]
              # index audit: both reported as rarely used on the replica
              def change
                remove_index :orders, name: "index_orders_on_customer_id_and_created_at"
                remove_index :orders, name: "index_orders_on_legacy_ref"
              end
            end
            ''',
        needle='remove_index :orders, name: "index_orders_on_customer_id_and_created_at"',
        ran=["== 20260302101500 RemoveRedundantOrderIndexes: migrating ==================",
             '-- remove_index(:orders, {:name=>"index_orders_on_customer_id_and_created_at"})', "   -> 0.0184s",
             '-- remove_index(:orders, {:name=>"index_orders_on_legacy_ref"})', "   -> 0.0061s",
             "== 20260302101500 RemoveRedundantOrderIndexes: migrated (0.0247s) ========="],
        sql='DROP INDEX "index_orders_on_customer_id_and_created_at"',
        exc="ActiveRecord::QueryCanceled", msg="PG::QueryCanceled: ERROR:  canceling statement due to statement timeout",
        decoy=("row.to_h", 'row.to_h.merge("courier" => row["courier_name"])')),
    "Elixir": dict(
        path="priv/repo/migrations/20260211093000_drop_unused_ticket_indexes.exs",
        create=("priv/repo/migrations/20250520120000_create_tickets.exs", '''
            defmodule TicketInbox.Repo.Migrations.CreateTickets do
              use Ecto.Migration

              def change do
                create table(:tickets) do
                  add :assignee_id, :bigint, null: false
                  add :status, :string
                  add :legacy_queue, :string
                  timestamps()
                end

                create index(:tickets, [:assignee_id, :status])
                create index(:tickets, [:legacy_queue])
              end
            end
            '''),
        body='''
            defmodule TicketInbox.Repo.Migrations.DropUnusedTicketIndexes do
              use Ecto.Migration

              # index audit: both reported as rarely used on the replica
              def change do
                drop_if_exists index(:tickets, [:assignee_id, :status])
                drop_if_exists index(:tickets, [:legacy_queue])
              end
            end
            ''',
        needle="drop_if_exists index(:tickets, [:assignee_id, :status])",
        ran=["== Running 20260211093000 TicketInbox.Repo.Migrations.DropUnusedTicketIndexes.change/0 forward",
             "drop index if exists tickets_assignee_id_status_index", "drop index if exists tickets_legacy_queue_index",
             "== Migrated 20260211093000 in 0.0s"],
        sql='DROP INDEX IF EXISTS "tickets_assignee_id_status_index"',
        exc="Postgrex.Error", msg="ERROR 57014 (query_canceled) canceling statement due to statement timeout",
        decoy=("Map.from_struct(row)", "row |> Map.from_struct() |> Map.put(:sla_badge, row.priority == \"high\")")),
    "PHP": dict(
        path="migrations/Version20260318120000.php",
        create=("migrations/Version20250402080000.php", r'''
            <?php

            declare(strict_types=1);

            namespace DoctrineMigrations;

            use Doctrine\DBAL\Schema\Schema;
            use Doctrine\Migrations\AbstractMigration;

            final class Version20250402080000 extends AbstractMigration
            {
                public function up(Schema $schema): void
                {
                    $this->addSql('CREATE TABLE invoice (id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL, issued_at TIMESTAMPTZ NOT NULL, legacy_number TEXT)');
                    $this->addSql('CREATE INDEX idx_invoice_account_issued ON invoice (account_id, issued_at)');
                    $this->addSql('CREATE INDEX idx_invoice_legacy_number ON invoice (legacy_number)');
                }
            }
            '''),
        body=r'''
            <?php

            declare(strict_types=1);

            namespace DoctrineMigrations;

            use Doctrine\DBAL\Schema\Schema;
            use Doctrine\Migrations\AbstractMigration;

            final class Version20260318120000 extends AbstractMigration
            {
                public function getDescription(): string
                {
                    return 'Drop indexes reported unused by the index audit';
                }

                public function up(Schema $schema): void
                {
                    $this->addSql('DROP INDEX IF EXISTS idx_invoice_account_issued');
                    $this->addSql('DROP INDEX IF EXISTS idx_invoice_legacy_number');
                }
            }
            ''',
        needle="$this->addSql('DROP INDEX IF EXISTS idx_invoice_account_issued');",
        ran=["Migrating up to DoctrineMigrations\\Version20260318120000", "++ migrating DoctrineMigrations\\Version20260318120000",
             "-> DROP INDEX IF EXISTS idx_invoice_account_issued", "-> DROP INDEX IF EXISTS idx_invoice_legacy_number",
             "++ migrated (took 31.2ms, used 18M memory)"],
        sql="DROP INDEX IF EXISTS idx_invoice_account_issued",
        exc="Doctrine\\DBAL\\Exception\\DriverException",
        msg="An exception occurred while executing a query: SQLSTATE[57014]: Query canceled: 7 ERROR:  canceling statement due to statement timeout",
        decoy=("return $row ?: [];", "return $row ? $row + ['pdf_ready' => $row['pdf_path'] !== null] : [];")),
}

VARIANTS = [
    dict(lang="Ruby", svc="order-history", db="orders-db", team="orders", table="orders", col="customer_id",
         routes=["/customers/{id}/orders", "/orders/{id}"], rps=14.0),
    dict(lang="Elixir", svc="ticket-inbox", db="support-db", team="support", table="tickets", col="assignee_id",
         routes=["/api/inbox", "/api/tickets/:id"], rps=9.0),
    dict(lang="PHP", svc="invoice-portal", db="billing-db", team="billing", table="invoice", col="account_id",
         routes=["/account/invoices", "/invoice/{id}/pdf"], rps=6.0),
]


def build(b, p):
    svc, m = p["svc"], MIGRATIONS[p["lang"]]
    b.make_repo(svc, {"database": {"pool": 20, "statement_timeout_ms": 8000}, "cache": {"ttl_s": 60}},
                {m["create"][0]: m["create"][1]}, history=7)
    prev = prior_release(b, svc, days_ago=5)
    dep_at = b.at(-14)
    core = b.lang.core_path
    ver, (mig,), _, _ = release(b, svc, [("db: drop indexes the audit reported as unused", {m["path"]: m["body"]}, None)], dep_at,
                                decoys=[("list: show one more field per row", None, [(core, m["decoy"][0], m["decoy"][1])])])
    line = b.repo.line_of(m["path"], m["needle"])
    onset = dep_at + minutes(1)
    sl = b.svc(svc)
    for k, text in enumerate(m["ran"]):
        sl.info(dep_at + minutes(0.5) + minutes(k * 0.01), text, logger="migrate")
    sl.info(dep_at + minutes(0.7), f"{svc} {ver} booted", logger="main")
    main = p["routes"][0]
    trace = op_error(b, "load", m["exc"], m["msg"])

    def req(t, rng):
        route = p["routes"][0] if rng.random() < 0.75 else p["routes"][1]
        slow = t >= onset and route == main
        if slow and rng.random() < 0.05:
            sl.error(t, f"GET {route} 500", logger="http", trace=trace, status=500, duration_ms=8000)
            return
        ms = rng.randint(1800, 7900) if slow else rng.randint(4, 60)
        lvl = "WARN" if ms > 1000 else "INFO"
        sl.line(t, lvl, f"GET {route} 200", logger="access", status=200, duration_ms=ms, request_id=h(str(t), 12))
    sl.stream(b.start, b.end, 0.2, req)
    b.noise(sl, b.start, b.end, 500, "WARN", "feature flag client: refresh took 1.2s", logger="flags")
    sl.stream(onset + minutes(3), b.end, 0.03, lambda t, rng: sl.warn(t, f"db pool: waited {rng.randint(200, 2500)}ms for a connection (20/20 busy)", logger="db"))
    # the database's own log (log_min_duration_statement = 500ms)
    pg = b.svc(p["db"], style="plain")
    tbl, col = p["table"], p["col"]

    def slow_q(t, rng):
        pg.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{rng.randint(20000, 60000)}] LOG:  duration: "
                      f"{rng.uniform(1500, 7900):.3f} ms  execute <unnamed>: SELECT * FROM {tbl} WHERE {col} = $1 ORDER BY created_at DESC LIMIT 50")
    pg.stream(onset, b.end, 0.12, slow_q)
    pg.stream(b.start, b.end, 0.02, lambda t, rng: pg.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{rng.randint(20000, 60000)}] LOG:  automatic vacuum of table \"app.public.audit_events\": index scans: 1"))
    pg.every(b.start, b.end, 300, lambda t, rng: pg.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [61] LOG:  checkpoint complete: wrote {rng.randint(900, 4000)} buffers"))
    pg.stream(b.start, b.end, 0.008, lambda t, rng: pg.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{rng.randint(20000, 60000)}] LOG:  duration: {rng.uniform(600, 1400):.3f} ms  statement: SELECT count(*) FROM audit_events WHERE created_at > now() - interval '1 day'"))
    pg.log.add(dep_at + minutes(0.5), f"{dep_at + minutes(0.5):%Y-%m-%d %H:%M:%S}.412 UTC [48121] LOG:  statement: {m['sql']}")
    b.http_metrics(svc, lambda t: p["rps"] * (0.9 if t > b.at(-30) else 1.0), lambda t: step(t, onset, 0.001, 0.035),
                   lambda t: step(t, onset, 0.09, 6.8), routes=tuple(p["routes"]))
    b.metrics.counter("pg_stat_user_tables_seq_scan", "sequential scans started on the table", {"relname": tbl, "datname": "app"},
                      lambda t, i: step(t, onset, 0.02, p["rps"] * 0.7))
    b.metrics.counter("pg_stat_user_tables_idx_scan", "index scans on the table", {"relname": tbl, "datname": "app"},
                      lambda t, i: step(t, onset, p["rps"] * 0.7, 0.3))
    b.metrics.gauge("pg_stat_activity_count", "connections by state", {"state": "active", "datname": "app"},
                    lambda t, i: step(t, onset, 4, 58) * (0.9 + 0.2 * b.rng.random()), 0)
    b.metrics.gauge("node_cpu_utilisation_ratio", "database host CPU", {"instance": f"{p['db']}-1"},
                    lambda t, i: step(t, onset, 0.22, 0.93) * (0.95 + 0.1 * b.rng.random()), 3)
    b.cpu_mem(svc)
    b.set_alert(svc, "LatencyHigh", f"{svc} p99 latency above 2s", f"{svc} p99 {main} 6.8s over 5m (SLO 500ms); error ratio 3.5%.",
                value=6.8, threshold=2, severity="warning")
    b.set_truth(svc, f"{ver} ran a migration that dropped the index on {tbl}({col}, ...) used by {svc}'s most frequent query; the query "
                     f"now scans the whole table (seq scans, database CPU ~93%), so {main} takes 2-8 s and some requests hit the statement timeout.",
                ["duration: ", "pg_stat_user_tables_seq_scan", f"{m['path']}:{line}", "statement timeout"],
                [(f"EXPLAIN the {tbl} by {col} query and compare seq_scan/idx_scan before and after {ver}", "READ"),
                 (f"Recreate the index CONCURRENTLY on {tbl}({col}, ...)", "REVERSIBLE"),
                 (f"Revert the migration in the next release (and keep the index audit from dropping it again)", "REVERSIBLE")],
                ["the list-field code commit in the same release (the timeouts' frames point at the handler)", "feature flag refresh warnings",
                 "database pool waits (a symptom)", "traffic slightly lower than usual"],
                suspect=(mig, m["path"], line))
    return {"title": f"{svc}: p99 latency up after {ver}", "primary": svc,
            "narrative": f"{svc} is slow since about {onset:%H:%M} UTC; {ver} went out at {dep_at:%H:%M}. Error rate is low."}
