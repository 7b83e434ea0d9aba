"""The hosted identity provider (OAuth/OIDC) has its own incident: its token endpoint answers 503 or times out for most
code exchanges and its JWKS endpoint is slow, so new logins fail while requests with an existing session keep working.
The service deployed a login-page copy change twelve minutes earlier and changed its session cookie lifetime in its
config file the day before; neither is involved. Other outbound calls (payments, email) are healthy."""
from stories import minutes, op_error, prior_release, release, step

KIND = {
    "name": "identity-provider-outage",
    "category": "dependency-failure",
    "severity": "P1",
    "inspired_by": "https://status.auth0.com/incidents/mdvjz43ydzb9 (Auth0 authentication API failing intermittently because of its "
                   "provider's network) and https://auth0.statuspage.io/incidents/b6jwvpxb300t (logins failing on an upstream "
                   "identity API's timeouts); companies invented",
}

VARIANTS = [
    dict(lang="Kotlin", svc="web-login", team="identity", idp="northwind-prod.eu.auth0.com", share=0.78,
         exc="org.springframework.web.client.HttpServerErrorException$ServiceUnavailable",
         msg='503 Service Unavailable: "{"error":"temporarily_unavailable","error_description":"Service is temporarily unavailable"}"'),
    dict(lang="Elixir", svc="member-portal", team="members", idp="login.okta-emea.example-idp.com", share=0.65,
         exc="Req.TransportError", msg="timeout"),
    dict(lang="PHP", svc="customer-account", team="accounts", idp="sso.keycloak-cloud.example", share=0.85,
         exc="Symfony\\Component\\HttpClient\\Exception\\ServerException",
         msg='HTTP/2 503 returned for "https://sso.keycloak-cloud.example/realms/customers/protocol/openid-connect/token".'),
]


def build(b, p):
    svc, idp = p["svc"], p["idp"]
    b.make_repo(svc, {"oidc": {"issuer": f"https://{idp}/", "timeout_ms": 5000}, "session": {"cookie_ttl_h": 12}}, history=7)
    prior_release(b, svc)
    b.edit_config("session: cookie lifetime 12h -> 24h", "session", "cookie_ttl_h", 24, at=b.at(-60 * 30))
    dep_at = b.at(-12)
    ver, _, _, _ = release(b, svc, [("login: new copy on the sign-in page", {"docs/login.md": "# Sign-in\n\nWelcome back.\n"}, None)], dep_at)
    onset = b.at(-8)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    sl = b.svc(svc)
    trace = op_error(b, "fetch", p["exc"], p["msg"])

    def req(t, rng):
        r = rng.random()
        if r < 0.35:  # login callbacks: code exchange at the IdP
            if rng.random() < share(t):
                sl.error(t, f"GET /login/callback 502: token exchange with https://{idp} failed", logger="auth", trace=trace, status=502)
                return
            sl.info(t, "GET /login/callback 302", logger="access", status=302, duration_ms=rng.randint(120, 400))
        elif r < 0.45:
            if rng.random() < share(t) * 0.5:
                sl.warn(t, f"JWKS refresh from https://{idp}/.well-known/jwks.json took {rng.randint(4000, 5000)}ms; using cached keys", logger="auth")
                return
            sl.info(t, "POST /api/payments/intent 200", logger="access", status=200, duration_ms=rng.randint(80, 260))
        else:
            sl.info(t, rng.choice(["GET /account 200", "GET /account/orders 200", "GET /api/me 200"]), logger="access", status=200,
                    duration_ms=rng.randint(20, 120), session="existing")
    sl.stream(b.start, b.end, 0.24, req)
    sl.info(dep_at, f"{svc} {ver} started", logger="main")
    b.noise(sl, b.start, b.end, 450, "WARN", "email provider: bounce webhook for unknown message id", logger="mail")
    b.noise(sl, b.start, b.end, 1100, "ERROR", "csp report: blocked inline script on /help", logger="csp")
    b.http_metrics(svc, lambda t: 14.0, lambda t: share(t) * 0.35, lambda t: 0.2 if t < onset else 1.9)
    for ep, f in (("token", lambda t: share(t)), ("jwks", lambda t: share(t) * 0.3), ("userinfo", lambda t: share(t) * 0.8)):
        b.counter(svc, "outbound_requests", "outbound HTTP requests by host and result", {"host": idp, "endpoint": ep, "result": "error"},
                  lambda t, i, f=f: 0.01 + 4.0 * f(t))
        b.counter(svc, "outbound_requests", "outbound HTTP requests by host and result", {"host": idp, "endpoint": ep, "result": "ok"},
                  lambda t, i, f=f: 4.0 * (1 - f(t)))
    b.counter(svc, "outbound_requests", "outbound HTTP requests by host and result", {"host": "api.payments.example", "endpoint": "intents", "result": "ok"},
              lambda t, i: 1.4)
    b.counter(svc, "logins", "login attempts by outcome", {"outcome": "failed"}, lambda t, i: 0.05 + 3.0 * share(t))
    b.counter(svc, "logins", "login attempts by outcome", {"outcome": "succeeded"}, lambda t, i: 3.0 * (1 - share(t)))
    b.metrics.gauge("probe_success", "blackbox probe result", {"instance": f"https://{idp}/.well-known/openid-configuration"},
                    lambda t, i: 0 if t >= onset and b.rng.random() < p["share"] else 1, 0)
    b.cpu_mem(svc)
    b.set_alert(svc, "LoginSuccessRateLow", f"{svc}: login success rate {int((1 - p['share']) * 100)}%",
                f"{svc} login success below 90% for 5m; callbacks failing with 502.", value=round(1 - p["share"], 2), threshold=0.9)
    b.set_truth(svc, f"The identity provider {idp} is failing (token endpoint 503/timeouts, slow JWKS) since {onset:%H:%M}; {int(p['share'] * 100)}% of "
                     f"{svc}'s login code exchanges fail, so new logins fail while existing sessions work. {svc}'s deploy and config change are "
                     "not involved (other outbound calls are fine).",
                [f"token exchange with https://{idp} failed", "outbound_requests_total{endpoint=\"token\",result=\"error\"}", "probe_success",
                 "JWKS refresh", "logins_total{outcome=\"failed\"}"],
                [(f"Check {idp}'s status page and the probe; confirm only IdP calls fail", "READ"),
                 ("Extend existing sessions / show a login-degraded banner", "REVERSIBLE"),
                 ("Escalate to the identity provider's support", "READ")],
                [f"{svc} {ver} deploy 12 minutes earlier (login page copy)", "session cookie lifetime change the day before",
                 "email bounce warnings", "CSP report errors"])
    return {"title": f"{svc}: users cannot log in", "primary": svc,
            "narrative": f"Support reports failed logins since about {onset:%H:%M} UTC. {svc} {ver} shipped at {dep_at:%H:%M}."}
