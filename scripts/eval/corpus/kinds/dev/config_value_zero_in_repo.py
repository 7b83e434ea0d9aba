"""A config-only release sets one value in the repository's prod config to zero (a rate limit, a batch size, a client
timeout). The suspect is a config line, not code; the release also carries a harmless code commit."""
from stories import caller_side, http_failures, minutes, prior_release, release, step

KIND = {
    "name": "config-value-zero-in-repo",
    "category": "config-change",
    "severity": "P1",
    "inspired_by": "Cloudflare 2019-07-02 and Google 2016-04-11 (configuration pushed everywhere at once), and countless "
                   "'value set to 0 means unlimited/disabled' surprises; companies invented",
}

VARIANTS = [
    dict(lang="Java", svc="orders-gateway", caller="web-bff", team="orders", routes=["/api/orders", "/api/orders/{id}"],
         sec="ratelimit", key="permits-per-second", good=400, status=429,
         exc="io.github.resilience4j.ratelimiter.RequestNotPermitted", msg="RateLimiter 'orders' does not permit further calls",
         what="the orders rate limiter to 0 permits per second", share=0.97, op="load"),
    dict(lang="Python", svc="ledger-export", caller="finance-portal", team="finance", routes=["/exports", "/exports/{id}"],
         sec="export", key="batch_size", good=500, status=500,
         exc="ValueError", msg="range() arg 3 must not be zero", what="the export batch size to 0", share=0.88, op="batch"),
    dict(lang="C#", svc="rates-api", caller="checkout-web", team="pricing", routes=["/rates/quote", "/rates/{currency}"],
         sec="upstream", key="timeout_ms", good=2000, status=500,
         exc="System.Threading.Tasks.TaskCanceledException",
         msg="The request was canceled due to the configured HttpClient.Timeout of 0 seconds elapsing.",
         what="the upstream HTTP client timeout to 0 ms", share=0.93, op="fetch"),
]


def build(b, p):
    svc = p["svc"]
    cfg = {p["sec"]: {p["key"]: p["good"], "enabled": "true"}, "cache": {"ttl_s": 120}}
    extra = {}
    if p["op"] == "batch":
        mod = svc.replace("-", "_")
        extra[f"{mod}/batching.py"] = '''
            def chunks(rows, size):
                """Split rows into export batches of `size` (export.batch_size)."""
                for start in range(0, len(rows), size):
                    yield rows[start:start + size]
            '''
    b.make_repo(svc, cfg, extra, history=6)
    prev = prior_release(b, svc)
    L = b.lang
    dep_at = b.at(-9)
    # the config change goes first, then an innocent code commit, in one release
    ci, cpath, cline = b.edit_config(f"config: tune {p['sec']}.{p['key']} for prod", p["sec"], p["key"], 0, at=dep_at - minutes(60 * 26))
    core = L.core_path
    decoy_old, decoy_new = {"Java": ("return resp;", "return resp == null ? \"\" : resp;"),
                            "Python": ("return resp.json()", "return resp.json() or {}"),
                            "C#": ("resp.EnsureSuccessStatusCode();", "resp.EnsureSuccessStatusCode(); // 4xx/5xx surface as HttpRequestException")}[p["lang"]]
    ver, _, _, _ = release(b, svc, [], dep_at, decoys=[("fetch: tolerate empty upstream bodies", None, [(core, decoy_old, decoy_new)])], kind="config")
    onset = dep_at + minutes(1)
    if p["op"] == "batch":
        bp = f"{svc.replace('-', '_')}/batching.py"
        frames = [(bp, b.repo.line_of(bp, "for start in range(0, len(rows), size):"), "chunks"), b.handle_frame("load")]
    else:
        frames = [b.frame(p["op"]), b.handle_frame(p["op"])]
    trace = b.trace(p["exc"], p["msg"], frames)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} failed with {p['status']}", logger="http", trace=trace if rng.random() < 0.5 else None, status=p["status"])
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.18)
    sl.info(dep_at, f"{svc} {ver} started with profile prod", logger="main")
    b.noise(sl, b.start, b.end, 650, "WARN", "deprecated header X-Client-Version received", logger="http")
    caller_side(b, p["caller"], svc, onset, share, status=p["status"] if p["status"] != 500 else 502)
    b.http_metrics(svc, lambda t: 8.0, share, lambda t: 0.06)
    b.http_metrics(p["caller"], lambda t: 8.0, share, lambda t: 0.11)
    b.cpu_mem(svc)
    b.deploy(p["caller"], "2026.03.2", None, b.at(-40))
    b.set_alert(svc, "ErrorBudgetBurn", f"{svc} failing {int(p['share'] * 100)}% of requests",
                f"{svc} non-2xx ratio {p['share']} since {onset:%H:%M} UTC.", value=p["share"], threshold=0.05)
    b.set_truth(svc, f"The config-only release {ver} set {p['sec']}.{p['key']} to 0 in {cpath}, which sets {p['what']}; "
                     f"almost every request now fails ({p['exc'].rsplit('.', 1)[-1]}).",
                [p["msg"], f"{cpath}:{cline}", f"{p['sec']}.{p['key']}"],
                [(f"Diff {cpath} between {prev} and {ver}", "READ"),
                 (f"Restore {p['sec']}.{p['key']} to {p['good']} (roll back to {prev})", "REVERSIBLE"),
                 ("Add validation that rejects 0 for this setting at startup", "REVERSIBLE")],
                ["deprecated header warnings", f"{p['caller']} deploy 40 minutes earlier", "the fetch-tolerance code commit in the same release"],
                suspect=(ci, cpath, cline))
    return {"title": f"{svc}: nearly all requests fail after {ver}", "primary": svc,
            "narrative": f"{p['caller']} and users report errors from {svc} since {onset:%H:%M} UTC; {svc} {ver} went out at {dep_at:%H:%M}."}
