"""Debug logging left on by an environment change fills the node's disk; the service then fails every write that
needs local disk (spool/temp files) with 'no space left on device'. The change is not in the repository."""
import datetime as dt

from stories import http_failures, op_error, prior_release, step

KIND = {
    "name": "disk-full-debug-logging",
    "category": "capacity/resource-exhaustion",
    "severity": "P2",
    "inspired_by": "Public post-mortems of disks filled by verbose logging (e.g. Atlassian and Heroku incident reports); companies invented",
}

ERR = {"Go": None,
       "C#": ("System.IO.IOException", "No space left on device : '/app/spool/outbox-{n}.tmp'"),
       "Elixir": ("File.Error", "could not write to file \"/app/spool/outbox-{n}.tmp\": no space left on device")}

VARIANTS = [
    dict(lang="Go", svc="ingest-gw", team="data", routes=["/v1/events", "/v1/batch"], share=0.9, hours=5),
    dict(lang="C#", svc="docs-export", team="documents", routes=["/api/exports", "/api/exports/{id}"], share=0.75, hours=3),
    dict(lang="Elixir", svc="notif-hub", team="messaging", routes=["/api/notify", "/api/notify/bulk"], share=0.85, hours=7),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"logging": {"level": "info", "format": "json"}, "spool": {"dir": "/app/spool", "max_mb": 512}}, history=6)
    prior_release(b, svc, days_ago=12)
    change_at = b.at(-60 * p["hours"])
    b.deploy(svc, f"env LOG_LEVEL=debug (troubleshooting ticket OPS-{b.rng.randint(1000, 9999)})", None, change_at, kind="config")
    b.deploy("metrics-agent", "1.9.2", None, b.at(-30))
    onset = b.at(-7)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731
    e = ERR[p["lang"]]

    def on_fail(sl, t, rng, route):
        n = rng.randint(1000, 99999)
        if e is None:
            sl.error(t, f"spool write failed: write /app/spool/outbox-{n}.tmp: no space left on device", logger="spool", route=route, status=503)
        else:
            sl.error(t, f"request {route} failed", logger="spool", trace=op_error(b, "publish", e[0], e[1].format(n=n)), status=503)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail)
    def dbg(t, rng):
        sl.debug(t, "outbox flush tick", logger="spool", pending=rng.randint(0, 40), bytes=rng.randint(100, 9000))
    sl.stream(b.start, b.end, 0.12, dbg)
    b.noise(sl, b.start, b.end, 800, "WARN", "tls: client offered only unsupported versions", logger="http")
    node = b.svc("node-exporter-" + b.cluster, style="syslog")
    def kern(t, rng):
        if t >= onset - dt.timedelta(minutes=4):
            node.log.add(t, f"{t:%b %d %H:%M:%S} ip-10-2-{rng.randint(1, 9)}-{rng.randint(2, 200)} kubelet[812]: W eviction_manager.go:366] eviction manager: attempting to reclaim ephemeral-storage")
        else:
            node.log.add(t, f"{t:%b %d %H:%M:%S} ip-10-2-3-41 systemd[1]: Started session-{rng.randint(100, 999)}.scope - Session of user ops.")
    node.stream(b.start, b.end, 0.06, kern)
    b.http_metrics(svc, lambda t: 6.0, share, lambda t: 0.08)
    cap = 100 * 1024 ** 3
    start_free = cap * 0.22
    rate = start_free / max(1, (onset - b.start).total_seconds())
    free = b.gauge(svc, "node_filesystem_avail_bytes", "free bytes", {"mountpoint": "/var/lib/containerd"},
                   lambda t, i: max(0, start_free - (t - b.start).total_seconds() * rate), 0)
    b.gauge(svc, "node_filesystem_size_bytes", "size", {"mountpoint": "/var/lib/containerd"}, lambda t, i: cap, 0)
    b.counter(svc, "log_lines_written", "log lines by level", {"level": "debug"}, lambda t, i: 950.0)
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc}: {int(p['share'] * 100)}% of requests fail with 503",
                f"{svc} 5xx ratio {p['share']} (threshold 0.05 for 5m).", value=p["share"], threshold=0.05)
    b.set_truth(svc, f"LOG_LEVEL=debug set on {svc} {p['hours']} hours earlier filled the node disk with container logs; "
                     "with no space left on device, every spool write fails and requests get 503.",
                ["no space left on device", f"{free} at 0", "eviction manager: attempting to reclaim ephemeral-storage", "LOG_LEVEL=debug"],
                [("Check disk usage of the node and the container log sizes", "READ"),
                 (f"Set LOG_LEVEL back to info on {svc}", "REVERSIBLE"),
                 ("Rotate/truncate the oversized container logs to free space", "DESTRUCTIVE")],
                ["tls unsupported versions warnings", "metrics-agent deploy 30 minutes earlier", "debug flush lines themselves"])
    return {"title": f"{svc}: requests fail with 503", "primary": svc,
            "narrative": f"{svc} error alert at {b.t0:%H:%M} UTC. No code release today; the team was troubleshooting something yesterday."}
