"""The service's own mTLS client certificate for a partner API expired; the partner rejects the handshake with a
certificate-expired alert. Only calls to that partner fail."""
from stories import http_failures, minutes, op_error, prior_release, step

KIND = {
    "name": "client-cert-expired",
    "category": "certificate/expiry",
    "severity": "P1",
    "inspired_by": "Ericsson 2018 (expired certificate in SGSN-MME software) and Spotify/Starling public notes on expired client certificates; companies invented",
}

VARIANTS = [
    dict(lang="Node.js", svc="payouts-gw", partner="openbank-api", team="payments", routes=["/payouts", "/payouts/{id}"],
         exc="Error", msg="write EPROTO 140213880379200:error:0A000415:SSL routines:ssl3_read_bytes:sslv3 alert certificate expired:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1590:SSL alert number 45"),
    dict(lang="Python", svc="insurer-link", partner="claims-exchange", team="claims", routes=["/link/claims", "/link/status"],
         exc="ssl.SSLError", msg="[SSL: TLSV1_ALERT_CERTIFICATE_EXPIRED] tlsv1 alert certificate expired (_ssl.c:2580)"),
    dict(lang="Elixir", svc="fx-quotes", partner="fx-liquidity", team="treasury", routes=["/api/fx/quote", "/api/fx/rates"],
         exc="Mint.TransportError", msg="TLS client: In state certify received SERVER ALERT: Fatal - Certificate Expired"),
]


def build(b, p):
    svc, partner = p["svc"], p["partner"]
    b.make_repo(svc, {"partner": {"url": f"https://{partner}.example", "client_cert": "/etc/certs/client.pem", "timeout_ms": 5000}}, history=6)
    prior_release(b, svc)
    b.deploy(svc, "v1.6.2", len(b.repo.commits) - 1, b.at(-60 * 20))
    exp = b.at(-13)
    share = lambda t: step(t, exp, 0, 0.98)  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route}: call to {partner} failed", logger="partner", trace=op_error(b, "fetch", p["exc"], p["msg"]), status=502)
    sl = http_failures(b, svc, p["routes"], exp, share, on_fail, rate=0.15)
    sl.warn(b.start + minutes(2), "client certificate /etc/certs/client.pem expires in 0 days", logger="tls")
    b.noise(sl, b.start, b.end, 700, "WARN", "retrying idempotent request after connection reset", logger="partner")
    b.http_metrics(svc, lambda t: 3.0, share, lambda t: 0.4)
    b.metrics.gauge("x509_cert_not_after", "client certificate expiry (unix seconds)", {"filepath": "/etc/certs/client.pem", "service": svc},
                    lambda t, i: int(exp.timestamp()), 0)
    b.counter(svc, "partner_requests", "calls to the partner by outcome", {"partner": partner, "outcome": "tls_error"}, lambda t, i: 0 if t < exp else 3)
    b.cpu_mem(svc)
    b.set_alert(svc, "PartnerCallsFailing", f"{svc}: calls to {partner} failing", f"All calls from {svc} to {partner} fail since {exp:%H:%M} UTC.",
                value=0.98, threshold=0.1)
    b.set_truth(svc, f"{svc}'s mTLS client certificate (/etc/certs/client.pem) expired at {exp:%H:%M} UTC; {partner} rejects every handshake with a "
                     "certificate-expired alert, so all partner calls fail. Nothing was deployed.",
                [p["msg"][:60], "x509_cert_not_after", "expires in 0 days"],
                [("Check the client certificate's notAfter", "READ"),
                 ("Issue/install a renewed client certificate and reload the service", "REVERSIBLE"),
                 ("Add expiry monitoring and automated renewal for client certificates", "REVERSIBLE")],
                ["connection reset retries", f"{svc} v1.6.2 deploy yesterday"])
    return {"title": f"{svc}: all calls to {partner} fail", "primary": svc,
            "narrative": f"{svc} cannot talk to {partner} since {exp:%H:%M} UTC. {partner} says their side is healthy."}
