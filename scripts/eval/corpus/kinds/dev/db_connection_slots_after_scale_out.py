"""Evening traffic rises and the autoscaler does its job: the service scales from 6 to 16 pods. Each pod opens its own
connection pool, and pods x pool size passes the managed PostgreSQL's max_connections. New connections are refused
("remaining connection slots are reserved", "too many clients"), requests on the pods that cannot get a connection
fail. The database's connection count sits at its limit series; the traffic rise is only moderate (a decoy for
traffic-spike). One variant's alert is a CloudWatch RDS alarm that names the DB instance, not the service."""
from framework import h
from stories import minutes, op_error, prior_release, step
from common import ramp

KIND = {
    "name": "db-connection-slots-after-scale-out",
    "category": "capacity/resource-exhaustion",
    "severity": "P1",
    "inspired_by": "https://www.darshanturakhia.com/blog/ecs-autoscaling-postgres-max-connections (ECS scaled 5 to 38 tasks; "
                   "'remaining connection slots are reserved for non-replication superuser connections') and "
                   "https://dev.to/muj18/how-a-kubernetes-autoscaling-incident-took-down-our-api-and-how-i-now-debug-it-in-minutes-27m9 "
                   "(HPA 3 to 15 pods x pool 50 > max_connections 200); companies invented",
}

