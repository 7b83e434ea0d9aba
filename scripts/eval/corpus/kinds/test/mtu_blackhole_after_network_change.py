"""A network change moves the link between two sites onto an encrypted tunnel whose path MTU is smaller than 1500 while
ICMP 'fragmentation needed' is filtered (a PMTUD black hole). Small requests, health checks and pings keep working;
responses larger than one packet stall until the client times out, and TLS handshakes with a long certificate chain hang.
The callee is healthy (its own logs show the responses written, then broken pipes) and deployed 25 minutes before,
a tempting decoy; the service's own code did not change. TCP retransmissions on the caller's hosts jump at the change."""
from stories import minutes, prior_release, step

KIND = {
    "name": "mtu-blackhole-after-network-change",
    "category": "network/dns",
    "severity": "P2",
    "inspired_by": "https://blog.cloudflare.com/path-mtu-discovery-in-practice/ (a networking change broke path MTU discovery: "
                   "ICMP 'packet too big' no longer reached the servers and large packets were black-holed for tunnelled users) "
                   "and https://grokdatum.github.io/grokdevops-wiki/library/scenarios/networking/mtu-blackhole (large HTTPS "
                   "responses hang after a move behind a VPN tunnel, small ones and SSH work); companies invented",
}

ERR = {
    "Go": ("net/http: request canceled (Client.Timeout or context cancellation while reading body)", "net/http: TLS handshake timeout"),
    "Rust": ("error decoding response body: operation timed out", "error trying to connect: tls handshake eof (operation timed out)"),
    "Scala": ("akka.stream.scaladsl.TcpIdleTimeoutException: TCP idle-timeout encountered on connection to [{host}:8443], no bytes passed in the last 10 seconds",
              "akka.stream.StreamTcpException: The connection closed with error: SSL handshake timed out"),
}

VARIANTS = [
    dict(lang="Go", svc="report-builder", callee="ledger-archive", team="finance", site=("eu-west-1", "eu-central-1"),
         big=["/v1/statements/{id}/export", "/v1/ledgers/{id}/entries"], small=["/v1/statements/{id}", "/healthz"], mtu=1438),
    dict(lang="Rust", svc="media-proxy", callee="asset-origin", team="media", site=("dc-ams", "aws-eu-west-1"),
         big=["/assets/{id}/original", "/assets/{id}/render"], small=["/assets/{id}/meta", "/ping"], mtu=1400, style="json"),
    dict(lang="Scala", svc="claims-portal-api", callee="document-vault", team="claims", site=("on-prem-fra", "gcp-europe-west3"),
         big=["/claims/{id}/documents", "/claims/{id}/bundle.pdf"], small=["/claims/{id}", "/claims/{id}/status"], mtu=1420, conv="statsd"),
]


