"""A third-party API starts answering 429 Too Many Requests (account quota reached after another team's bulk job on
the same API key). The service's own deploy earlier the same hour is the tempting red herring."""
from stories import http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "upstream-rate-limited",
    "category": "dependency-failure",
    "severity": "P2",
    "inspired_by": "GitHub/Twilio/Google Maps quota incidents reported by their customers (shared API key rate limits); companies invented",
}

VARIANTS = [
    dict(lang="Node.js", svc="geo-lookup", vendor="mapgrid", team="maps", routes=["/geo/search", "/geo/reverse"], share=0.45,
         host="api.mapgrid.example", exc="AxiosError", msg="Request failed with status code 429"),
    dict(lang="Go", svc="sms-sender", vendor="textbeam", team="messaging", routes=["/v1/sms", "/v1/otp"], share=0.6,
         host="rest.textbeam.example", exc=None, msg=None),
    dict(lang="Elixir", svc="kyc-checker", vendor="idverify", team="onboarding", routes=["/api/checks", "/api/checks/:id"], share=0.55,
         host="api.idverify.example", exc="RuntimeError", msg="idverify answered 429 Too Many Requests (retry-after: 60)"),
]


def build(b, p):
    svc, v = p["svc"], p["vendor"]
    b.make_repo(svc, {"vendor": {"url": f"https://{p['host']}", "timeout_ms": 4000, "max_retries": 2}}, history=6)
    prior_release(b, svc)
    dep_at = b.at(-38)
    release(b, svc, [("copy: clearer error message for end users", {"docs/errors.md": "# Error messages\n\n- vendor unavailable: try again later\n"}, None)], dep_at)
    b.deploy("batch-enrichment", "backfill job 2026-Q1", None, b.at(-16), kind="job")
    onset = b.at(-12)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731

    def on_fail(sl, t, rng, route):
        if p["exc"] is None:
            sl.error(t, f"{v} request failed: POST https://{p['host']}/v2/messages: 429 Too Many Requests", logger="vendor",
                     retry_after=60, route=route, status=502)
        else:
            sl.error(t, f"{route} failed: {v} rate limited", logger="vendor", trace=op_error(b, "fetch", p["exc"], p["msg"]), status=502)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail)
    b.noise(sl, b.start, b.end, 600, "WARN", f"{v} latency above 800ms", logger="vendor")
    b.noise(sl, b.start, b.end, 1500, "ERROR", "invalid phone/address in request payload", logger="validation")
    job = b.svc("batch-enrichment")
    job.info(b.at(-16), f"backfill started: 1.8M records via {v}, concurrency 64", logger="job")
    b.jobs(job, b.at(-16), b.end, 0.35, f"enriched chunk via {v}")
    b.jobs(job, b.start, b.at(-16), 0.05, "idle: waiting for schedule")
    b.http_metrics(svc, lambda t: 7.0, share, lambda t: 0.35 if t < onset else 0.5)
    m = b.counter(svc, "vendor_requests", "calls to the vendor by HTTP status", {"vendor": v, "status": "429"}, lambda t, i: 0 if t < onset else 7 * p["share"])
    b.counter(svc, "vendor_requests", "calls to the vendor by HTTP status", {"vendor": v, "status": "200"}, lambda t, i: 7 * (1 - share(t)))
    b.gauge(svc, "probe_success", "vendor health probe", {"instance": f"https://{p['host']}/health"}, lambda t, i: 1, 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "VendorErrors", f"{svc}: {int(p['share'] * 100)}% of {v} calls failing",
                f"{svc} answers 502 for {int(p['share'] * 100)}% of requests; {v} calls failing.", value=p["share"], threshold=0.1)
    b.set_truth(svc, f"{v} rate-limits the shared API key (429 Too Many Requests) since the batch-enrichment backfill started using the same key "
                     f"at {b.at(-16):%H:%M}; {svc} itself is unchanged and {v} is up.",
                ["429 Too Many Requests", m, "backfill started", "probe_success stays 1"],
                [(f"Check {v}'s quota dashboard and which clients use the key", "READ"),
                 ("Pause or throttle the batch-enrichment backfill / give it its own key", "REVERSIBLE"),
                 (f"Ask {v} for a temporary quota raise", "REVERSIBLE")],
                [f"{svc} deploy 38 minutes earlier (copy change)", "vendor latency warnings", "validation errors"])
    return {"title": f"{svc}: {v} calls failing, users see errors", "primary": svc,
            "narrative": f"{svc} returns errors to users since about {onset:%H:%M} UTC. {svc} was deployed at {dep_at:%H:%M}."}
