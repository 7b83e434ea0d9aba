"""cert-manager has failed to renew an internal service's serving certificate for weeks (the DNS-01 solver's credentials
were rotated away / the issuer's secret is missing) and nobody alerted on it; the certificate's notAfter passes and
every TLS handshake to that service fails. The alert fires on a caller (or on a blackbox probe naming only the URL
host); the caller deployed half an hour earlier, and another certificate's "expires in 19 days" warning is noise."""
from stories import minutes, op_error, prior_release, release, step

KIND = {
    "name": "internal-cert-renewal-stalled",
    "category": "certificate/expiry",
    "severity": "P1",
    "inspired_by": "https://www.michal-drozd.com/en/blog/kubernetes-tls-certificate-rotation/ (cert-manager retried a failing DNS-01 "
                   "renewal for 30 days, then the certificate expired at 3 AM) and "
                   "https://crackingwalnuts.com/incident-patterns/certificate-expiry-incidents (internal mTLS certificates); companies invented",
}

VARIANTS = [
    dict(lang="Java", svc="orders-api", dep="ledger-svc", ns="payments", team="payments", host_alert=False,
         exc="javax.net.ssl.SSLHandshakeException",
         msg="PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
         reason='error getting clouddns service account: secret "clouddns-dns01-solver-svc-acct" not found'),
    dict(lang="Python", svc="claims-intake", dep="policy-store", ns="insurance", team="claims", host_alert=True,
         exc="requests.exceptions.SSLError",
         msg="HTTPSConnectionPool(host='policy-store.insurance.svc.cluster.local', port=8443): Max retries exceeded with url: /v2/policies/lookup "
             "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))",
         reason="route53: AccessDenied: User: arn:aws:iam::000000000000:user/cert-manager-dns01 is not authorized to perform: route53:ChangeResourceRecordSets"),
    dict(lang="Rust", svc="telemetry-gw", dep="device-registry", ns="fleet", team="fleet", host_alert=True,
         exc=None, msg="error sending request for url (https://device-registry.fleet.svc.cluster.local:8443/v1/devices): client error (Connect): "
                       "invalid peer certificate: Expired",
         reason='issuer "vault-internal-issuer" not ready: Vault token expired: permission denied'),
]


