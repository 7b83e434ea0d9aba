"""The service pins the public key (SPKI hash) of an outside provider's TLS certificate, set in its prod config more than
a year ago with no backup pin. The provider renews its certificate ahead of expiry with a new key pair; from that
minute every call to the provider fails the pin check, although the new certificate is valid and a certificate probe
shows its expiry jumping a year ahead. The service's own release 25 minutes earlier is a decoy."""
from stories import caller_side, http_failures, minutes, prior_release, release, step

KIND = {
    "name": "pinned-cert-after-provider-rotation",
    "category": "certificate/expiry",
    "severity": "P1",
    "inspired_by": "https://github.com/AFNetworking/AFNetworking/issues/3039 (server certificate renewed; clients pinning it could "
                   "no longer connect) and https://dev.to/vkocjancic/certificate-pinning-pitfalls-why-rotation-breaks-apps-4kko "
                   "(certificate rotation outside your control breaks pinned clients; pin the SPKI and keep a backup pin); "
                   "companies invented",
}

OLD_PIN = "sha256/r8vN0kq3Qb1yCk3x0aZ6mHcS7dWl9pT2uXe4fGjA5sI="
NEW_PIN = "sha256/Lq2TzY7cV0pB9nR4eK1wJ6hM3xD8aF5gS0uQ7iW2oE4="

VARIANTS = [
    dict(lang="Kotlin", svc="payout-service", host="api.clearpay-rails.example", caller="merchant-dashboard", team="payouts",
         routes=["/v1/payouts", "/v1/payouts/{id}"], share=0.97,
         exc="javax.net.ssl.SSLPeerUnverifiedException",
         msg=f"Certificate pinning failure! Peer certificate chain: {NEW_PIN}: CN=api.clearpay-rails.example; "
             f"Pinned certificates for api.clearpay-rails.example: {OLD_PIN}"),
    dict(lang="Node.js", svc="kyc-gateway", host="verify.idcheckr.example", caller="onboarding-web", team="onboarding",
         routes=["/kyc/checks", "/kyc/checks/{id}"], share=0.95, exc="Error",
         msg=f"Certificate public key pin mismatch for verify.idcheckr.example: got {NEW_PIN}, pinned {OLD_PIN}"),
    dict(lang="Python", svc="fx-rates-sync", host="feed.forexline.example", caller="pricing-api", team="treasury",
         routes=["/rates/latest", "/rates/{pair}"], share=0.9, exc="fx_rates_sync.pinning.PinMismatch",
         msg=f"public key {NEW_PIN} presented by feed.forexline.example is not pinned (pinned: {OLD_PIN})"),
]

PIN_FILES = {
    "Node.js": ("src/pinning.js", '''
        'use strict';
        const crypto = require('crypto');

        // Rejects a peer whose certificate public key is not the pinned one (config: provider.pinSha256).
        function checkPin(host, cert, pinned) {
          const got = 'sha256/' + crypto.createHash('sha256').update(cert.pubkey).digest('base64');
          if (got !== pinned) {
            throw new Error(`Certificate public key pin mismatch for ${host}: got ${got}, pinned ${pinned}`);
          }
        }

        module.exports = { checkPin };
        ''', "throw new Error(`Certificate public key pin mismatch", "checkPin"),
    "Python": ("{mod}/pinning.py", '''
        """Public key pinning for the rates feed (config: provider.pin_sha256)."""
        import base64
        import hashlib


        class PinMismatch(Exception):
            pass


        def check_pin(host, spki_der, pinned):
            got = "sha256/" + base64.b64encode(hashlib.sha256(spki_der).digest()).decode()
            if got != pinned:
                raise PinMismatch(f"public key {got} presented by {host} is not pinned (pinned: {pinned})")
        ''', "raise PinMismatch(", "check_pin"),
}


