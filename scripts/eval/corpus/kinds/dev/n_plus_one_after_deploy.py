"""A release adds a per-row query inside a loop (an N+1: one query per order instead of one joined query) on a summary
endpoint. Nothing fails at first: queries per request jump from a handful to ~60, the database's CPU climbs and the
endpoint's p99 goes from ~200 ms to seconds, with only a trickle of timeouts. The release also holds a newer commit in
the same file (a formatting change) and a dependency bump; another team's service deployed ten minutes later."""
from stories import minutes, prior_release, release, step

KIND = {
    "name": "n-plus-one-after-deploy",
    "category": "bad-deploy-code",
    "severity": "P2",
    "inspired_by": "https://awesome-everything.pages.dev/en/learn/performance/05-n-plus-one/06-nplus1-senior/ (N+1 at scale: "
                   "fast individual queries, a saturated pool and tail latency) and the Bullet / nplusone detector warnings "
                   "that teams find in their logs after such a release; companies invented",
}

# path, content (with the loop), the needle of the per-row query line, the newer same-file decoy edit
CODE = {
    "Ruby": dict(
        path="app/services/order_summary.rb",
        content='''# frozen_string_literal: true

class OrderSummary
  def initialize(db:)
    @db = db
  end

  def call(customer_id)
    orders = @db.exec_params("SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 60", [customer_id]).to_a
    orders.map do |order|
      items = @db.exec_params("SELECT * FROM line_items WHERE order_id = $1", [order["id"]]).to_a
      order.merge("items" => items, "total" => format_total(items))
    end
  end

  def format_total(items)
    items.sum { |i| i["price_cents"].to_i } / 100.0
  end
end
''',
        needle='items = @db.exec_params("SELECT * FROM line_items WHERE order_id = $1"',
        decoy=("    items.sum { |i| i[\"price_cents\"].to_i } / 100.0", "    (items.sum { |i| i[\"price_cents\"].to_i } / 100.0).round(2)"),
        feature="orders: show line items in the account order summary"),
    "Python": dict(
        path="app/reports/order_summary.py",
        content='''"""Account order summary."""


def order_summary(db, customer_id):
    orders = db.execute("SELECT * FROM orders WHERE customer_id = %s ORDER BY created_at DESC LIMIT 60", (customer_id,)).fetchall()
    out = []
    for order in orders:
        items = db.execute("SELECT * FROM line_items WHERE order_id = %s", (order["id"],)).fetchall()
        out.append({**order, "items": items, "total": format_total(items)})
    return out


def format_total(items):
    return sum(i["price_cents"] for i in items) / 100
''',
        needle='items = db.execute("SELECT * FROM line_items WHERE order_id = %s"',
        decoy=('    return sum(i["price_cents"] for i in items) / 100', '    return round(sum(i["price_cents"] for i in items) / 100, 2)'),
        feature="reports: include line items in the order summary"),
    "Elixir": dict(
        path="lib/{mod}/order_summary.ex",
        content='''defmodule {Mod}.OrderSummary do
  @moduledoc "Account order summary."
  import Ecto.Query
  alias {Mod}.Repo

  def for_customer(customer_id) do
    orders = Repo.all(from o in {Mod}.Order, where: o.customer_id == ^customer_id, order_by: [desc: o.inserted_at], limit: 60)
    Enum.map(orders, fn order ->
      items = Repo.all(from i in {Mod}.LineItem, where: i.order_id == ^order.id)
      %{{order: order, items: items, total: format_total(items)}}
    end)
  end

  defp format_total(items), do: Enum.reduce(items, 0, &(&1.price_cents + &2)) / 100
end
''',
        needle="items = Repo.all(from i in {Mod}.LineItem, where: i.order_id == ^order.id)",
        decoy=("  defp format_total(items), do: Enum.reduce(items, 0, &(&1.price_cents + &2)) / 100",
               "  defp format_total(items), do: Float.round(Enum.reduce(items, 0, &(&1.price_cents + &2)) / 100, 2)"),
        feature="orders: list line items in the order summary"),
}

