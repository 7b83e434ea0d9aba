"""A release adds a process-wide map that is written on every request and never pruned. Each pod's memory climbs from
its start until it reaches the container limit and is OOM-killed (or dies of heap exhaustion), hours after the rollout;
pods restart in a rolling wave and the in-flight requests of each dying pod fail at the edge. The alert names one pod
(the pod name with its ReplicaSet suffix), not the service. A newer commit of the same release touched the same file,
and another service deployed in the hour before the alert."""
from framework import h
from stories import caller_side, minutes, prior_release, release

KIND = {
    "name": "memory-leak-oom-restarts",
    "category": "bad-deploy-code",
    "severity": "P2",
    "inspired_by": "https://devseatit.com/tags/memory-leak ('Kubernetes OOMKilled - Memory Leak in Production': a caching "
                   "feature deployed the day before, linear memory growth to the 512MB limit, pods OOMKilled every 15-20 min); "
                   "companies invented",
}

LEAK = {
    "Java": dict(
        field=("    private final JdbcTemplate jdbc;\n",
               "    // recently served rows, for the 'similar items' widget\n"
               "    private static final Map<String, Object> RECENT = new java.util.concurrent.ConcurrentHashMap<>();\n"
               "    private final JdbcTemplate jdbc;\n"),
        put=("        return row;\n", "        RECENT.put(id + \":\" + System.nanoTime(), row);\n        return row;\n"),
        needle="RECENT.put(id + \":\" + System.nanoTime(), row);",
        decoy=("cache.opsForValue().set(\"item:\" + id, value);",
               "cache.opsForValue().set(\"item:\" + id, value, java.time.Duration.ofMinutes(15));"),
        proc="java", limit_mib=1536, base_mib=520),
    "Go": dict(
        field=("type Service struct {\n",
               "// recent remembers the items served per id for the similar-items panel.\nvar recent = map[string][]*Item{}\n\n"
               "type Service struct {\n"),
        put=("\treturn scanItem(row)\n",
             "\tit, err := scanItem(row)\n\tif err == nil {\n\t\trecent[id] = append(recent[id], it)\n\t}\n\treturn it, err\n"),
        needle="recent[id] = append(recent[id], it)",
        decoy=("\ts.producer.Produce(ctx, ", "\t// events are keyed by id so consumers keep per-item order\n\ts.producer.Produce(ctx, "),
        proc="geo-tiles", limit_mib=768, base_mib=140),
    "Node.js": dict(
        field=("class ItemService {\n",
               "// last responses per request, kept for the debug endpoint\nconst recentResponses = new Map();\n\nclass ItemService {\n"),
        put=("    return rows[0];\n", "    recentResponses.set(`${id}:${Date.now()}`, rows[0]);\n    return rows[0];\n"),
        needle="recentResponses.set(`${id}:${Date.now()}`, rows[0]);",
        decoy=("    return resp.data;\n", "    return resp.data ?? {};\n"),
        proc="node", limit_mib=1024, base_mib=210),
}

