"""The external payment provider (a SaaS outside the catalog) starts failing most authorisation calls (503s, resets,
timeouts) during its own incident. The catalogued service that calls it, and whose users cannot pay, is the service to
name. Decoy: that service deployed 13 minutes before the errors began, with a commit that touched the very function the
failing frames point at (an idempotency header), but the errors are the provider's 5xx and its health probe fails too;
other outbound calls of the service are fine."""
from stories import caller_side, http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "payment-provider-outage",
    "category": "dependency-failure",
    "severity": "P1",
    "inspired_by": "https://www.paymentsdive.com/news/adyen-hit-with-cyberattack-in-europe/746064/ (Adyen 2025-04-21: high "
                   "error rates in its European platform, failed or delayed transactions for merchants) and "
                   "https://www.techzine.eu/news/security/130723/dutch-payment-company-adyen-hit-by-three-ddos-attacks/; companies invented",
}

VARIANTS = [
    dict(lang="Ruby", svc="payments-service", caller="web-checkout", team="payments", vendor="paystream", host="api.paystream.example",
         path="/v1/payments", routes=["/payments", "/payments/{id}/capture"], share=0.64,
         exc="Faraday::ServerError", msg="the server responded with status 503",
         edit=('resp = @http.post("/v1/enrich", record.to_json, timeout: @settings.fetch(:timeout_s))',
               'resp = @http.post("/v1/enrich", record.to_json, { "Idempotency-Key" => record["id"] }, timeout: @settings.fetch(:timeout_s))')),
    dict(lang="PHP", svc="order-checkout", caller="shop-frontend", team="checkout", vendor="cardvault", host="api.cardvault.example",
         path="/v2/charges", routes=["/checkout/pay", "/checkout/confirm"], share=0.7,
         exc="Symfony\\Component\\HttpClient\\Exception\\ServerException",
         msg='HTTP/2 503 returned for "https://api.cardvault.example/v2/charges".',
         edit=("['json' => $record, 'timeout' => $this->settings['timeout_s']]",
               "['json' => $record, 'timeout' => $this->settings['timeout_s'], 'headers' => ['Idempotency-Key' => $record['id']]]")),
    dict(lang="Scala", svc="billing-charges", caller="subscriptions-api", team="billing", vendor="payfront", host="api.payfront.example",
         path="/v1/charges", routes=["/charges", "/charges/{id}/refund"], share=0.55,
         exc="sttp.client3.SttpClientException$ReadException",
         msg="Exception when sending request: POST https://api.payfront.example/v1/charges: Connection reset by peer",
         edit=None),
]


def build(b, p):
    svc, v, L = p["svc"], p["vendor"], p["lang"]
    b.make_repo(svc, {"provider": {"url": f"https://{p['host']}", "timeout_s": 10, "retries": 1}, "tax": {"url": "https://tax.internal"}}, history=7)
    prior_release(b, svc, days_ago=7)
    dep_at = b.at(-22)
    core = b.lang.core_path
    if p["edit"]:
        changes = [("payments: send an idempotency key with every provider call", None, [(core, p["edit"][0], p["edit"][1])])]
    else:
        changes = [("payments: send an idempotency key with every provider call", {"docs/provider.md": f"# {v}\n\nIdempotency-Key on every call.\n"}, None)]
    release(b, svc, changes, dep_at, decoys=[("i18n: German receipts", {"config/locales/de.yml": "de:\n  receipt: Beleg\n"}, None)])
    onset = b.at(-9)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    trace = op_error(b, "fetch", p["exc"], p["msg"])

    def on_fail(sl, t, rng, route):
        if rng.random() < 0.5:
            sl.error(t, f"{v} POST https://{p['host']}{p['path']} failed: 503 Service Unavailable", logger="provider", trace=trace,
                     status=502, provider=v, route=route)
        else:
            sl.error(t, f"payment authorisation failed: {v} unavailable (attempt 2/2)", logger="provider", status=502, provider=v, route=route)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.22)
    sl.info(dep_at + minutes(0.4), f"{svc} started", logger="main")
    sl.stream(b.start, b.end, 0.05, lambda t, rng: sl.info(t, "tax quote fetched from https://tax.internal/v1/quote 200", logger="tax", duration_ms=rng.randint(20, 90)))
    b.noise(sl, b.start, b.end, 420, "WARN", "3-D Secure challenge abandoned by customer", logger="provider")
    b.noise(sl, b.start, b.end, 1100, "ERROR", "webhook signature mismatch from legacy endpoint (ignored)", logger="webhooks")
    caller_side(b, p["caller"], svc, onset, share, status=502, route="/api")
    b.http_metrics(svc, lambda t: 9.0, share, lambda t: 0.45 if t < onset else 9.5, routes=tuple(p["routes"]))
    b.http_metrics(p["caller"], lambda t: 14.0, lambda t: share(t) * 0.4, lambda t: 0.5 if t < onset else 9.8)
    pr = b.counter(svc, "payment_provider_requests", "calls to the payment provider by status", {"provider": v, "status": "503"}, lambda t, i: 9.0 * share(t))
    b.counter(svc, "payment_provider_requests", "calls to the payment provider by status", {"provider": v, "status": "200"}, lambda t, i: 9.0 * (1 - share(t)))
    b.counter(svc, "outbound_requests", "other outbound calls", {"target": "tax", "status": "200"}, lambda t, i: 1.5)
    b.metrics.gauge("probe_success", "blackbox probe of the provider's health endpoint", {"instance": f"https://{p['host']}/health", "job": "blackbox"},
                    lambda t, i: 1 if t < onset + minutes(1) else (1 if b.rng.random() < 0.2 else 0), 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "PaymentSuccessRateLow", f"{svc}: payment success rate {int((1 - p['share']) * 100)}%",
                f"{svc} payment authorisations succeeding {int((1 - p['share']) * 100)}% (normal 97%) over 5m.", value=round(1 - p["share"], 2), threshold=0.9)
    b.set_truth(svc, f"The external payment provider {v} ({p['host']}) is failing {int(p['share'] * 100)}% of calls with 503s/resets during its own "
                     f"incident; {svc}'s users cannot pay. {svc}'s deploy 13 minutes earlier (idempotency header) is not the cause: the errors are the "
                     "provider's, its health probe fails too, and other outbound calls are fine.",
                ["503 Service Unavailable", pr, "probe_success", f"{v} unavailable"],
                [(f"Check {v}'s status page and the provider's error codes", "READ"),
                 (f"Fail over to the secondary provider / queue payments for retry while {v} is down", "REVERSIBLE"),
                 ("Tell customers payments are delayed (status page)", "REVERSIBLE")],
                [f"{svc} deploy 13 minutes earlier touching the provider call", "3-D Secure abandon warnings", "legacy webhook signature errors",
                 f"{p['caller']} 502s (a symptom)"])
    b.extra_scenario["note"] = "the failing dependency is outside the catalog; truth.service is the catalogued caller"
    return {"title": f"{svc}: payments failing", "primary": svc,
            "narrative": f"Customers cannot pay since about {onset:%H:%M} UTC. {svc} deployed at {dep_at:%H:%M}."}
