"""A release changes how the service generates ids (a Snowflake-style generator): the worker id now comes from an
environment variable that the Deployment never sets, so every pod uses worker 0 and pods that create a row in the same
millisecond produce the same id. A share of inserts fails with unique-constraint violations, seen in the service's log
and in PostgreSQL's own log. The failing frame is the INSERT line (older code); the commit to blame changed the worker
id line of the same file. The same release also has a newer commit touching the request handler (decoy)."""
from stories import minutes, prior_release, release, step

KIND = {
    "name": "duplicate-ids-after-generator-change",
    "category": "bad-deploy-code",
    "severity": "P2",
    "inspired_by": "https://www.besthub.dev/articles/why-our-custom-snowflake-id-collided-and-how-to-build-a-reliable-generator-cd3c29ee8c10 "
                   "(duplicate order ids: every instance shared the same worker id) and https://besthub.dev/tags/workid "
                   "(primary-key duplicates when servers shared a Snowflake workId); companies invented",
}

PY = '''
    """Order ids: 41 bits of milliseconds, 10 bits of worker id, 12 bits of sequence."""
    import os
    import threading
    import time

    EPOCH_MS = 1704067200000
    _lock = threading.Lock()
    _last_ms = 0
    _seq = 0


    def worker_id():
        return int(os.environ.get("POD_ORDINAL", hash(os.uname().nodename) % 1024))


    def next_id():
        global _last_ms, _seq
        with _lock:
            now = int(time.time() * 1000)
            _seq = (_seq + 1) & 0xFFF if now == _last_ms else 0
            _last_ms = now
            return ((now - EPOCH_MS) << 22) | (worker_id() << 12) | _seq


    def create(db, table, row):
        new_id = next_id()
        db.execute(f"INSERT INTO {table} (id, payload) VALUES (%s, %s)", (new_id, row))
        return new_id
    '''
PY_OLD = 'return int(os.environ.get("POD_ORDINAL", hash(os.uname().nodename) % 1024))'
PY_NEW = 'return int(os.environ.get("WORKER_ID", "0"))  # set per replica by the platform'

JAVA = '''
    package PKG.core;

    import org.springframework.jdbc.core.JdbcTemplate;

    /** Shipment ids: 41 bits of milliseconds, 10 bits of worker id, 12 bits of sequence. */
    public final class ShipmentIds {
        private static final long EPOCH_MS = 1704067200000L;
        private final JdbcTemplate jdbc;
        private long lastMs = 0;
        private long seq = 0;

        public ShipmentIds(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        static long workerId() {
            return Math.floorMod(System.getenv().getOrDefault("HOSTNAME", "local").hashCode(), 1024);
        }

        synchronized long nextId() {
            long now = System.currentTimeMillis();
            seq = now == lastMs ? (seq + 1) & 0xFFF : 0;
            lastMs = now;
            return ((now - EPOCH_MS) << 22) | (workerId() << 12) | seq;
        }

        public long create(String payload) {
            long id = nextId();
            jdbc.update("INSERT INTO shipments (id, payload) VALUES (?, ?::jsonb)", id, payload);
            return id;
        }
    }
    '''
JAVA_OLD = 'return Math.floorMod(System.getenv().getOrDefault("HOSTNAME", "local").hashCode(), 1024);'
JAVA_NEW = 'return Long.parseLong(System.getenv().getOrDefault("WORKER_ID", "0")); // set per replica by the platform'

RUST = '''
    //! Event ids: 41 bits of milliseconds, 10 bits of worker id, 12 bits of sequence.
    use std::sync::Mutex;
    use std::time::{SystemTime, UNIX_EPOCH};

    const EPOCH_MS: u64 = 1_704_067_200_000;

    pub struct Ids {
        state: Mutex<(u64, u64)>,
    }

    pub fn worker_id() -> u64 {
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        host.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 1024
    }

    impl Ids {
        pub fn next(&self) -> u64 {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
            let mut s = self.state.lock().unwrap();
            s.1 = if now == s.0 { (s.1 + 1) & 0xFFF } else { 0 };
            s.0 = now;
            ((now - EPOCH_MS) << 22) | (worker_id() << 12) | s.1
        }

        pub async fn create(&self, db: &sqlx::PgPool, payload: &serde_json::Value) -> anyhow::Result<u64> {
            let id = self.next();
            sqlx::query("INSERT INTO ledger_events (id, payload) VALUES ($1, $2)").bind(id as i64).bind(payload).execute(db).await?;
            Ok(id)
        }
    }
    '''
