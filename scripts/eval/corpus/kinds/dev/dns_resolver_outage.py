"""The cluster DNS (CoreDNS / node-local-dns) fails: pods are OOMKilled after a config change added a huge hosts
plugin file, so lookups time out or return SERVFAIL for every name. The alert fires on a caller; the fault is the
DNS service, and the caller's own recent deploy is a red herring."""
from stories import http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "dns-resolver-outage",
    "category": "network/dns",
    "severity": "P1",
    "inspired_by": "Slack 2021-09-30 DNSSEC incident, Salesforce 2021-05-11 DNS outage and the Kubernetes 'CoreDNS OOMKilled' pattern; companies invented",
}

VARIANTS = [
    dict(lang="Python", svc="match-api", dns="coredns", team="search", routes=["/match", "/match/batch"], target="profiles.prod.svc.cluster.local",
         exc="requests.exceptions.ConnectionError",
         msg="HTTPConnectionPool(host='profiles.prod.svc.cluster.local', port=8080): Max retries exceeded with url: /v1/enrich (Caused by NameResolutionError(\"<urllib3.connection.HTTPConnection object at 0x7f3a2c1d0e50>: Failed to resolve 'profiles.prod.svc.cluster.local' ([Errno -3] Temporary failure in name resolution)\"))"),
    dict(lang="Node.js", svc="checkout-bff", dns="node-local-dns", team="checkout", routes=["/checkout", "/checkout/confirm"], target="payments.prod.svc.cluster.local",
         exc="Error", msg="getaddrinfo EAI_AGAIN payments.prod.svc.cluster.local"),
    dict(lang="C#", svc="booking-api", dns="coredns", team="travel", routes=["/api/bookings", "/api/bookings/{id}"], target="inventory.prod.svc.cluster.local",
         exc="System.Net.Http.HttpRequestException", msg="Resource temporarily unavailable (inventory.prod.svc.cluster.local:8080)"),
]


def build(b, p):
    svc, dns, tgt = p["svc"], p["dns"], p["target"]
    b.make_repo(svc, {"upstream": {"url": f"http://{tgt}:8080", "timeout_ms": 2500}}, history=6)
    prior_release(b, svc)
    dep_at = b.at(-25)
    release(b, svc, [("feat: show loyalty badge", {"docs/features.md": "# Features\n\n- loyalty badge on confirmation\n"}, None)], dep_at)
    cfg_at = b.at(-13)
    b.deploy(dns, f"Corefile: add hosts plugin with blocklist (NET-{b.rng.randint(100, 999)})", None, cfg_at, kind="config")
    onset = b.at(-10)
    share = lambda t: step(t, onset, 0, 0.8)  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} failed: upstream unreachable", logger="client", trace=op_error(b, "fetch", p["exc"], p["msg"]), status=503)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.15)
    b.noise(sl, b.start, b.end, 600, "WARN", "feature flag service slow (700ms)", logger="flags")
    d = b.svc(dns, style="plain")
    def ok(t, rng):
        name = rng.choice([tgt, "redis.prod.svc.cluster.local.", "kafka-0.kafka.prod.svc.cluster.local."])
        if t < onset:
            d.log.add(t, f"[INFO] 10.4.{rng.randint(0, 9)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)} - {rng.randint(1, 65000)} \"A IN {name} udp 64 false 512\" NOERROR qr,aa,rd 110 0.000{rng.randint(100, 999)}s")
        else:
            d.log.add(t, f"[ERROR] plugin/errors: 2 {name} A: read udp 10.4.0.{rng.randint(2, 30)}:{rng.randint(30000, 60000)}->10.0.0.2:53: i/o timeout")
    d.stream(b.start, b.end, 0.18, ok)
    def crash(t, rng):
        d.log.add(t, f"[INFO] plugin/reload: Running configuration SHA512 = {rng.getrandbits(64):016x}")
        d.log.add(t + minutes(0.2), f"[WARNING] plugin/hosts: file /etc/coredns/blocklist.hosts has {rng.randint(1900000, 2100000)} entries")
        d.log.add(t + minutes(0.5), "[INFO] SIGTERM: Shutting down servers then terminating (container OOMKilled, limit 170Mi)")
    d.every(cfg_at, b.end, 240, crash)
    b.http_metrics(svc, lambda t: 6.0, share, lambda t: 0.1 if t < onset else 2.5)
    rc = b.metrics
    rc.counter("coredns_dns_responses", "DNS responses by rcode", {"rcode": "SERVFAIL", "server": "dns://:53"}, lambda t, i: 0.01 if t < onset else 40)
    rc.counter("coredns_dns_responses", "DNS responses by rcode", {"rcode": "NOERROR", "server": "dns://:53"}, lambda t, i: 220 if t < onset else 30)
    rc.counter("kube_pod_container_status_restarts", "container restarts", {"container": dns, "namespace": "kube-system"}, lambda t, i: 0 if t < cfg_at else 1 / 240)
    rc.gauge("container_memory_working_set_bytes", "memory", {"container": dns, "namespace": "kube-system"},
             lambda t, i: 60e6 if t < cfg_at else 170e6 * (0.8 + 0.2 * ((t - cfg_at).total_seconds() % 240) / 240), 0)
    b.gauge(tgt.split(".")[0], "probe_success", "blackbox probe by pod IP", {"instance": tgt.split(".")[0] + "-pod-ip"}, lambda t, i: 1, 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc}: 5xx ratio 80%", f"{svc} returns 503 for most requests since {onset:%H:%M} UTC.", value=0.8, threshold=0.05)
    b.set_truth(dns, f"A {dns} config change at {cfg_at:%H:%M} loaded a ~2M-entry hosts file; {dns} pods are OOMKilled in a loop, so cluster DNS "
                     f"lookups time out (EAI_AGAIN / SERVFAIL) and {svc} cannot resolve {tgt}; {svc} and its dependency are healthy.",
                ["Temporary failure in name resolution / EAI_AGAIN", "coredns_dns_responses_total{rcode=\"SERVFAIL\"}", "OOMKilled", "plugin/hosts"],
                [(f"Check {dns} pod restarts/OOMKills and resolve {tgt} from a pod", "READ"),
                 (f"Revert the {dns} Corefile change (remove the hosts blocklist)", "REVERSIBLE"),
                 (f"Raise {dns} memory limit until the revert is out", "REVERSIBLE")],
                [f"{svc} deploy 25 minutes earlier", "feature flag slowness", f"{tgt.split('.')[0]} (probe by IP stays 1)"])
    b.extra_scenario["note"] = "the alert names the caller; truth.service is the DNS service"
    return {"title": f"{svc}: requests fail, cannot reach {tgt.split('.')[0]}", "primary": svc,
            "narrative": f"{svc} returns 503 since {onset:%H:%M} UTC. {svc} was deployed at {dep_at:%H:%M}. Other teams mention flaky lookups."}
