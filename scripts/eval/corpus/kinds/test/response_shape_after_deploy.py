"""A release adapts to a new upstream response shape; the new code assumes a nested key that is absent for part of the
responses, and crashes (Ruby KeyError, PHP TypeError, Node TypeError). The release has several commits, the newest of
them touching the same file; another team changes something at the same time."""
from stories import caller_side, http_failures, minutes, prior_release, release, step

KIND = {
    "name": "response-shape-after-deploy",
    "category": "bad-deploy-code",
    "severity": "P1",
    "inspired_by": "Knight Capital 2012 and numerous 'assumed field present' regressions in public post-mortems (e.g. Heroku, Square); companies invented",
}

EDITS = {
    "Ruby": dict(old="    JSON.parse(resp.body)\n", new="    JSON.parse(resp.body).fetch(\"data\").fetch(\"attributes\")\n",
                 needle='JSON.parse(resp.body).fetch("data")', exc="KeyError", msg='key not found: "data"',
                 dold="    row.to_h\n", dnew="    row.to_h.transform_keys(&:to_sym)\n"),
    "PHP": dict(old="        return $resp->toArray();\n", new="        return array_map(fn ($i) => $i['sku'], $resp->toArray()['data']['items']);\n",
                needle="return array_map(fn ($i) => $i['sku']", exc="TypeError", msg="array_map(): Argument #2 ($array) must be of type array, null given",
                dold="        return $row ?: [];\n", dnew="        return $row ?? [];\n"),
    "Node.js": dict(old="    return resp.data;\n", new="    return resp.data.result.items.map((i) => ({ id: i.id, qty: i.qty }));\n",
                    needle="return resp.data.result.items.map(", exc="TypeError", msg="Cannot read properties of undefined (reading 'items')",
                    dold="    return rows[0];\n", dnew="    return rows[0] ?? null;\n"),
}

VARIANTS = [
    dict(lang="Ruby", svc="returns-portal", caller="help-center", team="support", routes=["/returns/{id}", "/returns"], share=0.4, second=("carrier-adapter", "2.8.0")),
    dict(lang="PHP", svc="catalog-sync", caller="shop-frontend", team="catalog", routes=["/sync/products", "/sync/products/{sku}"], share=0.55, second=None),
    dict(lang="Node.js", svc="basket-api", caller="mobile-gw", team="checkout", routes=["/basket", "/basket/items"], share=0.35, second=("pricing-rules", "rules 2026-05-12")),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    e = EDITS[L]
    b.make_repo(svc, {"upstream": {"timeout_s": 3, "cache_ttl_s": 300}}, history=7)
    prev = prior_release(b, svc)
    dep_at = b.at(-10)
    core = b.lang.core_path
    ver, (bad, other), _, _ = release(b, svc, [
        ("upstream: read items from the v2 response envelope", None, [(core, e["old"], e["new"])]),
        ("docs: v2 envelope notes", {"docs/upstream-v2.md": "# Upstream v2\n\nResponses are wrapped in an envelope.\n"}, None),
    ], dep_at, decoys=[("load: normalise empty rows", None, [(core, e["dold"], e["dnew"])])])
    if p["second"]:
        b.deploy(p["second"][0], p["second"][1], None, dep_at - minutes(2), status="succeeded")
    line = b.repo.line_of(core, e["needle"])
    onset = dep_at + minutes(1)
    trace = b.trace(e["exc"], e["msg"], [(core, line, b.lang.func("fetch")), b.handle_frame("fetch")])
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} 500", logger="http", trace=trace, status=500)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.18)
    b.noise(sl, b.start, b.end, 480, "WARN", "session cookie without SameSite attribute", logger="http")
    caller_side(b, p["caller"], svc, onset, share)
    b.http_metrics(svc, lambda t: 6.0, share, lambda t: 0.08)
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc} 5xx {int(p['share'] * 100)}%", f"{svc} 5xx ratio {p['share']} over 5m.", value=p["share"], threshold=0.05)
    rh = ["SameSite cookie warnings", "the docs commit and the newer 'normalise empty rows' commit in the same release (same file)"]
    if p["second"]:
        rh.append(f"{p['second'][0]} {p['second'][1]} deployed two minutes earlier")
    b.set_truth(svc, f"{ver} reads items from a v2 response envelope that part of the upstream responses do not have yet, so {svc} crashes with "
                     f"{e['exc']} at {core}:{line} for about {int(p['share'] * 100)}% of requests.",
                [e["msg"], f"{core}:{line}"],
                [("Confirm the errors began with the rollout and affect responses without the envelope", "READ"),
                 (f"Roll {svc} back to {prev}", "REVERSIBLE"),
                 ("Accept both response shapes and add a contract test", "REVERSIBLE")],
                rh, suspect=(bad, core, line))
    return {"title": f"{svc}: 500s after {ver}", "primary": svc,
            "narrative": f"{p['caller']} sees 5xx from {svc} since {onset:%H:%M} UTC. {svc} {ver} went out at {dep_at:%H:%M}."}
