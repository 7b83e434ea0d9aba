"""Security rotates the API key of an outside provider in the secret store and, later that hour, revokes the old key.
The service reads secrets only at start-up, so the pods that have not restarted since still send the old key: from
the revocation on, their calls to the provider fail with 401 and the feature behind them breaks. Pods started after the
rotation (an autoscaler scale-up) work, so the failure is partial. Both changes are secret-store entries without a
commit; the service's own code release the day before and another service's deploy are red herrings."""
from stories import caller_side, http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "api-key-revoked-after-rotation",
    "category": "config-change",
    "severity": "P2",
    "inspired_by": "https://portfolio-site-2ez.pages.dev/posts/2026-04-28-saju_global-en (an external API key invalidated with no code "
                   "change; 'Invalid API key' 401s, fixed by rotating the env var and redeploying) and "
                   "https://hashnode.com/forums/thread/we-nuked-our-api-auth-layer-at-2am-by-rotating-a-secret-that-wasn-t-actually-rotated "
                   "(a shared key rotated in one place while running clients still sent the old one); companies invented",
}

VARIANTS = [
    dict(lang="Elixir", svc="sms-dispatcher", provider="textbridge", caller="auth-service", team="messaging",
         routes=["/v1/sms", "/v1/sms/{id}/status"], env="TEXTBRIDGE_API_KEY", kid=("tb_live_6", "tb_live_7"), share=0.67,
         exc="RuntimeError", msg='textbridge returned 401: {"error":"invalid_api_key","detail":"key tb_live_6…a91 was revoked"}',
         other=("auth-service", "v3.12.0")),
    dict(lang="C#", svc="address-validation", provider="geoverify", caller="checkout-api", team="checkout",
         routes=["/api/addresses/validate", "/api/addresses/suggest"], env="GeoVerify__ApiKey", kid=("gv-2025-11", "gv-2026-12"), share=0.75,
         exc="System.Net.Http.HttpRequestException", msg="Response status code does not indicate success: 401 (Unauthorized).",
         other=("checkout-api", "2026.49.2")),
    dict(lang="Ruby", svc="invoice-mailer", provider="postmark-relay", caller="billing-api", team="billing",
         routes=["/invoices/{id}/send", "/invoices/{id}/resend"], env="MAIL_RELAY_TOKEN", kid=("relay-key-14", "relay-key-15"), share=0.5,
         exc="Faraday::UnauthorizedError", msg="the server responded with status 401 (Invalid or revoked server token)",
         other=("billing-api", "v8.3.1")),
]


def build(b, p):
    svc, prov, old, new = p["svc"], p["provider"], p["kid"][0], p["kid"][1]
    b.make_repo(svc, {"provider": {"url": f"https://api.{prov}.example", "timeout_ms": 4000, "api_key": f"${{{p['env']}}}"},
                      "server": {"port": 8080}}, history=7)
    prior_release(b, svc, days_ago=12)
    release(b, svc, [("retry provider 5xx once before failing", {"docs/provider.md": f"# {prov}\n\nOne retry on 5xx.\n"}, None)], b.at(-60 * 26),
            decoys=[("docs: runbook for provider incidents", {"docs/runbook.md": b.repo.state["docs/runbook.md"] + f"- {prov} status page\n"}, None)])
    rot_at, rev_at = b.at(-52), b.at(-13)
    b.deploy(svc, f"secret: {p['env']} rotated ({old} -> {new}) in the secret store", None, rot_at, kind="secret", status="succeeded")
    b.deploy(svc, f"secret: {prov} key {old} revoked", None, rev_at, kind="secret", status="succeeded")
    other, over = p["other"]
    b.deploy(other, over, None, b.at(-33))
    onset = rev_at + minutes(0.5)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    trace = op_error(b, "fetch", p["exc"], p["msg"])

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} failed: {prov} rejected the API key (401)", logger="provider", trace=trace if rng.random() < 0.6 else None,
                 status=502, provider=prov, key_id=old)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.2)
    scale_at = b.at(-31)
    sl.info(scale_at, f"{svc} started; secrets loaded ({p['env']} key id {new})", logger="main", pod=f"{svc}-7c9d-new1")
    sl.info(scale_at + minutes(0.2), f"{svc} started; secrets loaded ({p['env']} key id {new})", logger="main", pod=f"{svc}-7c9d-new2")
    b.noise(sl, b.start, b.end, 450, "WARN", f"{prov} responded slowly (1.9s), within timeout", logger="provider")
    b.noise(sl, b.start, b.end, 1000, "ERROR", "failed to export traces: collector unavailable", logger="otel")
    caller_side(b, p["caller"], svc, onset, share, status=502)
    b.http_metrics(svc, lambda t: 7.0, share, lambda t: 0.35)
    b.http_metrics(p["caller"], lambda t: 11.0, lambda t: share(t) * 0.3, lambda t: 0.2)
    n = b.names(svc)
    c401 = b.counter(svc, "provider_requests", f"calls to {prov} by status", {"provider": prov, "status": "401"}, lambda t, i: 7.0 * share(t))
    b.counter(svc, "provider_requests", f"calls to {prov} by status", {"provider": prov, "status": "200"}, lambda t, i: 7.0 * (1 - share(t)))
    b.cpu_mem(svc)
    b.set_alert(svc, "ProviderCallsFailing", f"{svc}: {int(p['share'] * 100)}% of requests fail (502)",
                f"{svc} 5xx ratio {p['share']} over 10m; upstream {prov} errors.", metric=n.requests() + "_total",
                value=p["share"], threshold=0.05)
    b.set_truth(svc, f"{p['env']} was rotated to {new} at {rot_at:%H:%M} and the old key {old} revoked at {rev_at:%H:%M}; {svc} reads secrets only at "
                     f"start-up, so every pod started before the rotation still sends {old} and gets 401 from {prov} "
                     f"(about {int(p['share'] * 100)}% of requests); the two pods started after the rotation work.",
                ["401", f"key_id={old}", c401, f"secret: {prov} key {old} revoked", f"key id {new}"],
                [(f"Check which key id each {svc} pod sends (logs: key_id) against the secret store", "READ"),
                 (f"Restart the {svc} pods that predate the rotation so they load {new} (rollout restart)", "REVERSIBLE"),
                 (f"If a restart is not possible, re-enable {old} at {prov} for a grace period", "REVERSIBLE"),
                 ("Reload secrets without a restart, or keep old and new keys valid until every consumer has rolled", "REVERSIBLE")],
                [f"{svc} code release the day before", f"{other} deploy 33 minutes earlier", f"slow {prov} responses (all hour)",
                 "trace export errors"])
    b.extra_scenario["note"] = "both changes are secret-store deploy entries without a commit"
    return {"title": f"{svc}: requests failing with 502", "primary": svc,
            "narrative": f"{p['caller']} reports failures from {svc} since about {onset:%H:%M} UTC; part of the requests still succeed."}
