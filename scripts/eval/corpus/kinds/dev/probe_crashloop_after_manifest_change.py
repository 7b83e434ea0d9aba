"""A release changes the Kubernetes manifest in the repo: the liveness probe's initialDelaySeconds drops below the
service's start-up time, so new pods are killed before they are ready (CrashLoopBackOff); the rollout stalls and the
remaining old pods are overloaded. Evidence is in kubelet events and probe metrics, not in application errors."""
from framework import h
from stories import minutes, prior_release, release, step

KIND = {
    "name": "probe-crashloop-after-manifest-change",
    "category": "config-change",
    "severity": "P2",
    "inspired_by": "Kubernetes post-mortems of liveness probes killing slow-starting pods (e.g. Zalando and Monzo write-ups); companies invented",
}

VARIANTS = [
    dict(lang="Java", svc="accounts-api", team="accounts", startup=48, routes=["/accounts/{id}", "/accounts"]),
    dict(lang="C#", svc="rewards-api", team="loyalty", startup=35, routes=["/api/rewards", "/api/rewards/{id}"]),
    dict(lang="Ruby", svc="shop-admin", team="merchant", startup=40, routes=["/admin/orders", "/admin/products"]),
]

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc}
spec:
  replicas: 6
  strategy:
    rollingUpdate:
      maxUnavailable: 2
  template:
    spec:
      containers:
        - name: {svc}
          image: registry.example/{svc}:latest
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
            initialDelaySeconds: 90
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
            periodSeconds: 5
"""


def build(b, p):
    svc = p["svc"]
    path = "deploy/k8s/deployment.yaml"
    b.make_repo(svc, {"server": {"port": 8080, "shutdown_grace_s": 20}}, {path: MANIFEST.format(svc=svc)}, history=7)
    prev = prior_release(b, svc)
    dep_at = b.at(-12)
    st = b.repo.state[path]
    ver, (bad,), _, _ = release(b, svc, [
        ("deploy: align probes with the platform template", {path: st.replace("initialDelaySeconds: 90", "initialDelaySeconds: 10")}, None),
    ], dep_at, decoys=[("metrics: add build info gauge", {"docs/metrics.md": "# Metrics\n\n- build_info{version}\n"}, None)])
    line = b.repo.line_of(path, "initialDelaySeconds: 10")
    sl = b.svc(svc)
    old = [f"{svc}-{h(svc + 'old', 9)}-{h(str(k), 5)}" for k in range(4)]
    new = [f"{svc}-{h(svc + 'new', 9)}-{h(str(k), 5)}" for k in range(2)]
    onset = dep_at + minutes(1)
    share = lambda t: step(t, onset + minutes(2), 0, 0.2)  # noqa: E731

    def req(t, rng):
        route = p["routes"][rng.randrange(len(p["routes"]))]
        pod = old[rng.randrange(4)]
        if rng.random() < share(t):
            sl.warn(t, f"GET {route} 503: server busy (queue full)", logger="http", pod=pod, status=503)
        else:
            sl.info(t, f"GET {route} 200", logger="access", pod=pod, status=200, duration_ms=rng.randint(20, 150) if t < onset else rng.randint(300, 1900))
    sl.stream(b.start, b.end, 0.22, req)

    def boot(t, rng):
        for pod in new:
            sl.info(t, f"starting {svc} {ver} (warming caches, migrations check)", logger="main", pod=pod)
            sl.info(t + minutes(0.15), "Received SIGTERM, shutting down before startup completed", logger="main", pod=pod)
    sl.every(onset, b.end, 60 * (1 + 0), boot)
    b.noise(sl, b.start, b.end, 650, "WARN", "slow request to audit log (900ms)", logger="audit")
    kube = b.svc("kubelet-events", style="plain")

    def ev(t, rng):
        pod = new[rng.randrange(2)]
        kube.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Warning Unhealthy pod/{pod} Liveness probe failed: Get \"http://10.4.{rng.randint(0, 9)}.{rng.randint(2, 250)}:8080/healthz\": dial tcp: connect: connection refused")
        kube.log.add(t + minutes(0.05), f"{t:%Y-%m-%dT%H:%M:%SZ} Normal Killing pod/{pod} Container {svc} failed liveness probe, will be restarted")
        kube.log.add(t + minutes(0.1), f"{t:%Y-%m-%dT%H:%M:%SZ} Warning BackOff pod/{pod} Back-off restarting failed container {svc}")
    kube.stream(onset, b.end, 0.05, ev)
    kube.stream(b.start, b.end, 0.06, lambda t, rng: kube.log.add(t, f"{t:%Y-%m-%dT%H:%M:%SZ} Normal Pulled pod/batch-{rng.randint(100, 999)} Container image already present on machine"))
    b.http_metrics(svc, lambda t: 12.0, share, lambda t: 0.12 if t < onset else 1.6)
    for pod in new:
        b.metrics.counter("kube_pod_container_status_restarts", "restarts", {"pod": pod, "container": svc}, lambda t, i: 0 if t < onset else 1 / 60)
    b.gauge(svc, "kube_deployment_status_replicas_available", "available replicas", {"deployment": svc}, lambda t, i: 6 if t < onset else 4, 0)
    b.metrics.counter("prober_probe_total", "kubelet probes", {"probe_type": "Liveness", "result": "failed", "container": svc}, lambda t, i: 0 if t < onset else 0.3)
    b.cpu_mem(svc, cpu=lambda t: 0.5 if t < onset else 0.95)
    b.set_alert(svc, "AvailabilityLow", f"{svc}: 503s and only 4/6 replicas available", f"{svc} 5xx ratio 0.2, rollout of {ver} not progressing.",
                value=0.2, threshold=0.05)
    b.set_truth(svc, f"{ver} lowered the liveness probe's initialDelaySeconds from 90 to 10 in {path}, but {svc} needs ~{p['startup']}s to start, so "
                     "new pods are killed before they are ready (CrashLoopBackOff); the rollout stalls with 4 old pods carrying all traffic and shedding 503s.",
                ["Liveness probe failed", "Back-off restarting failed container", "kube_pod_container_status_restarts_total", f"{path}:{line}"],
                [("Check pod events and restart counts of the new ReplicaSet", "READ"),
                 (f"Roll back the deployment to {prev} (kubectl rollout undo)", "REVERSIBLE"),
                 ("Restore initialDelaySeconds (or add a startupProbe) above the start-up time", "REVERSIBLE")],
                ["slow audit log warnings", "the build-info metrics commit in the same release", "batch pods' image events"],
                suspect=(bad, path, line))
    return {"title": f"{svc}: rollout of {ver} stuck, 503s", "primary": svc,
            "narrative": f"{svc} 503 alert at {b.t0:%H:%M} UTC; {ver} rollout began at {dep_at:%H:%M} and has not finished."}