def build(b, p):
    svc, host, L = p["svc"], p["host"], p["lang"]
    key = "pinSha256" if L == "Node.js" else "pin_sha256"
    extra = {}
    pf = PIN_FILES.get(L)
    if pf:
        extra[pf[0].format(mod=svc.replace("-", "_"))] = pf[1]
    b.make_repo(svc, {"provider": {"url": f"https://{host}", "timeout_ms": 5000, key: OLD_PIN}, "server": {"port": 8080}}, extra, history=9)
    cfg = b.lang.config_path
    pin_line = b.repo.line_of(cfg, OLD_PIN)
    prev = prior_release(b, svc, days_ago=10)
    dep_at = b.at(-25)
    ver, _, _, _ = release(b, svc, [("log provider latency per endpoint", {"docs/observability.md": "# Observability\n\nprovider_latency_seconds{endpoint}\n"}, None)],
                           dep_at, decoys=[("deps: bump test libraries", {"docs/deps.md": "# Dependencies\n\ntest libs refreshed\n"}, None)])
    rot = b.at(-8)
    onset = rot + minutes(0.3)
    if pf:
        path = pf[0].format(mod=svc.replace("-", "_"))
        top = (path, b.repo.line_of(path, pf[2]), pf[3])
        frames = [top, b.frame("fetch"), b.handle_frame("fetch")]
    else:
        frames = [b.frame("fetch"), b.handle_frame("fetch")]
    trace = b.trace(p["exc"], p["msg"], frames)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} failed: TLS pin check against {host} failed", logger="provider", trace=trace if rng.random() < 0.55 else None,
                 status=502, upstream=host)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.2)
    sl.info(dep_at + minutes(0.4), f"{svc} {ver} started", logger="main")
    b.noise(sl, b.start, b.end, 420, "WARN", f"{host} answered slowly (2.1s)", logger="provider")
    b.noise(sl, b.start, b.end, 1300, "ERROR", "metrics push to statsd failed: ECONNREFUSED", logger="metrics")
    caller_side(b, p["caller"], svc, onset, share, status=502)
    b.http_metrics(svc, lambda t: 8.0, share, lambda t: 0.4)
    b.http_metrics(p["caller"], lambda t: 10.0, lambda t: share(t) * 0.5, lambda t: 0.25)
    day = 86400.0
    exp = b.gauge(svc, "probe_ssl_earliest_cert_expiry", f"expiry of the certificate {host} presents (unix time)", {"instance": f"https://{host}"},
                  lambda t, i: t.timestamp() // 3600 * 3600 + (19 * day if t < rot else 397 * day), 0)
    b.gauge(svc, "probe_success", f"TLS probe of {host} (trust store only, no pinning)", {"instance": f"https://{host}"}, lambda t, i: 1, 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "ProviderErrorRate", f"{svc}: {int(p['share'] * 100)}% of calls to {host} failing",
                f"{svc} 5xx ratio {p['share']} since {onset:%H:%M} UTC.", value=p["share"], threshold=0.05)
    b.set_truth(svc, f"{host} renewed its TLS certificate with a new key pair at {rot:%H:%M}; {svc} pins the old public key ({cfg}:{pin_line}, "
                     "no backup pin), so every call to the provider fails the pin check although the new certificate is valid.",
                [p["msg"].split(":")[0] if L == "Kotlin" else "pin", exp, f"{cfg}:{pin_line}", NEW_PIN],
                [(f"Fetch the certificate {host} presents now (openssl s_client) and compute its SPKI hash", "READ"),
                 (f"Add the new pin {NEW_PIN} next to the old one in {cfg} and redeploy", "REVERSIBLE"),
                 ("Pin the provider's intermediate CA key with a backup pin, or drop pinning for a CA-validated connection", "REVERSIBLE")],
                [f"{svc} release {ver} 25 minutes earlier", "slow provider response warnings", "statsd push errors",
                 "probe_success stays 1 (the certificate is valid for the trust store)"])
    b.extra_scenario["note"] = "no change of ours: the provider rotated its certificate; the pin in the repo is old"
    return {"title": f"{svc}: calls to {host} failing", "primary": svc,
            "narrative": f"{svc} fails almost every request needing {host} since {onset:%H:%M} UTC. {svc} {ver} went out at {dep_at:%H:%M}."}
