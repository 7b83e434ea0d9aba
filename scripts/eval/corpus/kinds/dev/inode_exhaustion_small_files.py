"""A volume runs out of inodes, not bytes: months of tiny files (PHP session files nobody garbage-collects, a Rails file
cache of view fragments, a thumbnail cache) use every inode while `df -h` still shows most of the disk free. Every
write that creates a file fails with ENOSPC ("No space left on device"); requests that need one fail. The alert names
the host (a VM name), not the service; the bytes-used series looks healthy and an image bump earlier is a decoy."""
from framework import h
from stories import minutes, op_error, prior_release, release, step
from common import ramp

KIND = {
    "name": "inode-exhaustion-small-files",
    "category": "capacity/resource-exhaustion",
    "severity": "P2",
    "inspired_by": "https://www.serverscout.ie/blog/when-df-shows-space-but-cant-create-files-inode-exhaustion-debug and "
                   "https://penguin-gym-linux.com/en/articles/troubleshooting/inode-exhaustion (ENOSPC with free bytes: session "
                   "files and small cache files exhausting ext4's fixed inode table); companies invented",
}

VARIANTS = [
    dict(lang="PHP", svc="storefront-web", team="shop", mount="/var/lib/php", dir="/var/lib/php/sessions",
         routes=["/cart", "/login", "/product/{slug}"], share=0.42, inodes=1_310_720, style="plain"),
    dict(lang="Ruby", svc="cms-renderer", team="content", mount="/app/tmp", dir="/app/tmp/cache/views",
         routes=["/articles/{slug}", "/topics/{id}"], share=0.5, inodes=2_621_440, style="logfmt"),
    dict(lang="Go", svc="thumbnailer", team="media", mount="/var/cache/thumbs", dir="/var/cache/thumbs",
         routes=["/thumb/{w}x{h}/{id}.webp"], share=0.6, inodes=3_932_160),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    b.make_repo(svc, {"storage": {"path": p["dir"], "gc": "cron"}, "server": {"port": 8080}}, history=7)
    prior_release(b, svc, days_ago=11)
    dep_at = b.at(-35)
    release(b, svc, [("build: bump base image to the latest patch release", {"Dockerfile": b.repo.state["Dockerfile"].replace("FROM ", "FROM docker.io/library/", 1)}, None)],
            dep_at, decoys=[("docs: storage notes", {"docs/storage.md": f"# Storage\n\nFiles live under {p['dir']}.\n"}, None)])
    onset = b.at(-6)
    host = f"{svc}-{b.rng.randint(2, 9)}"
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    sl = b.svc(svc)
    trace = op_error(b, "cache_put", "Errno::ENOSPC", f"No space left on device @ rb_sysopen - {p['dir']}/{h('frag', 2)}/{h('frag2', 2)}/views%2Farticles%2F{h('x', 8)}") if L == "Ruby" else None

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        if rng.random() < share(t):
            f = f"{p['dir']}/{h(str(t), 2)}/{h(str(t) + 'b', 32)}"
            if L == "PHP":
                sl.warn(t, f"PHP Warning:  session_start(): open({p['dir']}/sess_{h(str(t), 26)}, O_RDWR) failed: No space left on device (28)", logger="php")
                sl.error(t, f"{route} 500 Failed to initialize storage module: files (path: {p['dir']})", logger="http", status=500, host=host)
            elif L == "Ruby":
                sl.error(t, f"Completed 500 Internal Server Error for GET {route}", logger="rails", trace=trace, status=500)
            else:
                sl.error(t, f"render thumbnail failed: open {f}.webp: no space left on device", logger="thumbs", route=route, status=500)
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(8, 120), host=host)
    sl.stream(b.start, b.end, 0.22, req)
    sl.info(dep_at + minutes(0.4), f"{svc} started (image rebuilt)", logger="main")
    b.noise(sl, b.start, b.end, 420, "WARN", "upstream image CDN slow (1.4s)" if L == "Go" else "slow query on recommendations widget (1.1s)", logger="perf")
    b.noise(sl, b.start, b.end, 1100, "ERROR", "statsd: failed to flush metrics batch", logger="metrics")
    start_free = 0.021 * p["inodes"]

    def files_free(t, i):
        return max(0, round(ramp(t, b.start, onset, start_free, 0))) if t < onset else b.rng.randint(0, 3)
    labels = {"instance": f"{host}:9100", "mountpoint": p["mount"], "device": "/dev/nvme1n1", "fstype": "ext4"}
    b.metrics.gauge("node_filesystem_files_free", "free inodes", labels, files_free, 0)
    b.metrics.gauge("node_filesystem_files", "inodes in total", labels, lambda t, i: p["inodes"], 0)
    b.metrics.gauge("node_filesystem_avail_bytes", "bytes available to non-root", labels, lambda t, i: round(64e9 * (0.583 - 0.0004 * b.rng.random())), 0)
    b.metrics.gauge("node_filesystem_size_bytes", "filesystem size", labels, lambda t, i: 107374182400, 0)
    b.http_metrics(svc, lambda t: 11.0, share, lambda t: 0.09, routes=tuple(p["routes"]))
    b.cpu_mem(svc)
    b.set_alert(host, "NodeFilesystemAlmostOutOfFiles", f"{host}: filesystem {p['mount']} has 0% inodes left",
                f"Filesystem on /dev/nvme1n1 at {host}:9100 ({p['mount']}) has only 0.00% available inodes left.",
                value=0, threshold=0.03, labels={"instance": f"{host}:9100", "mountpoint": p["mount"]},
                metric="node_filesystem_files_free", namespace="CWAgent",
                dims=[{"value": host, "name": "host"}, {"value": p["mount"], "name": "path"}, {"value": "ext4", "name": "fstype"}])
    if b.source == "cloudwatch":
        b.alert_service = None  # the alarm's dimensions name only the host and the mount: no service label at all
    b.set_truth(svc, f"The {p['mount']} volume of {host} ran out of inodes: millions of small files under {p['dir']} are never cleaned up, so "
                     f"every new file fails with ENOSPC although ~58% of the bytes are free; {int(p['share'] * 100)}% of {svc}'s requests fail.",
                ["No space left on device", "node_filesystem_files_free", "node_filesystem_avail_bytes (plenty free)"],
                [(f"Run df -i on {host} and count files under {p['dir']}", "READ"),
                 (f"Delete expired files under {p['dir']} (older than their lifetime)", "DESTRUCTIVE"),
                 ("Enable garbage collection of those files (or move them to Redis/object storage) and alert on inode usage", "REVERSIBLE")],
                [f"{svc} base-image deploy 35 minutes earlier", "disk bytes usage normal", "slow-widget warnings", "statsd flush errors"])
    b.extra_scenario["note"] = "the alert names the host, not the service"
    return {"title": f"{host}: no inodes left on {p['mount']}", "primary": svc,
            "narrative": f"Inode alert on {host} at {b.t0:%H:%M} UTC; {svc} users report errors. {svc} was redeployed at {dep_at:%H:%M}."}