RUST_OLD = 'host.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 1024'
RUST_NEW = 'std::env::var("WORKER_ID").ok().and_then(|v| v.parse().ok()).unwrap_or(0) // set per replica by the platform'

VARIANTS = [
    dict(lang="Python", svc="order-intake", team="orders", table="orders", db="orders-db", share=0.14,
         routes=["/orders", "/orders/{id}"]),
    dict(lang="Java", svc="shipment-service", team="logistics", table="shipments", db="logistics-db", share=0.11,
         routes=["/shipments", "/shipments/{id}/labels"]),
    dict(lang="Rust", svc="ledger-writer", team="finance", table="ledger_events", db="ledger-db", share=0.17,
         routes=["/v1/events", "/v1/events/batch"]),
]


def build(b, p):
    svc, L, tbl = p["svc"], p["lang"], p["table"]
    b.make_repo(svc, {"server": {"port": 8080}, "database": {"pool": 16}}, history=6)
    lg = b.lang
    if L == "Python":
        path, src, old, new, ins = f"{lg.mod}/ids.py", PY, PY_OLD, PY_NEW, "db.execute(f\"INSERT INTO"
    elif L == "Java":
        path = f"{lg.src_root}/{lg.pkg.replace('.', '/')}/core/ShipmentIds.java"
        src, old, new, ins = JAVA.replace("PKG", lg.pkg), JAVA_OLD, JAVA_NEW, "jdbc.update(\"INSERT INTO shipments"
    else:
        path, src, old, new, ins = "src/ids.rs", RUST, RUST_OLD, RUST_NEW, "sqlx::query(\"INSERT INTO ledger_events"
    b.commit("ids: time-ordered ids generated in process", {path: src}, days=4)
    b.commit("docs: id format", {"docs/ids.md": "# Ids\n\n41 bits time, 10 bits worker, 12 bits sequence.\n"})
    prior_release(b, svc, days_ago=5)
    dep_at = b.at(-10)
    core = lg.core_path
    decoy_edit = {"Python": ("return resp.json()", "return resp.json() or {}"),
                  "Java": ("return resp;", "return resp == null ? \"\" : resp;"),
                  "Rust": ("Ok(resp.error_for_status()?.json().await?)", "Ok(resp.error_for_status()?.json().await.unwrap_or_default())")}[L]
    ver, (bad,), (decoy,), _ = release(b, svc, [("ids: take the worker id from the platform instead of hashing the host name", None, [(path, old, new)])],
                                       dep_at, decoys=[("handler: tolerate empty upstream bodies", None, [(core, decoy_edit[0], decoy_edit[1])])])
    line = b.repo.line_of(path, new.split("//")[0].split("  #")[0].strip())
    ins_line = b.repo.line_of(path, ins)
    onset = dep_at + minutes(1)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    sl = b.svc(svc)
    pg = b.svc(p["db"], style="plain")
    fn = {"Python": "create", "Java": "create", "Rust": "create"}[L]

    def dup(t, rng):
        return str(((int(t.timestamp() * 1000) - 1704067200000) << 22) | rng.randint(0, 3))

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        if route.count("/") == 1 or route.endswith("batch") or route.endswith("labels"):
            if rng.random() < share(t):
                key = dup(t, rng)
                if L == "Python":
                    tr = b.trace("psycopg.errors.UniqueViolation", f'duplicate key value violates unique constraint "{tbl}_pkey"\nDETAIL:  Key (id)=({key}) already exists.',
                                 [(path, ins_line, fn)])
                    sl.error(t, f"POST {route} 500", logger="http", trace=tr, status=500)
                elif L == "Java":
                    tr = b.trace("org.springframework.dao.DuplicateKeyException",
                                 f'PreparedStatementCallback; SQL [INSERT INTO shipments (id, payload) VALUES (?, ?::jsonb)]; ERROR: duplicate key value violates unique constraint "{tbl}_pkey"\n  Detail: Key (id)=({key}) already exists.',
                                 [(path, ins_line, fn)])
                    sl.error(t, f"POST {route} 500", logger="http", trace=tr, status=500)
                else:
                    sl.error(t, f"request failed: insert {tbl}: error returned from database: duplicate key value violates unique constraint \"{tbl}_pkey\"",
                             logger="ledger_writer::api", route=route, status=500, key=key)
                tt = t + minutes(0.001)
                pid = rng.randint(20000, 60000)
                pg.log.add(tt, f"{tt:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{pid}] ERROR:  duplicate key value violates unique constraint \"{tbl}_pkey\"")
                pg.log.add(tt, f"{tt:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{pid}] DETAIL:  Key (id)=({key}) already exists.")
                pg.log.add(tt, f"{tt:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{pid}] STATEMENT:  INSERT INTO {tbl} (id, payload) VALUES ($1, $2)")
                return
        sl.info(t, f"{'POST' if route.count('/') == 1 else 'GET'} {route} 200", logger="access", status=200, duration_ms=rng.randint(8, 90))
    sl.stream(b.start, b.end, 0.3, req)
    sl.info(dep_at + minutes(0.3), f"{svc} {ver} started; id worker=0", logger="main")
    b.noise(sl, b.start, b.end, 450, "WARN", "slow consumer on notifications topic (lag 1200)", logger="events")
    pg.every(b.start, b.end, 300, lambda t, rng: pg.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [61] LOG:  checkpoint complete: wrote {rng.randint(900, 4000)} buffers"))
    pg.stream(b.start, b.end, 0.035, lambda t, rng: pg.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{rng.randint(20000, 60000)}] LOG:  duration: {rng.uniform(500, 1500):.3f} ms  statement: SELECT * FROM reports_daily WHERE day = $1"))
    pg.stream(b.start, b.end, 0.004, lambda t, rng: pg.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} UTC [{rng.randint(20000, 60000)}] ERROR:  canceling autovacuum task"))
    b.http_metrics(svc, lambda t: 15.0, lambda t: share(t) * 0.6, lambda t: 0.07, routes=tuple(p["routes"]))
    b.metrics.counter("pg_stat_database_xact_rollback", "rolled-back transactions", {"datname": "app", "server": p["db"]},
                      lambda t, i: 0.05 + 9.0 * share(t))
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc} 5xx ratio above 5%", f"{svc} 5xx ratio {p['share'] * 0.6:.2f} on writes over 5m.",
                value=round(p["share"] * 0.6, 3), threshold=0.05)
    b.set_truth(svc, f"{ver}'s commit 'take the worker id from the platform' reads WORKER_ID, which the Deployment never sets, so every pod "
                     f"uses worker id 0 and pods writing in the same millisecond generate the same id: ~{int(p['share'] * 100)}% of inserts into {tbl} "
                     "fail with duplicate-key violations.",
                [f'duplicate key value violates unique constraint "{tbl}_pkey"', "already exists", f"{path}:{line}", "id worker=0"],
                [(f"Confirm the duplicate keys started with {ver} and that all pods log worker=0", "READ"),
                 (f"Roll {svc} back to the previous release", "REVERSIBLE"),
                 ("Assign a unique worker id per pod (or go back to the database sequence)", "REVERSIBLE")],
                ["the handler commit in the same release (newer, touches the request path)", "slow notifications consumer warnings",
                 "slow report queries in the database log"],
                suspect=(bad, path, line))
    return {"title": f"{svc}: write errors after {ver}", "primary": svc,
            "narrative": f"{svc} fails part of its writes since {onset:%H:%M} UTC; {ver} went out at {dep_at:%H:%M}."}