VARIANTS = [
    dict(lang="Kotlin", svc="checkout-service", team="checkout", db="checkout-prod-pg", pool=25, maxc=300,
         routes=["/checkout", "/checkout/{id}/confirm"], source="cloudwatch",
         exc="org.springframework.jdbc.CannotGetJdbcConnectionException",
         msg="Failed to obtain JDBC Connection; nested exception is org.postgresql.util.PSQLException: FATAL: remaining connection slots are reserved for non-replication superuser connections"),
    dict(lang="Node.js", svc="booking-api", team="travel", db="bookings-pg-main", pool=20, maxc=250,
         routes=["/v2/bookings", "/v2/bookings/:id", "/v2/availability"],
         exc="error", msg="sorry, too many clients already"),
    dict(lang="C#", svc="claims-api", team="claims", db="claims-db-prod", pool=30, maxc=400,
         routes=["/api/claims", "/api/claims/{id}/documents"],
         exc="Npgsql.PostgresException", msg="53300: too many connections for role \"claims_app\""),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"datasource": {"url": f"postgres://{p['db']}.internal:5432/app", "pool_max": p["pool"]},
                      "server": {"port": 8080}}, history=7)
    prior_release(b, svc, days_ago=8)
    rise = b.at(-24)
    need = p["maxc"] // p["pool"]  # pods at which the pools no longer fit

    def pods(t):
        if t < rise + minutes(3):
            return 6
        return min(16, 6 + int((t - rise - minutes(3)).total_seconds() // 90))
    onset = next(b.at(m / 4) for m in range(-24 * 4, 15 * 4) if pods(b.at(m / 4)) * p["pool"] > p["maxc"] - 3)
    share = lambda t: 0.0 if t < onset else min(0.45, (pods(t) * p["pool"] - (p["maxc"] - 3)) / (pods(t) * p["pool"]))  # noqa: E731
    rps = lambda t: 20.0 if t < rise else 20.0 * (1 + 0.6 * min(1.0, (t - rise).total_seconds() / 600))  # noqa: E731
    trace = op_error(b, "load", p["exc"], p["msg"])
    sl = b.svc(svc)
    names = [f"{svc}-{h(svc + 'rs', 10)}-{h(str(k) + svc, 5)}" for k in range(16)]

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        pod = names[rng.randrange(pods(t))]
        if rng.random() < share(t):
            sl.error(t, f"{route} failed: could not get a database connection", logger="http", trace=trace if rng.random() < 0.6 else None,
                     status=500, pod=pod)
            return
        sl.info(t, f"POST {route} 200" if "checkout" in route else f"GET {route} 200", logger="access", status=200,
                duration_ms=rng.randint(20, 140), pod=pod)
    sl.stream(b.start, b.end, lambda t: 0.1 * rps(t) / 20, req)
    for k in range(6, 16):
        t = rise + minutes(3) + minutes(1.5 * (k - 5))
        if t < b.end:
            sl.info(t, f"{svc} started; datasource pool max={p['pool']}", logger="main", pod=names[k])
    b.noise(sl, b.start, b.end, 360, "WARN", "pool housekeeper: thread starvation or clock leap detected", logger="pool")
    b.noise(sl, b.start, b.end, 900, "ERROR", "fraud-score call slow, using default score", logger="risk")
    kube = b.svc("kube-events", style="plain")
    for k in range(7, 17):
        t = rise + minutes(3) + minutes(1.5 * (k - 7))
        if t < b.end:
            kube.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Normal SuccessfulRescale horizontalpodautoscaler/{svc} New size: {k}; reason: cpu resource utilization (percentage of request) above target")
            kube.log.add(t + minutes(0.02), f"{t:%Y-%m-%dT%H:%M:%SZ} Normal ScalingReplicaSet deployment/{svc} Scaled up replica set {svc}-{h(svc + 'rs', 10)} to {k}")
            kube.log.add(t + minutes(0.3), f"{t:%Y-%m-%dT%H:%M:%SZ} Normal Started pod/{names[k - 1]} Started container {svc}")
    kube.stream(b.start, b.end, 0.05, lambda t, rng: kube.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Normal Pulled pod/report-cron-{rng.randint(2900000, 2999999)}-{h(str(t), 5)} Container image already present on machine"))
    b.http_metrics(svc, rps, share, lambda t: 0.14 if t < onset else 0.9, routes=tuple(p["routes"][:2]))
    b.gauge(svc, "kube_deployment_status_replicas", "replicas of the deployment", {"deployment": svc}, lambda t, i: pods(t), 0)
    conn = lambda t, i: min(p["maxc"] - 3, pods(t) * p["pool"] * (0.82 if t < onset else 1.0) * (0.97 + 0.03 * b.rng.random()))  # noqa: E731
    b.metrics.gauge("pg_stat_database_numbackends", "backends connected", {"datname": "app", "server": p["db"]}, lambda t, i: round(conn(t, i)), 0)
    b.metrics.gauge("pg_settings_max_connections", "max_connections setting", {"server": p["db"]}, lambda t, i: p["maxc"], 0)
    b.gauge(svc, "db_pool_pending_threads", "requests waiting for a pooled connection", {"pool": "main"},
            lambda t, i: 0 if t < onset else b.rng.randint(20, 90), 0)
    b.cpu_mem(svc, cpu=lambda t: 0.45 if t < rise else 0.62, pods=4)
    if b.source == "cloudwatch":
        b.set_alert(p["db"], "DatabaseConnectionsHigh", f"{p['db']}: DatabaseConnections at the instance limit",
                    f"RDS {p['db']} DatabaseConnections {p['maxc'] - 3} >= {int(p['maxc'] * 0.95)}.", metric="DatabaseConnections",
                    namespace="AWS/RDS", value=p["maxc"] - 3, threshold=int(p["maxc"] * 0.95),
                    dims=[{"value": p["db"], "name": "DBInstanceIdentifier"}])
        b.alert_service = None  # the alarm's only dimension is the DB instance: no service label at all
    else:
        b.set_alert(svc, "HighErrorRate", f"{svc} 5xx ratio above 10%", f"{svc} 5xx ratio {share(b.t0):.2f} over 5m.",
                    value=round(share(b.t0), 2), threshold=0.1)
    b.set_truth(svc, f"The autoscaler scaled {svc} from 6 to {pods(b.t0)} pods on a moderate traffic rise; each pod opens a pool of {p['pool']} "
                     f"connections, and above {need} pods the pools exceed {p['db']}'s max_connections ({p['maxc']}), so new connections are refused "
                     "and requests that cannot get one fail.",
                [p["msg"].split(": ")[-1][:60], "pg_stat_database_numbackends", "pg_settings_max_connections", "kube_deployment_status_replicas", "SuccessfulRescale"],
                [(f"Compare pods x pool size with max_connections of {p['db']}", "READ"),
                 (f"Cap the HPA's maxReplicas at {need} or lower the per-pod pool size", "REVERSIBLE"),
                 ("Put a connection pooler (PgBouncer / RDS Proxy) between the pods and the database", "REVERSIBLE")],
                ["the traffic rise (60%, well within capacity)", "pool housekeeper warnings (all along)", "fraud-score slow errors", "report cron image events"])
    b.extra_scenario["note"] = "a CloudWatch variant names the DB instance (DBInstanceIdentifier), not the service"
    return {"title": f"{svc}: errors while scaling out", "primary": svc,
            "narrative": f"{svc} fails part of its requests since about {onset:%H:%M} UTC; traffic rose from {rise:%H:%M} and it scaled out."}
