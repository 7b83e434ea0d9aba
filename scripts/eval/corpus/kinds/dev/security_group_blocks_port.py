"""A network change (a Terraform apply that rewrote a security group's ingress rules to a narrower CIDR list, or a
namespace NetworkPolicy default-deny) no longer allows the service's subnet to reach one dependency's port. Packets are
dropped, not refused: connections time out, the dependency itself is healthy (its own metrics, other clients fine) and
VPC flow logs show REJECT for that port. The service's own config change the day before (a longer timeout) and an
unrelated external DNS warning are red herrings."""
from stories import minutes, op_error, prior_release, step

KIND = {
    "name": "security-group-blocks-port",
    "category": "network/dns",
    "severity": "P1",
    "inspired_by": "https://postmortems.info/t/seven-minute-outage-at-stack-overflow-a-q-a-web-site/81 (Stack Overflow: an untested "
                   "firewall configuration deployed) and https://techresolve.blog/2026/03/04/cloud-network-engineers-whats-your-day-to-day-li/ "
                   "(a security-group change silently dropping database traffic: timeouts, not refusals); companies invented",
}

VARIANTS = [
    dict(lang="Go", svc="session-api", dep="redis-sessions", ip="10.20.4.17", port=6379, team="identity",
         change="terraform apply: sg-redis-sessions ingress 6379 limited to 10.20.0.0/20 (SEC-412)", src="10.20.33.",
         err="redis: dial tcp 10.20.4.17:6379: i/o timeout", exc=None),
    dict(lang="Scala", svc="ledger-writer", dep="ledger-postgres", ip="10.31.9.40", port=5432, team="finance",
         change="terraform apply: sg-ledger-db replace ingress rules from the shared module v2.3 (NET-877)", src="10.31.48.",
         err=None, exc="java.sql.SQLTransientConnectionException", msg="HikariPool-1 - Connection is not available, request timed out after 5000ms."),
    dict(lang="Node.js", svc="catalog-search", dep="search-es", ip="10.12.2.8", port=9200, team="search",
         change="kubectl apply: NetworkPolicy search/default-deny-egress (allow-list: dns, kafka)", src="10.12.70.",
         err=None, exc="Error", msg="connect ETIMEDOUT 10.12.2.8:9200"),
]


