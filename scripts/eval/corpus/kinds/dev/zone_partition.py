"""A network partition in one availability zone: pods in that zone cannot reach the database/cache primary in another
zone (connect timeouts), pods in the other zones are fine. Errors are confined to a subset of hosts."""
from framework import h
from stories import minutes, op_error, prior_release

KIND = {
    "name": "zone-partition",
    "category": "network/dns",
    "severity": "P1",
    "inspired_by": "AWS us-east-1 2021-12-07 and Azure West Europe 2023 zone network incidents (connectivity lost in a single AZ); companies invented",
}

VARIANTS = [
    dict(lang="Go", svc="ride-dispatch", team="mobility", zone="eu-west-1a", dep="dispatch-db", op="load", routes=["/v1/rides", "/v1/rides/{id}"],
         exc=None, msg="dial tcp 10.20.{x}.15:5432: i/o timeout"),
    dict(lang="C#", svc="policy-quotes", team="quotes", zone="us-east-2b", dep="quotes-redis", op="cache_put", routes=["/api/quotes", "/api/quotes/{id}"],
         exc="StackExchange.Redis.RedisConnectionException",
         msg="No connection is active/available to service this operation: SET item:q_{x}; UnableToConnect on quotes-redis:6379/Interactive"),
    dict(lang="Java", svc="stock-reservations", team="warehouse", zone="ap-southeast-2c", dep="reservations-db", op="load", routes=["/reservations", "/reservations/{id}"],
         exc="org.springframework.jdbc.CannotGetJdbcConnectionException",
         msg="Failed to obtain JDBC Connection: java.net.SocketTimeoutException: Connect timed out"),
]


def build(b, p):
    svc, zone = p["svc"], p["zone"]
    zones = [zone[:-1] + z for z in "abc"]
    b.make_repo(svc, {"database": {"host": p["dep"], "connect_timeout_ms": 3000}}, history=6)
    prior_release(b, svc)
    b.deploy(svc, "v1.3.1", len(b.repo.commits) - 1, b.at(-45), status="succeeded")
    b.deploy("network", f"transit gateway route table update ({zone})", None, b.at(-11), kind="infra-change")
    onset = b.at(-10)
    pods = {z: [f"{svc}-{h(svc + z, 9)}-{h(z + str(k), 5)}" for k in range(2)] for z in zones}
    sl = b.svc(svc)

    def req(t, rng):
        z = zones[rng.randrange(3)]
        pod = pods[z][rng.randrange(2)]
        route = p["routes"][rng.randrange(len(p["routes"]))]
        if t >= onset and z == zone:
            msg = p["msg"].format(x=rng.randint(1, 9))
            if p["exc"] is None:
                sl.error(t, f"{route} failed: {msg}", logger="db", pod=pod, zone=z, status=500)
            else:
                sl.error(t, f"{route} failed", logger="db", trace=op_error(b, p["op"], p["exc"], msg), pod=pod, zone=z, status=500)
        else:
            sl.info(t, f"GET {route} 200", logger="access", pod=pod, zone=z, status=200, duration_ms=rng.randint(10, 90))
    sl.stream(b.start, b.end, 0.24, req)
    b.noise(sl, b.start, b.end, 700, "WARN", "GC pause 180ms", logger="runtime")
    share = lambda t: 0.33 if t >= onset else 0.0  # noqa: E731
    n = b.names(svc)
    for z in zones:
        for pod in pods[z]:
            e = (lambda zz: (lambda t, i: 1.0 if (t >= onset and zz == zone) else 0.003))(z)
            b.metrics.counter(n.requests(), "HTTP requests", {**n.svc_labels(svc), "pod": pod, "zone": z, n.status_label(): "500"},
                              (lambda ee: (lambda t, i: 1.2 * ee(t, i)))(e))
            b.metrics.counter(n.requests(), "HTTP requests", {**n.svc_labels(svc), "pod": pod, "zone": z, n.status_label(): "200"},
                              (lambda ee: (lambda t, i: 1.2 * (1 - ee(t, i))))(e))
        b.metrics.gauge("probe_success", "cross-zone probe to the dependency", {"source_zone": z, "target": p["dep"]},
                        (lambda zz: (lambda t, i: 0 if (t >= onset and zz == zone) else 1))(z), 0)
    b.metrics.gauge("node_network_transmit_errs", "tx errors on node uplinks", {"zone": zone}, lambda t, i: 0 if t < onset else 1200, 0)
    b.set_alert(svc, "HighErrorRate", f"{svc}: 5xx ratio 33%", f"{svc} 5xx ratio 0.33 since {onset:%H:%M} UTC.", value=0.33, threshold=0.05)
    b.set_truth(svc, f"A transit route change cut {zone} off from {p['dep']} (in another zone): {svc} pods in {zone} time out connecting, "
                     "pods in the other zones are healthy, so about a third of requests fail.",
                [p["msg"].split("{")[0], f"zone={zone} only", "probe_success{source_zone=\"" + zone + "\"} = 0", "transit gateway route table update"],
                [("Break errors down by zone/pod and check cross-zone probes", "READ"),
                 (f"Drain {zone} (move traffic/pods to the healthy zones)", "REVERSIBLE"),
                 ("Revert the transit gateway route table change", "REVERSIBLE")],
                [f"{svc} v1.3.1 deploy 45 minutes earlier", "GC pause warnings", f"{p['dep']} itself (healthy for other zones)"])
    return {"title": f"{svc}: a third of requests fail", "primary": svc,
            "narrative": f"{svc} 5xx alert at {b.t0:%H:%M} UTC. {svc} v1.3.1 went out at {b.at(-45):%H:%M}."}
