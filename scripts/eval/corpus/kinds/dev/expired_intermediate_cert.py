"""An internal dependency's TLS chain contains an intermediate CA certificate that expired at a round hour: every
client that verifies the chain fails the handshake; the dependency itself is healthy and nothing was deployed."""
from stories import http_failures, minutes, op_error, prior_release, step

KIND = {
    "name": "expired-intermediate-cert",
    "category": "certificate/expiry",
    "severity": "P1",
    "inspired_by": "Let's Encrypt DST Root CA X3 expiry (2021-09-30) and Microsoft Teams 2020-02-03 expired certificate outage; companies invented",
}

VARIANTS = [
    dict(lang="Go", svc="ledger-sync", dep="accounts-core", team="finance", routes=["/sync/accounts", "/sync/balances"],
         exc=None, msg="x509: certificate has expired or is not yet valid: current time {now} is after {exp}"),
    dict(lang="Java", svc="claims-api", dep="policy-store", team="claims", routes=["/api/claims", "/api/claims/{id}"],
         exc="javax.net.ssl.SSLHandshakeException",
         msg="PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed"),
    dict(lang="Ruby", svc="loyalty-web", dep="points-ledger", team="loyalty", routes=["/points", "/points/redeem"],
         exc="OpenSSL::SSL::SSLError",
         msg="SSL_connect returned=1 errno=0 peeraddr=10.8.3.21:443 state=error: certificate verify failed (certificate has expired)"),
]


def build(b, p):
    svc, dep = p["svc"], p["dep"]
    b.make_repo(svc, {"upstream": {"url": f"https://{dep}.internal.{b.domain}", "timeout_ms": 3000, "ca_bundle": "/etc/ssl/internal-ca.pem"}}, history=6)
    prior_release(b, svc, days_ago=15)
    b.deploy(svc + "-canary", "v1.9.0-rc1", None, b.at(-75), status="rolled_back")
    exp = b.t0.replace(minute=0, second=0) - minutes(0)
    if exp > b.at(-2):
        exp = exp - minutes(60)
    onset = exp
    share = lambda t: step(t, onset, 0, 1.0)  # noqa: E731

    def on_fail(sl, t, rng, route):
        now = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        msg = p["msg"].format(now=now, exp=exp.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if p["exc"] is None:
            sl.error(t, f"call {dep} failed: Post \"https://{dep}.internal.{b.domain}/v1/enrich\": tls: failed to verify certificate: {msg}",
                     logger="client", route=route, status=502)
        else:
            sl.error(t, f"{route} failed", logger="client", trace=op_error(b, "fetch", p["exc"], msg), status=502)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.16)
    b.noise(sl, b.start, b.end, 540, "WARN", "request body larger than 1MB, streaming", logger="http")
    d = b.svc(dep)
    b.requests(d, b.start, b.end, 0.1, ["/v1/enrich", "/v1/accounts/{id}"])
    def tlsnote(t, rng):
        d.warn(t, f"http: TLS handshake error from 10.8.{rng.randint(0, 9)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)}: remote error: tls: bad certificate",
               logger="tls")
    d.stream(onset, b.end, 0.25, tlsnote)
    d.info(b.start + minutes(3), f"serving certificate CN={dep}.internal.{b.domain} notAfter=2026-11-30T00:00:00Z chain=[{b.org}-internal-issuing-ca-2 notAfter={exp:%Y-%m-%dT%H:%M:%SZ}]", logger="tls")
    b.http_metrics(svc, lambda t: 5.0, lambda t: 0.97 * share(t), lambda t: 0.07)
    b.http_metrics(dep, lambda t: 5.0 * (1 - share(t)) + 0.4, lambda t: 0.0, lambda t: 0.04)
    ssl = b.metrics
    ssl.gauge("probe_ssl_earliest_cert_expiry", "earliest expiry in the chain (unix seconds)", {"instance": f"{dep}.internal.{b.domain}:443"},
              lambda t, i: int(exp.timestamp()), 0)
    ssl.gauge("probe_success", "blackbox probe", {"instance": f"https://{dep}.internal.{b.domain}/healthz"},
              lambda t, i: 0 if t >= onset else 1, 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "UpstreamErrors", f"{svc}: calls to {dep} failing (100%)", f"Every call from {svc} to {dep} fails since {onset:%H:%M} UTC.",
                value=1.0, threshold=0.05)
    b.set_truth(svc, f"The intermediate CA '{b.org}-internal-issuing-ca-2' in {dep}'s serving chain expired at {exp:%H:%M} UTC, so every TLS "
                     f"handshake from {svc} to {dep} fails certificate verification; {dep} itself is up and nothing was deployed.",
                ["certificate has expired", "probe_ssl_earliest_cert_expiry", "tls: bad certificate"],
                [(f"Inspect {dep}'s chain (openssl s_client -showcerts) and the intermediate's notAfter", "READ"),
                 (f"Reissue {dep}'s certificate from the current intermediate and reload it", "REVERSIBLE"),
                 ("Add expiry alerts for every certificate in served chains, not only the leaf", "REVERSIBLE")],
                ["request body size warnings", f"{svc}-canary rollback 75 minutes earlier", f"{dep}'s leaf certificate (valid until November)"])
    return {"title": f"{svc}: every call to {dep} fails since {onset:%H:%M} UTC", "primary": svc,
            "narrative": f"{svc} cannot reach {dep} since {onset:%H:%M} UTC; {dep}'s dashboards show it up. No deploy today."}