def build(b, p):
    svc, dep, ns = p["svc"], p["dep"], p["ns"]
    fqdn = f"{dep}.{ns}.svc.cluster.local"
    b.make_repo(svc, {"upstream": {"url": f"https://{fqdn}:8443", "timeout_ms": 3000}, "tls": {"ca_file": "/etc/ssl/internal/ca.crt"}}, history=7)
    prior_release(b, svc)
    dep_at = b.at(-31)
    ver, _, _, _ = release(b, svc, [("api: accept an optional reference field", {"docs/api.md": "# API\n\n- reference (optional)\n"}, None)], dep_at,
                           decoys=[("ci: pin the builder image", {".github/workflows/ci.yml": b.repo.state[".github/workflows/ci.yml"] + "      - run: echo pinned\n"}, None)])
    expiry = b.at(-7)
    onset = expiry
    share = lambda t: step(t, onset, 0.0, 1.0)  # noqa: E731
    sl = b.svc(svc)
    trace = op_error(b, "fetch", p["exc"], p["msg"]) if p["exc"] else None

    def req(t, rng):
        if rng.random() < share(t) * 0.7:
            if trace:
                sl.error(t, f"call to {dep} failed", logger="client", trace=trace, status=502)
            else:
                sl.error(t, f"{dep} request failed: {p['msg']}", logger="telemetry_gw::upstream", status=502)
            return
        sl.info(t, "POST /v1/ingest 200" if p["lang"] == "Rust" else "GET /v1/items 200", logger="access", status=200, duration_ms=rng.randint(20, 140))
    sl.stream(b.start, b.end, 0.2, req)
    sl.info(dep_at, f"{svc} {ver} started", logger="main")
    b.noise(sl, b.start, b.end, 450, "WARN", "connection pool: idle connection evicted after 300s", logger="pool")
    ds = b.svc(dep, style="plain")

    def srv(t, rng):
        ip = f"10.{rng.randint(0, 9)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)}"
        if t >= onset:
            ds.log.add(t, f"{t:%Y/%m/%d %H:%M:%S} http: TLS handshake error from {ip}: remote error: tls: bad certificate")
        else:
            ds.log.add(t, f"{t:%Y/%m/%d %H:%M:%S} INFO request completed method=GET path=/v1/lookup status=200 duration={rng.randint(3, 40)}ms")
    ds.stream(b.start, b.end, 0.16, srv)
    ds.log.add(b.start + minutes(2), f"{b.start:%Y/%m/%d %H:%M:%S} INFO serving TLS on :8443 with certificate CN={fqdn} notAfter={expiry:%Y-%m-%dT%H:%M:%SZ}")
    cm = b.svc("cert-manager", style="plain")

    def renew(t, rng):
        us = rng.randint(100000, 999999)
        cm.log.add(t, f"E{t:%m%d %H:%M:%S}.{us} 1 controller.go:167] \"re-queuing item due to error processing\" err=\"{p['reason'].replace(chr(34), chr(39))}\" "
                      f"logger=\"cert-manager.controller\" key=\"{ns}/{dep}-tls\"")
        cm.log.add(t + minutes(0.01), f"I{t:%m%d %H:%M:%S}.{us + 7} 1 conditions.go:203] Setting lastTransitionTime for Certificate \"{dep}-tls\" condition \"Ready\" to {t:%Y-%m-%d %H:%M:%S} +0000 UTC")
    cm.every(b.start + minutes(1), b.end, 60, renew)

    def other(t, rng):
        cm.log.add(t, f"I{t:%m%d %H:%M:%S}.{rng.randint(100000, 999999)} 1 trigger_controller.go:215] \"Certificate is due for renewal\" "
                      f"logger=\"cert-manager.certificates-trigger\" key=\"web/storefront-tls\" renewal_time=\"in 19 days\"")
    cm.stream(b.start, b.end, 1 / 400, other)
    cm.log.add(expiry + minutes(0.1), f"I{expiry:%m%d %H:%M:%S}.100200 1 trigger_controller.go:215] \"Certificate must be re-issued\" "
                                      f"logger=\"cert-manager.certificates-trigger\" key=\"{ns}/{dep}-tls\" reason=\"Expired\" message=\"Certificate expired on {expiry:%a, %d %b %Y %H:%M:%S} UTC\"")
    b.http_metrics(svc, lambda t: 8.0, lambda t: share(t) * 0.7, lambda t: 0.11)
    b.http_metrics(dep, lambda t: 7.0 * (1 - share(t) * 0.95), lambda t: 0.0005, lambda t: 0.04)
    exp_ts = int(expiry.timestamp())
    b.metrics.gauge("certmanager_certificate_expiration_timestamp_seconds", "certificate notAfter", {"name": f"{dep}-tls", "namespace": ns}, lambda t, i: exp_ts, 0)
    b.metrics.gauge("certmanager_certificate_expiration_timestamp_seconds", "certificate notAfter", {"name": "storefront-tls", "namespace": "web"},
                    lambda t, i: exp_ts + 19 * 86400, 0)
    b.metrics.gauge("certmanager_certificate_ready_status", "certificate ready condition", {"name": f"{dep}-tls", "namespace": ns, "condition": "False"}, lambda t, i: 1, 0)
    b.metrics.gauge("probe_ssl_earliest_cert_expiry_seconds_left", "blackbox: seconds until the served certificate expires",
                    {"instance": f"https://{fqdn}:8443/healthz"}, lambda t, i: (expiry - t).total_seconds(), 0)
    b.metrics.gauge("probe_success", "blackbox probe result", {"instance": f"https://{fqdn}:8443/healthz"}, lambda t, i: 0 if t >= onset else 1, 0)
    b.cpu_mem(svc)
    if p["host_alert"]:
        b.set_alert(fqdn, "ProbeFailed", f"https://{fqdn}:8443/healthz probe failing",
                    f"Blackbox probe of https://{fqdn}:8443/healthz failing since {onset:%H:%M} UTC (TLS).", value=0, threshold=1)
    else:
        b.set_alert(svc, "UpstreamErrors", f"{svc}: calls to {dep} failing", f"{svc} 502 ratio 70% since {onset:%H:%M} UTC.", value=0.7, threshold=0.05)
    b.set_truth(dep, f"The serving certificate {ns}/{dep}-tls expired at {expiry:%H:%M}: cert-manager has been failing to renew it for weeks "
                     f"({p['reason']}), so every TLS handshake to {dep} fails and {svc}'s calls to it error. {svc}'s own deploy is unrelated.",
                ["certificate has expired / validity check failed / invalid peer certificate: Expired", "tls: bad certificate",
                 "certmanager_certificate_expiration_timestamp_seconds", "certmanager_certificate_ready_status", "re-queuing item due to error processing"],
                [(f"Read the served certificate's notAfter and the Certificate {ns}/{dep}-tls status", "READ"),
                 (f"Fix the issuer credentials and force a renewal of {dep}-tls (cmctl renew)", "REVERSIBLE"),
                 ("Alert on certificates not Ready and on days-to-expiry", "REVERSIBLE")],
                [f"{svc} deploy 31 minutes earlier", "storefront-tls 'due for renewal in 19 days' (healthy)", "connection pool eviction warnings"])
    b.extra_scenario["note"] = "truth.service is the service whose certificate expired; the alert names its caller or its URL host"
    return {"title": f"{svc}: calls to {dep} failing", "primary": svc,
            "narrative": f"{svc} cannot reach {dep} since {onset:%H:%M} UTC; {svc} shipped {ver} at {dep_at:%H:%M}."}
