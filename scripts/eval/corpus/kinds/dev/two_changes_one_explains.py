"""Two changes land within minutes: the service's release (two code commits: one changes the failing path, the other
a risky-sounding change elsewhere) and a config change of a neighbouring service / the platform. Only one commit
touches the frames the new exceptions fail in. The suspect is that commit."""
from stories import caller_side, http_failures, minutes, prior_release, release, step

KIND = {
    "name": "two-changes-one-explains",
    "category": "bad-deploy-code",
    "severity": "P1",
    "inspired_by": "Cloudflare 2019-07-02 and Slack 2021-02-22 reviews (several changes in flight; the failing frames point to one), "
                   "and Atlassian's 'change correlation' incident guidance; companies invented",
}

EDITS = {
    "Scala": dict(old="    row\n  }\n", new="    row.map(r => r + (\"discount\" -> r(\"coupon\")))\n  }\n",
                  needle="r(\"coupon\")", exc="java.util.NoSuchElementException", msg="key not found: coupon"),
    "Rust": dict(old="        Ok(row)\n", new="        let ratio = row.weights[row.slot as usize];\n        Ok(row.scaled(ratio))\n",
                 needle="let ratio = row.weights[row.slot as usize];", exc="index out of bounds: the len is 4 but the index is 7", msg=""),
    "C#": dict(old="        return row;\n", new="        row.Region = _regions[row.CountryCode].Name;\n        return row;\n",
               needle="row.Region = _regions[row.CountryCode].Name;", exc="System.Collections.Generic.KeyNotFoundException",
               msg="The given key 'XK' was not present in the dictionary."),
}

VARIANTS = [
    dict(lang="Scala", svc="coupon-engine", caller="cart-api", team="growth", routes=["/coupons/apply"], share=0.5,
         other=("platform-ingress", "config: enable HTTP/2 upstream keepalive")),
    dict(lang="Rust", svc="ranker", caller="feed-api", team="feed", routes=["/rank", "/rank/batch"], share=0.6,
         other=("feature-flags", "flag ranker_v3_weights -> 100%")),
    dict(lang="C#", svc="tax-calculator", caller="checkout-api", team="finance", routes=["/api/tax/quote"], share=0.35,
         other=("service-mesh", "mesh: retry budget 20% -> 10%")),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    e = EDITS[L]
    b.make_repo(svc, {"server": {"port": 8080, "request_timeout_ms": 2000}, "pool": {"size": 16}}, history=6)
    prior_release(b, svc)
    dep_at = b.at(-8)
    core = b.lang.core_path
    other_file = b.lang.config_path
    ver, (bad, risky), _, _ = release(
        b, svc,
        [("feature: apply the computed adjustment when loading", None, [(core, e["old"], e["new"])]),
         ("perf: rewrite connection pool sizing (risky, see RFC-212)", {f"docs/rfc-212.md": "# RFC 212\n\npool sizing by cores\n",
                                                                       "src/pool_sizing.txt": "cores*2\n"}, None)],
        dep_at, decoys=[("docs: changelog wording", {"docs/notes.md": "# Notes\n\nwording\n"}, None)])
    o_svc, o_what = p["other"]
    b.deploy(o_svc, o_what, None, dep_at + minutes(2), kind="config")
    line = b.repo.line_of(core, e["needle"])
    onset = dep_at + minutes(1.5)
    trace = b.trace(e["exc"], e["msg"], [(core, line, b.lang.func("load")), b.handle_frame("load")])

    def on_fail(sl, t, rng, route):
        sl.error(t, f"request failed {route}", logger="http", trace=trace, status=500)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.2)
    sl.info(dep_at, f"{svc} {ver} started", logger="main")
    b.noise(sl, b.start, b.end, 450, "WARN", "pool: waited 40ms for a connection", logger="pool")
    caller_side(b, p["caller"], svc, onset, share)
    b.http_metrics(svc, lambda t: 9.0, share, lambda t: 0.08)
    b.http_metrics(p["caller"], lambda t: 15.0, lambda t: share(t) * 0.5, lambda t: 0.12)
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc} 5xx ratio {int(p['share'] * 100)}%", f"{svc} 5xx ratio {p['share']} over 5m.",
                value=p["share"], threshold=0.05)
    b.set_truth(svc, f"{ver}'s commit 'apply the computed adjustment when loading' dereferences a value that is absent for some records "
                     f"({e['exc']}); the pool rewrite in the same release and the {o_svc} change two minutes later are unrelated.",
                [e["exc"], f"{core}:{line}"],
                [("Confirm the exceptions started with the release and fail in load", "READ"), (f"Roll {svc} back to the previous release", "REVERSIBLE"), ("Guard the missing value in load", "REVERSIBLE")],
                ["the pool-sizing commit of the same release", f"{o_svc} change two minutes later", "pool wait warnings"],
                suspect=(bad, core, line))
    return {"title": f"{svc}: 5xx after {ver}", "primary": svc,
            "narrative": f"{svc} fails requests since {onset:%H:%M} UTC; {ver} deployed at {dep_at:%H:%M}, {o_svc} changed at {dep_at + minutes(2):%H:%M}."}
