"""A long-lived server holds one socket per connected client (server-sent events / websockets) plus its outbound calls. Over
the evening peak the connection count climbs until the process reaches its open-files limit (a LimitNOFILE of 4096 set in
the host's unit file years ago): accept() fails with EMFILE so new clients are refused, and outbound calls fail to get a
socket. Memory, CPU and disk are fine; open fds meet max fds. Nothing of the service changed; the alert names the host,
not the service, and another service's deploy in the hour is a decoy."""
from framework import ramp
from stories import caller_side, minutes, op_error, prior_release

KIND = {
    "name": "open-files-limit-reached",
    "category": "capacity/resource-exhaustion",
    "severity": "P2",
    "inspired_by": "https://topsideboss2.github.io/Production-Postmortems/its-always-file-descriptors (background processing lost for "
                   "26 hours: a four-digit open-files limit set years ago) and https://semicolony.dev/errors/too-many-open-files "
                   "(accept4: too many open files; a 1024/4096 soft limit on a busy server); companies invented",
}

ERR = {
    "Java": dict(exc="java.net.SocketException", msg="Too many open files",
                 accept="org.apache.tomcat.util.net.Acceptor: Socket accept failed: java.io.IOException: Too many open files",
                 logger="o.a.t.u.n.Acceptor"),
    "Ruby": dict(exc="Errno::EMFILE", msg="Too many open files - socket(2) for \"{down}\" port 443",
                 accept="Puma caught this error: Too many open files - accept(2) (Errno::EMFILE)", logger="puma"),
    "Python": dict(exc="OSError", msg="[Errno 24] Too many open files",
                   accept="socket.accept() out of system resource: OSError: [Errno 24] Too many open files", logger="uvicorn.error"),
}

VARIANTS = [
    dict(lang="Java", svc="live-scores-stream", down="stats-feed", caller="sports-web", team="sports", routes=["/stream/matches", "/stream/match/{id}"],
         conns=(2500, 4650), conv="prom", hour=20),
    dict(lang="Ruby", svc="order-tracking-sse", down="carrier-events", caller="shop-frontend", team="fulfilment",
         routes=["/track/{order}/events", "/track/{order}"], conns=(2900, 4450), style="logfmt", hour=19),
    dict(lang="Python", svc="chat-presence", down="profile-api", caller="chat-web", team="messaging", routes=["/presence/subscribe", "/presence/{user}"],
         conns=(2200, 4790), hour=21),
]

LIMIT = 4096


def build(b, p):
    svc, L, down = p["svc"], p["lang"], p["down"]
    e = ERR[L]
    b.make_repo(svc, {"server": {"port": 8080, "keepalive_s": 75, "max_clients": 20000}, "upstream": {"url": f"https://{down}.internal"}}, history=8)
    prior_release(b, svc, days_ago=16)
    b.deploy(p["caller"], "2026.12." + str(b.rng.randint(10, 30)), None, b.at(-29), status="succeeded")
    lo, hi = p["conns"]
    conns = lambda t: ramp(t, b.start, b.end, lo, hi)  # noqa: E731
    fds = lambda t: min(LIMIT, int(conns(t)) + 140)  # noqa: E731
    onset = b.start
    while fds(onset) < LIMIT and onset < b.end:
        onset += minutes(0.25)
    # a VM host name: the only links to the service are the metrics' labels (instance + service) and the process on it
    host = f"ip-10-{b.rng.randint(16, 31)}-{b.rng.randint(0, 255)}-{b.rng.randint(2, 254)}.{b.region}.compute.internal"
    over = lambda t: max(0.0, conns(t) + 140 - LIMIT) / max(1.0, conns(t))  # noqa: E731
    share = lambda t: 0.0 if t < onset else min(0.6, 0.25 + 4 * over(t))  # noqa: E731
    sl = b.svc(svc)
    trace = op_error(b, "fetch", e["exc"], e["msg"].format(down=down))

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        if rng.random() < share(t):
            if rng.random() < 0.6:
                sl.error(t, e["accept"], logger=e["logger"])
            else:
                sl.error(t, f"GET {route} 500: call to {down} failed", logger="upstream", trace=trace if rng.random() < 0.5 else None, status=500)
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(3, 40), open_streams=int(conns(t)))
    sl.stream(b.start, b.end, 0.22, req)
    b.noise(sl, b.start, b.end, 480, "WARN", "client sent no heartbeat for 60s, closing stream", logger="stream")
    b.noise(sl, b.start, b.end, 1400, "ERROR", "failed to publish usage metrics batch: timeout", logger="metrics")
    caller_side(b, p["caller"], svc, onset, share, status=502)
    n = b.names(svc)
    lab = {"instance": f"{host}:9100", **n.svc_labels(svc)}
    b.metrics.gauge("process_open_fds", "open file descriptors", lab, lambda t, i: fds(t), 0)
    b.metrics.gauge("process_max_fds", "maximum open file descriptors (soft limit)", lab, lambda t, i: LIMIT, 0)
    b.gauge(svc, "active_streams", "connected streaming clients", {}, lambda t, i: int(conns(t)), 0)
    b.metrics.gauge("node_filesystem_avail_bytes", "bytes available", {"instance": f"{host}:9100", "mountpoint": "/"},
                    lambda t, i: round(41e9 * (0.99 + 0.01 * b.rng.random())), 0)
    b.http_metrics(svc, lambda t: 12.0, share, lambda t: 0.04)
    b.http_metrics(p["caller"], lambda t: 15.0, lambda t: share(t) * 0.5, lambda t: 0.15)
    b.cpu_mem(svc, cpu=lambda t: 0.42, mem=lambda t: 0.9e9)
    b.set_alert(host, "ProcessFdsNearLimit", f"{host}: open file descriptors at 100% of the limit",
                f"A process on {host}:9100 uses {LIMIT} of {LIMIT} file descriptors (process_open_fds / process_max_fds = 1.0).",
                value=1.0, threshold=0.9, labels={"instance": f"{host}:9100"}, metric="process_open_fds", namespace="CWAgent",
                dims=[{"value": host, "name": "host"}, {"value": "nofile", "name": "limit"}])
    if b.source == "cloudwatch":
        b.alert_service = None  # the alarm's dimensions name only the host
    b.set_truth(svc, f"{svc} on {host} reached its open-files limit ({LIMIT}, LimitNOFILE in the host's unit file): each connected streaming client "
                     f"holds a socket and the evening peak passed ~{LIMIT - 140} clients at {onset:%H:%M}, so accept() and outbound sockets fail with "
                     f"EMFILE and about {int(share(b.t0) * 100)}% of requests fail. Nothing was deployed to {svc}.",
                ["Too many open files", "process_open_fds at process_max_fds", "active_streams rising", "EMFILE"],
                [(f"Read /proc/<pid>/limits and count /proc/<pid>/fd for {svc} on {host}", "READ"),
                 (f"Raise LimitNOFILE for {svc} (e.g. to 65536) and restart it host by host", "REVERSIBLE"),
                 ("Alert on process_open_fds / process_max_fds above 80% and cap streams per instance", "REVERSIBLE")],
                [f"{p['caller']} deploy 29 minutes earlier", "heartbeat stream closes (all hour)", "usage metrics publish errors",
                 "CPU, memory and disk normal"])
    b.extra_scenario["note"] = "the alert names the host, not the service"
    return {"title": f"{host}: file descriptors exhausted", "primary": svc,
            "narrative": f"fd alert on {host} at {b.t0:%H:%M} UTC; {p['caller']} users report live updates not connecting."}