def build(b, p):
    svc, dep, ip, port = p["svc"], p["dep"], p["ip"], p["port"]
    b.make_repo(svc, {"upstream": {"host": ip, "port": port, "connect_timeout_ms": 2000}, "server": {"port": 8080}}, history=7)
    prior_release(b, svc)
    c, _, _ = b.edit_config("config: connect timeout 2s -> 3s for cross-zone calls", "upstream", "connect_timeout_ms", 3000, at=b.at(-60 * 26))
    b.deploy(svc, "config: connect_timeout_ms=3000", c, b.at(-60 * 24), kind="config", status="succeeded")
    net_at = b.at(-10)
    b.deploy("network-policies", p["change"], None, net_at, kind="infra", status="succeeded")
    onset = net_at + minutes(0.5)
    share = lambda t: step(t, onset, 0.0, 0.92)  # noqa: E731
    sl = b.svc(svc)
    trace = op_error(b, "load", p["exc"], p["msg"]) if p["exc"] else None

    def req(t, rng):
        route = rng.choice(["/v1/a", "/v1/b"])
        if rng.random() < share(t):
            if trace:
                sl.error(t, f"request failed: {dep} unreachable", logger="db" if port == 5432 else "search", trace=trace, status=503, duration_ms=5000)
            else:
                sl.error(t, p["err"], logger="store", status=503, duration_ms=3000)
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(5, 60))
    sl.stream(b.start, b.end, 0.2, req)
    b.noise(sl, b.start, b.end, 500, "WARN", "dns: lookup analytics.partner.example: SERVFAIL, retrying", logger="resolver")
    b.noise(sl, b.start, b.end, 1000, "ERROR", "tracing exporter: 429 from collector, dropping 64 spans", logger="otel")
    k8s = "NetworkPolicy" in p["change"]
    fl = b.svc("calico-node" if k8s else "vpc-flow-logs", style="plain")
    acct = str(b.rng.randint(10 ** 11, 10 ** 12 - 1))
    eni = f"eni-{b.rng.randrange(16 ** 17):017x}"

    def flow(t, rng):
        src = p["src"] + str(rng.randint(2, 250))
        ts = int(t.timestamp())
        if k8s:
            if t >= onset and rng.random() < 0.6:
                fl.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} [INFO][{rng.randint(40, 90)}] felix/flowlogs: action=deny "
                              f"policy=search/default-deny-egress src={src}:{rng.randint(32768, 60999)} dst={ip}:{port} proto=tcp packets={rng.randint(1, 3)}")
            else:
                fl.log.add(t, f"{t:%Y-%m-%d %H:%M:%S}.{rng.randint(100, 999)} [INFO][{rng.randint(40, 90)}] felix/summary.go 100: Summarising "
                              f"{rng.randint(8, 30)} dataplane reconciliation loops over 1m0s: avg={rng.randint(3, 20)}ms longest={rng.randint(20, 90)}ms")
            return
        if rng.random() < 0.6:
            action = "REJECT" if t >= onset else "ACCEPT"
            fl.log.add(t, f"2 {acct} {eni} {src} {ip} {rng.randint(32768, 60999)} {port} 6 {rng.randint(1, 3) if action == 'REJECT' else rng.randint(4, 40)} "
                          f"{rng.randint(60, 180) if action == 'REJECT' else rng.randint(400, 9000)} {ts} {ts + 60} {action} OK")
        else:
            fl.log.add(t, f"2 {acct} {eni} {src} 10.0.0.2 {rng.randint(32768, 60999)} 53 17 1 {rng.randint(60, 90)} {ts} {ts + 60} ACCEPT OK")
    fl.stream(b.start, b.end, 0.1, flow)
    b.http_metrics(svc, lambda t: 12.0, share, lambda t: 0.05 if t < onset else 3.0)
    b.gauge(dep, "up", "dependency up (its own exporter)", {"instance": f"{ip}:{port}"}, lambda t, i: 1, 0)
    b.gauge(dep, "connected_clients", "client connections seen by the dependency", {"instance": f"{ip}:{port}"},
            lambda t, i: 180 if t < onset else 22, 0)
    b.counter(svc, "upstream_connect_errors", "connection attempts that failed", {"upstream": dep, "reason": "timeout"}, lambda t, i: 0.01 + 11 * share(t))
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc}: 92% of requests fail (503)", f"{svc} 5xx ratio 0.92 since {onset:%H:%M} UTC.", value=0.92, threshold=0.05)
    b.set_truth(svc, f"A network change at {net_at:%H:%M} ({p['change']}) stopped allowing {svc}'s subnet ({p['src']}0/24) to reach {dep} "
                     f"({ip}:{port}); packets are dropped, so connections time out. {dep} is healthy (up, other clients connected).",
                [p["err"] or p["msg"], f"REJECT / action=deny to port {port}", "upstream_connect_errors_total{reason=\"timeout\"}", p["change"], f"{dep} up == 1"],
                [(f"Compare the rule change with {svc}'s source addresses; check flow/policy logs for drops to port {port}", "READ"),
                 ("Revert the network change (re-apply the previous rule set)", "REVERSIBLE"),
                 ("Add a connectivity check for this path to the network change pipeline", "REVERSIBLE")],
                [f"{svc}'s timeout config change the day before", "SERVFAIL for an unrelated partner domain (all hour)",
                 "tracing exporter 429s"])
    b.extra_scenario["note"] = "the change is an infra deploy entry of another component (no commit)"
    return {"title": f"{svc}: requests failing, {dep} unreachable", "primary": svc,
            "narrative": f"{svc} returns 503 since {onset:%H:%M} UTC. The {dep} team says {dep} looks fine."}