VARIANTS = [
    dict(lang="Ruby", svc="account-web", other="search-indexer", team="accounts", route="/account/orders", qpr=(4, 62), p99=(0.21, 3.4)),
    dict(lang="Python", svc="merchant-reports", other="notification-svc", team="merchants", route="/api/reports/orders", qpr=(3, 55), p99=(0.18, 2.7)),
    dict(lang="Elixir", svc="rider-portal", other="pricing-engine", team="riders", route="/api/trips/history", qpr=(5, 70), p99=(0.25, 4.1)),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    c = CODE[L]
    b.make_repo(svc, {"db": {"pool_size": 20, "statement_timeout_ms": 5000}, "server": {"port": 8080}}, history=7)
    fmt = lambda s: s.replace("{Mod}", getattr(b.lang, "Mod", "")).replace("{mod}", getattr(b.lang, "mod", ""))  # noqa: E731
    path, content, needle = fmt(c["path"]), c["content"], fmt(c["needle"])
    if L == "Elixir":
        content = content.replace("{Mod}", b.lang.Mod).replace("%{{", "%{").replace("}}", "}")
    prev = prior_release(b, svc)
    dep_at = b.at(-16)
    decoys = [("deps: bump json encoder", {"docs/deps.md": "# Dependencies\n\njson encoder 2.7.2\n"}, None),
              ("orders: round summary totals to cents", None, [(path, fmt(c["decoy"][0]), fmt(c["decoy"][1]))])]
    ver, (bad,), _, _ = release(b, svc, [(c["feature"], {path: content}, None)], dep_at, decoys)
    line = b.repo.line_of(path, needle)
    b.deploy(p["other"], "2026." + str(b.rng.randint(10, 60)) + ".2", None, dep_at + minutes(10))
    onset = dep_at + minutes(1)
    lo, hi = p["p99"]
    q0, q1 = p["qpr"]
    sl = b.svc(svc)
    routes = [p["route"], "/account/profile" if L == "Ruby" else "/api/health/deep", "/api/session"]

    def req(t, rng):
        route = routes[0] if rng.random() < 0.45 else rng.choice(routes[1:])
        slow = route == routes[0] and t >= onset
        ms = int(1000 * (rng.uniform(hi * 0.3, hi) if slow else rng.uniform(0.02, lo)))
        if slow and rng.random() < 0.03:
            sl.error(t, f"GET {route} 504 upstream timeout after 5000ms", logger="access", status=504, duration_ms=5000)
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=ms, db_queries=(rng.randint(q1 - 8, q1 + 8) if slow else rng.randint(1, q0)))
        if slow and rng.random() < 0.25:
            if L == "Ruby":
                sl.warn(t, f"USE eager loading detected  Order => [:line_items]  Add to your query: .includes([:line_items])  "
                           f"Call stack {b.lang.prefix}{path}:{line}:in `block in call'", logger="bullet")
            elif L == "Python":
                sl.warn(t, "Potential n+1 query detected on `Order.line_items`", logger="nplusone")
            else:
                sl.debug(t, f"QUERY OK source=\"line_items\" db={rng.uniform(0.3, 1.4):.1f}ms idle={rng.uniform(0.1, 30):.1f}ms "
                            "SELECT l0.\"id\", l0.\"order_id\", l0.\"price_cents\" FROM \"line_items\" AS l0 WHERE (l0.\"order_id\" = $1)",
                         logger="Ecto.Adapters.SQL")
    sl.stream(b.start, b.end, 0.24, req)
    sl.info(dep_at, f"{svc} {ver} booted", logger="main")
    b.noise(sl, b.start, b.end, 420, "WARN", "session store: slow GET 240ms", logger="session")
    b.noise(sl, b.start, b.end, 1000, "ERROR", "statsd: failed to flush 14 metrics: buffer full", logger="metrics")
    b.http_metrics(svc, lambda t: 10.0, lambda t: step(t, onset, 0.001, 0.014), lambda t: step(t, onset, lo, hi), routes=tuple(routes[:2]))
    b.gauge(svc, "db_queries_per_request", "database queries per request (mean)", {"route": p["route"]}, lambda t, i: step(t, onset, q0, q1), 1)
    b.gauge(svc, "db_pool_in_use_ratio", "share of the connection pool in use", {}, lambda t, i: step(t, onset, 0.18, 0.86), 2)
    b.metrics.gauge("pg_cpu_utilization_ratio", "database CPU", {"instance": f"{svc}-db"}, lambda t, i: step(t, onset, 0.22, 0.78) * (0.95 + 0.1 * b.rng.random()), 3)
    b.metrics.counter("pg_stat_statements_calls", "statement executions", {"instance": f"{svc}-db", "query": "SELECT * FROM line_items WHERE order_id = $1"},
                      lambda t, i: 0.2 if t < onset else 10.0 * 0.45 * q1)
    b.cpu_mem(svc)
    b.http_metrics(p["other"], lambda t: 4.0, lambda t: 0.001, lambda t: 0.09)
    b.set_alert(svc, "LatencyHigh", f"{svc}: p99 latency {hi}s (SLO 800ms)", f"{svc} p99 above 0.8s for 10m; errors below 2%.",
                value=hi, threshold=0.8)
    b.set_truth(svc, f"{ver} ('{c['feature']}') runs one query per order inside a loop at {path}:{line} (an N+1); {p['route']} now makes "
                     f"~{q1} queries per request instead of ~{q0}, the database CPU and pool usage climb and p99 goes from {lo}s to {hi}s.",
                ["db_queries_per_request", f"{path}:{line}", "SELECT * FROM line_items WHERE order_id = $1", "p99 latency", "db_pool_in_use_ratio"],
                [(f"Compare queries per request on {p['route']} before and after {ver}", "READ"),
                 (f"Roll {svc} back to {prev}", "REVERSIBLE"),
                 ("Load line items with one joined/preloaded query and add a query-count test", "REVERSIBLE")],
                [f"the newer commit in the same release that rounds totals in {path}", "the json encoder bump in the same release",
                 f"{p['other']} deploy ten minutes later", "session store slow GET warnings", "statsd flush errors (all hour)"],
                suspect=(bad, path, line))
    return {"title": f"{svc}: slow {p['route']} after {ver}", "primary": svc,
            "narrative": f"Customers say {p['route']} takes seconds since about {onset:%H:%M} UTC; {svc} {ver} rolled out at {dep_at:%H:%M}. No errors reported."}
