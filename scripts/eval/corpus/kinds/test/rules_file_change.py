"""A rules file shipped in the repository (WAF/routing/feature rules) gets one bad rule: a catastrophic regex, a deny
pattern that matches everything, or a route to a backend that does not exist. The suspect is the rules file line."""
from stories import http_failures, minutes, prior_release, release, step

KIND = {
    "name": "rules-file-change",
    "category": "config-change",
    "severity": "P1",
    "inspired_by": "Cloudflare 2019-07-02 (a WAF regex with catastrophic backtracking) and Fastly 2021-06-08 (a configuration triggering a latent bug); companies invented",
}

VARIANTS = [
    dict(lang="Node.js", svc="edge-waf", team="security", file="rules/waf-rules.yaml", share=0.6,
         good='  - id: sqli-basic\n    match: "(?:union\\\\s+select)"\n    action: block\n',
         bad='  - id: xss-attr\n    match: "(?:(?:\\"|\'|\\\\]|\\\\}|\\\\\\\\|\\\\d|(?:nan|infinity|true|false|null|undefined|symbol|math)|\\\\`|\\\\-|\\\\+)+[)]*;?((?:\\\\s|-|~|!|{}|\\\\|\\\\||\\\\+)*.*(?:.*=.*)))"\n    action: block\n',
         needle="id: xss-attr", effect="the new xss-attr regex backtracks catastrophically, CPU pins at 100% and requests time out",
         err="request timed out after 30000ms in rule evaluation", status=504),
    dict(lang="Go", svc="api-shield", team="platform", file="rules/deny.yaml", share=0.95,
         good='  - name: block-admin-from-internet\n    path_prefix: "/admin"\n    action: deny\n',
         bad='  - name: block-legacy-export\n    path_prefix: "/"\n    action: deny\n',
         needle="name: block-legacy-export", effect="a deny rule with path_prefix \"/\" matches every request and answers 403",
         err="denied by rule block-legacy-export", status=403),
    dict(lang="Rust", svc="traffic-router", team="edge", file="rules/routes.yaml", share=0.5,
         good='  - prefix: /v1/\n    backend: search-v1\n    weight: 100\n',
         bad='  - prefix: /v2/\n    backend: search-v2\n    weight: 100\n',
         needle="backend: search-v2", effect="a route sends /v2/ traffic to backend search-v2, which is not deployed, so those requests get 502 no healthy upstream",
         err="no healthy upstream for backend search-v2", status=502),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"rules": {"file": p["file"], "reload_s": 30}}, {p["file"]: "rules:\n" + p["good"]}, history=6)
    prev = prior_release(b, svc)
    dep_at = b.at(-9)
    ver, (bad,), _, _ = release(b, svc, [(f"rules: add {p['needle'].split(': ')[1]}", {p["file"]: b.repo.state[p["file"]] + p["bad"]}, None)], dep_at,
                                decoys=[("chore: bump base image", {"Dockerfile": b.repo.state["Dockerfile"] + "RUN true\n"}, None)], kind="config")
    line = b.repo.line_of(p["file"], p["needle"])
    onset = dep_at + minutes(0.5)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.line(t, "WARN" if p["status"] == 403 else "ERROR", f"{route} {p['status']}: {p['err']}", logger="rules", status=p["status"])
    routes = ["/v1/search", "/v2/search", "/checkout", "/account"]
    sl = http_failures(b, svc, routes, onset, share, on_fail, rate=0.22)
    sl.info(onset, f"rules reloaded from {p['file']} ({p['file'].count('/') + 1} files, {len(b.repo.state[p['file']].splitlines()) // 3} rules)", logger="rules")
    b.noise(sl, b.start, b.end, 500, "WARN", "upstream keepalive connection reset", logger="proxy")
    b.http_metrics(svc, lambda t: 25.0, share, lambda t: 0.03 if t < onset else (25 if p["status"] == 504 else 0.03))
    b.cpu_mem(svc, cpu=lambda t: 3.9 if (t >= onset and p["status"] == 504) else 0.6)
    b.deploy("search-v1", "3.1.4", None, b.at(-120))
    b.set_alert(svc, "EdgeErrors", f"{svc}: {int(p['share'] * 100)}% of requests answered {p['status']}",
                f"{svc} non-2xx ratio {p['share']} since {onset:%H:%M} UTC.", value=p["share"], threshold=0.05)
    b.set_truth(svc, f"{ver} added a rule to {p['file']}: {p['effect']}.",
                [p["err"], f"{p['file']}:{line}", "rules reloaded"],
                [(f"Diff {p['file']} between {prev} and {ver}", "READ"),
                 (f"Revert the rule (roll {svc} back to {prev})", "REVERSIBLE"),
                 ("Add a rules test (regex complexity / catch-all patterns / unknown backends) to CI", "REVERSIBLE")],
                ["keepalive reset warnings", "base image bump in the same release", "search-v1 deploy two hours earlier"],
                suspect=(bad, p["file"], line))
    return {"title": f"{svc}: requests failing with {p['status']} after {ver}", "primary": svc,
            "narrative": f"Users get {p['status']} errors since {onset:%H:%M} UTC. {svc} {ver} went out at {dep_at:%H:%M}."}
