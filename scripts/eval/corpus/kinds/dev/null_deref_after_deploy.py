"""A release dereferences an optional value that is missing for part of the data (Go nil pointer, Rust unwrap on
None, Kotlin `!!`): requests for the affected records crash right after the rollout. Decoy commits in the same
release, one of them in the same file and newer; in one variant a second service changes at the same time."""
from stories import caller_side, http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "null-deref-after-deploy",
    "category": "bad-deploy-code",
    "severity": "P1",
    "inspired_by": "Google Cloud 2025-06-12 Service Control outage (new code path dereferenced blank policy fields) and "
                   "Cloudflare 2025-11-18 (an unwrap on an unexpected value in Rust proxy code); companies invented",
}

EDITS = {
    "Go": dict(old="\treturn scanItem(row)",
               new="\tit, err := scanItem(row)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\tit.Discount = s.promos[it.Category].Rate\n\treturn it, nil",
               needle="it.Discount = s.promos[it.Category].Rate", exc="runtime error",
               msg="invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x10 pc=0x8c2f14]",
               feature="apply category promotions when loading items",
               decoy_old="\ts.cache.Set(ctx, \"item:\"+id, it, 0)", decoy_new="\ts.cache.Set(ctx, \"item:\"+id, it, 10*time.Minute)"),
    "Rust": dict(old="        Ok(row)\n", new="        let tier = self.tiers.get(&row.tier_id).unwrap();\n        Ok(row.with_tier(tier))\n",
                 needle="let tier = self.tiers.get(&row.tier_id).unwrap();", exc="called `Option::unwrap()` on a `None` value", msg="",
                 feature="attach the pricing tier to loaded items",
                 decoy_old=", 300).await?;", decoy_new=", 600).await?;"),
    "Kotlin": dict(old="        return row\n", new="        val region = row[\"region\"]!!.toString()\n        return row + (\"zone\" to zoneFor(region))\n",
                   needle="val region = row[\"region\"]!!.toString()", exc="java.lang.NullPointerException", msg="",
                   feature="route items to their delivery zone",
                   decoy_old="cache.opsForValue().set(\"item:$key\", value)", decoy_new="cache.opsForValue().set(\"item:$key\", value, java.time.Duration.ofMinutes(10))"),
}

VARIANTS = [
    dict(lang="Go", svc="catalog-svc", caller="storefront-gw", team="catalog", routes=["/v2/products/{id}", "/v2/products"],
         share=0.42, decoy_same_file=True, second_change=None),
    dict(lang="Rust", svc="quote-engine", caller="edge-proxy", team="pricing", routes=["/quote", "/quote/batch"],
         share=0.7, decoy_same_file=False, second_change=("edge-proxy", "config: raise keepalive to 75s")),
    dict(lang="Kotlin", svc="parcel-router", caller="mobile-bff", team="delivery", routes=["/v1/parcels/{id}/route"],
         share=0.33, decoy_same_file=True, second_change=("feature-flags", "flag parcel_eta_v2 -> 50%")),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    e = EDITS[L]
    b.make_repo(svc, {"server": {"port": 8080, "request_timeout_ms": 3000}, "cache": {"ttl_s": 300}}, history=7)
    prev = prior_release(b, svc)
    dep_at = b.at(-11)
    core = b.lang.core_path
    decoys = [("docs: owners", {"README.md": b.repo.state["README.md"] + f"\nOwners: {p['team']}\n"}, None)]
    if p["decoy_same_file"]:
        decoys.append(("cache: expire cached items after 10 minutes", None, [(core, e["decoy_old"], e["decoy_new"])]))
    ver, (bad,), _, _ = release(b, svc, [(e["feature"], None, [(core, e["old"], e["new"])])], dep_at, decoys)
    if p["second_change"]:
        s2, what = p["second_change"]
        b.deploy(s2, what, None, dep_at + minutes(1), kind="config")
    line = b.repo.line_of(core, e["needle"])
    onset = dep_at + minutes(1.5)
    top = (core, line, b.lang.func("load"))
    trace = b.trace(e["exc"], e["msg"], [top, b.handle_frame("load")])

    def on_fail(sl, t, rng, route):
        sl.error(t, f"panic serving request {route}" if L == "Go" else f"request failed {route}", logger="http", trace=trace,
                 status=500)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.2)
    sl.info(dep_at, f"{svc} {ver} started", logger="main")
    b.noise(sl, b.start, b.end, 500, "WARN", "slow cache refresh took 1.8s", logger="cache")
    b.noise(sl, b.start, b.end, 1100, "ERROR", "client disconnected before response was written", logger="http")
    caller_side(b, p["caller"], svc, onset, share)
    b.http_metrics(svc, lambda t: 9.0, share, lambda t: 0.09)
    b.http_metrics(p["caller"], lambda t: 14.0, lambda t: share(t) * 0.6, lambda t: 0.12)
    b.cpu_mem(svc)
    n = b.names(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc} 5xx ratio {int(p['share'] * 100)}%",
                f"5xx share of {svc} requests over 5m is {p['share']} (threshold 0.05).", metric=n.requests() + "_total",
                value=p["share"], threshold=0.05)
    rh = ["slow cache refresh warnings (all hour)", "client disconnected errors (before the deploy)",
          "the chore commit in the same release"]
    if p["decoy_same_file"]:
        rh.append(f"the newer cache-expiry commit in the same release, which touched {core} too")
    if p["second_change"]:
        rh.append(f"{p['second_change'][0]} change at the same time ({p['second_change'][1]})")
    b.set_truth(svc, f"{ver} ('{e['feature']}') dereferences a value that is absent for part of the records at {core}:{line}, "
                     f"so about {int(p['share'] * 100)}% of requests crash with {e['exc']}.",
                [e["exc"], f"{core}:{line}", f"{n.requests()}_total{{{n.status_label()}=\"500\"}}"],
                [("Confirm the crashes began with the rollout and only hit records without the optional value", "READ"),
                 (f"Roll {svc} back to {prev}", "REVERSIBLE"),
                 ("Handle the missing value explicitly and add a test with a legacy record", "REVERSIBLE")],
                rh, suspect=(bad, core, line))
    return {"title": f"{svc}: requests crash ({L}) after {ver}", "primary": svc,
            "narrative": f"{p['caller']} reports 5xx from {svc} since shortly after {dep_at:%H:%M} UTC, when {svc} {ver} rolled out. "
                         "Some customers are unaffected."}