VARIANTS = [
    dict(lang="Java", svc="recommendation-api", caller="web-bff", team="discovery", routes=["/v1/recommendations", "/v1/similar/{id}"],
         pods=4, period=(34, 47), deploy_h=5.5, other=("search-indexer", "2026.11.3")),
    dict(lang="Go", svc="geo-tiles", caller="map-gateway", team="maps", routes=["/tiles/{z}/{x}/{y}", "/tiles/meta"],
         pods=3, period=(29, 38), deploy_h=3.2, other=("routing-engine", "v4.18.0"), style="json"),
    dict(lang="Node.js", svc="notification-hub", caller="mobile-bff", team="engagement", routes=["/v2/notifications", "/v2/inbox/{user}"],
         pods=4, period=(40, 52), deploy_h=4.4, other=("user-profile", "v2.31.1"), conv="otel"),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    e = LEAK[L]
    b.make_repo(svc, {"server": {"port": 8080, "max_body_kb": 256}, "cache": {"ttl_s": 600}}, history=7)
    prev = prior_release(b, svc, days_ago=8)
    dep_at = b.at(-60 * p["deploy_h"])
    core = b.lang.core_path
    ver, (bad,), _, _ = release(b, svc, [("similar items: remember recently served items",
                                          None, [(core, *e["field"]), (core, *e["put"])])], dep_at,
                                decoys=[("docs: document the similar-items widget", {"docs/similar.md": "# Similar items\n\nServed from recent items.\n"}, None),
                                        ("tidy: small cleanups in the item service", None, [(core, *e["decoy"])])])
    line = b.repo.line_of(core, e["needle"])
    # per-pod sawtooth: memory grows from the pod's start to the limit, then the pod dies and restarts
    lim, base = e["limit_mib"] * 2 ** 20, e["base_mib"] * 2 ** 20
    pods = []
    for k in range(p["pods"]):
        period = b.rng.randint(*p["period"]) * 60
        phase = b.rng.uniform(0.1, 0.95) * period
        pods.append((f"{svc}-{h(b.seed + svc, 9)[:9]}-{h(str(k) + svc, 5)}", period, phase))

    def frac(t, period, phase):
        return (((t - b.start).total_seconds() + phase) % period) / period

    deaths = []
    for name, period, phase in pods:
        t = b.start + minutes((period - phase) / 60)
        while t < b.end:
            deaths.append((t, name))
            t += minutes(period / 60)
    deaths.sort()
    before = [d for d in deaths if d[0] <= b.t0 - minutes(1)]
    alert_pod = before[-1][1] if before else pods[0][0]
    sl = b.svc(svc)

    def near_death(t):
        return any(0 <= (d - t).total_seconds() <= 40 for d, _ in deaths)

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        slow = any(0 <= (d - t).total_seconds() <= 240 for d, _ in deaths)
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(300, 2400) if slow else rng.randint(15, 120),
                request_id=h(str(t) + route, 12))
    sl.stream(b.start, b.end, 0.22, req)
    kube = b.svc("kubelet-events", style="plain")
    for d, pod in deaths:
        ip = f"10.12.{b.rng.randint(0, 9)}.{b.rng.randint(2, 250)}"
        if L == "Java":
            for j in range(3):
                tr = b.trace("java.lang.OutOfMemoryError", "Java heap space", [(core, line, "load"), b.handle_frame("load")])
                sl.error(d - minutes(0.6 - j * 0.2), "Handler dispatch failed: java.lang.OutOfMemoryError: Java heap space",
                         logger="o.a.c.c.C.[.[.[/].[dispatcherServlet]", trace=tr, pod=pod)
            sl.error(d - minutes(0.05), "Terminating due to java.lang.OutOfMemoryError: Java heap space", logger="jvm", pod=pod)
        elif L == "Node.js":
            sl.error(d - minutes(0.05), "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
                     logger="node", pod=pod, trace=" 1: 0xb9c1f0 node::Abort() [node]\n 2: 0xaa27ee  [node]\n"
                                                   " 3: 0xd73b40 v8::Utils::ReportOOMFailure(v8::internal::Isolate*, char const*, bool) [node]\n"
                                                   " 4: 0xd73ee7 v8::internal::V8::FatalProcessOutOfMemory(v8::internal::Isolate*, char const*, bool) [node]")
        else:
            sl.warn(d - minutes(0.4), "GC forced, heap in use near the container limit", logger="runtime", pod=pod, heap_mib=int(e["limit_mib"] * 0.97))
        kube.log.add(d, f"{d:%Y-%m-%dT%H:%M:%SZ} Warning OOMKilling node/ip-{ip.replace('.', '-')} Memory cgroup out of memory: Killed process "
                        f"{b.rng.randint(2, 40)} ({e['proc']}) total-vm:{e['limit_mib'] * 1400}kB, anon-rss:{e['limit_mib'] * 1024}kB, pod {pod}")
        kube.log.add(d + minutes(0.05), f"{d:%Y-%m-%dT%H:%M:%SZ} Normal Killing pod/{pod} Container {svc} terminated: reason OOMKilled, exit code 137")
        kube.log.add(d + minutes(0.1), f"{d:%Y-%m-%dT%H:%M:%SZ} Normal Started pod/{pod} Started container {svc} (restart)")
        sl.info(d + minutes(0.4), f"{svc} {ver} started", logger="main", pod=pod)
    kube.stream(b.start, b.end, 0.045, lambda t, rng: kube.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Normal Pulled pod/cronjob-reports-{rng.randint(1000, 9999)} Container image already present on machine"))
    kube.stream(b.start, b.end, 0.01, lambda t, rng: kube.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Warning FailedScheduling pod/batch-export-{rng.randint(100, 999)} 0/9 nodes are available: 9 Insufficient cpu."))
    b.noise(sl, b.start, b.end, 520, "WARN", "slow response from feature-flag service (1.2s), using cached flags", logger="flags")
    b.noise(sl, b.start, b.end, 1200, "ERROR", "client disconnected before response was written", logger="http")
    share = lambda t: 0.35 if near_death(t) else 0.0  # noqa: E731
    caller_side(b, p["caller"], svc, b.start, share, status=502)
    other, over = p["other"]
    b.deploy(other, over, None, b.at(-24))
    n = b.names(svc)
    for name, period, phase in pods:
        b.metrics.gauge("container_memory_working_set_bytes", "memory working set", {"pod": name, "container": svc, **n.svc_labels(svc)},
                        lambda t, i, period=period, phase=phase: round(base + (lim - base) * frac(t, period, phase)), 0)
        b.metrics.gauge("container_spec_memory_limit_bytes", "memory limit", {"pod": name, "container": svc, **n.svc_labels(svc)},
                        lambda t, i: lim, 0)
        b.metrics.counter("kube_pod_container_status_restarts", "container restarts", {"pod": name, "container": svc, "reason": "OOMKilled"},
                          lambda t, i, name=name: 1 / 15 if any(0 <= (t - d).total_seconds() < 15 and pn == name for d, pn in deaths) else 0)
    b.http_metrics(svc, lambda t: 10.0, lambda t: 0.0 if not near_death(t) else 0.08,
                   lambda t: 1.9 if any(0 <= (d - t).total_seconds() <= 240 for d, _ in deaths) else 0.11)
    b.http_metrics(p["caller"], lambda t: 14.0, lambda t: share(t) * 0.4, lambda t: 0.16)
    restarts = sum(1 for d, pn in deaths if pn == alert_pod and d <= b.t0)
    b.set_alert(alert_pod, "KubePodRestartingOOM", f"Pod {b.namespace}/{alert_pod} restarted (OOMKilled)",
                f"Container {svc} in pod {alert_pod} was OOMKilled {max(1, restarts)} time(s) in the last hour.",
                severity="warning", labels={"pod": alert_pod, "container": svc, "reason": "OOMKilled"},
                metric="kube_pod_container_status_restarts_total", value=max(1, restarts), threshold=0,
                namespace="ContainerInsights", dims=[{"value": alert_pod, "name": "PodName"}, {"value": "prod", "name": "ClusterName"}])
    if b.source == "cloudwatch":
        b.alert_service = None  # the alarm's only dimensions are the pod name and the cluster
    b.set_truth(svc, f"{ver} (deployed {p['deploy_h']} h earlier) added a process-wide map at {core}:{line} that grows on every request and is "
                     f"never pruned; each {svc} pod's memory climbs to the {e['limit_mib']} MiB limit and is OOM-killed, so pods restart in a "
                     "rolling wave and their in-flight requests fail.",
                ["OOMKilled", "container_memory_working_set_bytes approaching container_spec_memory_limit_bytes",
                 "kube_pod_container_status_restarts_total", f"{core}:{line}"],
                [(f"Graph per-pod memory since the {ver} rollout and take a heap profile of one pod", "READ"),
                 (f"Roll {svc} back to {prev}", "REVERSIBLE"),
                 ("Bound or remove the map (size/TTL) and add a memory soak test", "REVERSIBLE"),
                 ("Raise the memory limit only as a stop-gap", "REVERSIBLE")],
                [f"{other} deploy 24 minutes before the alert", "the newer cleanup commit in the same release, in the same file",
                 "feature-flag slowness warnings", "client disconnect errors", "batch pods that cannot be scheduled"],
                suspect=(bad, core, line))
    b.extra_scenario["note"] = "the alert names a pod (with its ReplicaSet suffix), not the service"
    return {"title": f"{alert_pod}: OOMKilled", "primary": svc,
            "narrative": f"Pod {alert_pod} was OOM-killed; {p['caller']} sees sporadic 502s. {svc} {ver} rolled out at {dep_at:%H:%M} UTC."}