def build(b, p):
    svc, callee, L = p["svc"], p["callee"], p["lang"]
    b.make_repo(svc, {"upstream": {"url": f"https://{callee}.internal:8443", "timeout_ms": 10000}, "server": {"port": 8080}}, history=8)
    prior_release(b, svc, days_ago=6)
    net_at = b.at(-14)
    b.deploy("core-network", f"network: {p['site'][0]} <-> {p['site'][1]} traffic moved to the IPsec tunnel (path MTU {p['mtu']})", None,
             net_at, kind="network", status="succeeded")
    b.deploy(callee, "v2." + str(b.rng.randint(10, 40)) + ".0", None, b.at(-25), status="succeeded")
    onset = net_at + minutes(0.5)
    body_err, tls_err = ERR[L]
    body_err = body_err.format(host=callee)
    sl = b.svc(svc)
    routes = p["big"] + p["small"]

    def req(t, rng):
        route = routes[rng.randrange(len(routes))]
        big = route in p["big"]
        if t >= onset and big and rng.random() < 0.92:
            sl.error(t, f"GET {route} 504: upstream {callee} failed: {body_err}", logger="upstream", status=504, upstream=callee,
                     elapsed_ms=10000 + rng.randint(0, 40), bytes_read=rng.choice([0, 1348, 2696, 1388]))
            return
        if t >= onset and rng.random() < 0.05:
            sl.error(t, f"GET {route} 502: connect to {callee}: {tls_err}", logger="upstream", status=502, upstream=callee)
            return
        sl.info(t, f"GET {route} 200", logger="access", status=200, duration_ms=rng.randint(40, 400) if big else rng.randint(5, 60),
                bytes=rng.randint(180_000, 4_000_000) if big else rng.randint(120, 1100))
    sl.stream(b.start, b.end, 0.24, req)
    b.noise(sl, b.start, b.end, 480, "WARN", "request body larger than 1MiB buffered to disk", logger="http")
    b.noise(sl, b.start, b.end, 1100, "ERROR", "failed to refresh feature flags: 503 from flag service, keeping previous", logger="flags")
    cl = b.svc(callee)

    def creq(t, rng):
        route = routes[rng.randrange(len(routes))]
        big = route in p["big"]
        n = rng.randint(180_000, 4_000_000) if big else rng.randint(120, 1100)
        if t >= onset and big and rng.random() < 0.9:
            cl.warn(t, f"GET {route} 200 written {n} bytes but client connection reset: write: broken pipe", logger="http", status=200,
                    bytes=n, duration_ms=10000 + rng.randint(0, 50), client=svc)
            return
        cl.info(t, f"GET {route} 200", logger="access", status=200, bytes=n, duration_ms=rng.randint(8, 90), client=svc)
    cl.stream(b.start, b.end, 0.22, creq)
    cl.info(b.at(-25), f"{callee} started (new release)", logger="main")
    b.noise(cl, b.start, b.end, 700, "WARN", "slow disk read on object store cache (320ms)", logger="storage")
    big_share = len(p["big"]) / len(routes)
    share = lambda t: step(t, onset, 0.0, big_share * 0.92 + 0.05)  # noqa: E731
    b.http_metrics(svc, lambda t: 9.0, share, lambda t: step(t, onset, 0.38, 10.0))
    b.http_metrics(callee, lambda t: 9.0, lambda t: 0.0008, lambda t: 0.09)
    host = b.host_of(svc)
    retr = "node_netstat_Tcp_RetransSegs"
    b.metrics.counter(retr, "TCP segments retransmitted", {"instance": f"{host}:9100"}, lambda t, i: step(t, onset, 3.0, 410.0))
    b.metrics.counter("node_netstat_Icmp_InDestUnreachs", "ICMP destination unreachable received", {"instance": f"{host}:9100"}, lambda t, i: 0.02)
    b.gauge(svc, "upstream_inflight_requests", "requests waiting on the upstream", {"upstream": callee}, lambda t, i: step(t, onset, 2, 58), 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "UpstreamTimeouts", f"{svc}: {int(share(b.t0) * 100)}% of requests fail (504) calling {callee}",
                f"{svc} errors {round(share(b.t0), 2)} over 10m; p99 10s.", value=round(share(b.t0), 2), threshold=0.05)
    b.set_truth(svc, f"The {net_at:%H:%M} network change moved {p['site'][0]} <-> {p['site'][1]} traffic onto an IPsec tunnel with path MTU "
                     f"{p['mtu']} while ICMP 'fragmentation needed' is filtered: full-size packets are silently dropped, so {svc}'s calls to "
                     f"{callee} that return large bodies (and some TLS handshakes) stall until the 10s timeout; small requests work and "
                     f"{callee} itself is healthy.",
                [body_err, "written ... bytes but client connection reset: write: broken pipe", retr, "only large-response routes fail",
                 f"network: {p['site'][0]} <-> {p['site'][1]}"],
                [(f"Probe the path MTU from a {svc} host to {callee} (ping -M do -s 1472, tracepath) and compare with -s 1300", "READ"),
                 ("Clamp the TCP MSS on the tunnel (or lower the interface MTU) to fit the tunnel overhead", "REVERSIBLE"),
                 ("Roll the traffic back to the previous link until PMTUD works", "REVERSIBLE"),
                 ("Allow ICMP type 3 code 4 through the firewalls on the path", "REVERSIBLE")],
                [f"{callee} deploy 25 minutes earlier (its responses are written normally)", "request body buffering warnings",
                 "feature flag refresh errors", "slow object-store cache reads on the callee"])
    b.extra_scenario["note"] = "the change is a network deploy entry (service core-network) without a commit"
    return {"title": f"{svc}: timeouts calling {callee}", "primary": svc,
            "narrative": f"{svc} times out on part of its requests since about {onset:%H:%M} UTC; {callee} shipped at {b.at(-25):%H:%M} "
                         "and looks healthy on its dashboards."}
