"""The service's Redis cache reaches maxmemory with the noeviction policy: every write (SET) fails with OOM while
reads still work. Capacity of a resource the engine's usual vocabulary (CPU, memory, pool) does not name."""
from stories import http_failures, minutes, op_error, prior_release, step

KIND = {
    "name": "cache-maxmemory-oom",
    "category": "capacity/resource-exhaustion",
    "severity": "P2",
    "inspired_by": "GitLab and Discourse write-ups of Redis hitting maxmemory with noeviction (OOM command not allowed); companies invented",
}

ERR = {"Node.js": ("ReplyError", "OOM command not allowed when used memory > 'maxmemory'."),
       "Ruby": ("Redis::CommandError", "OOM command not allowed when used memory > 'maxmemory'."),
       "PHP": ("Predis\\Response\\ServerException", "OOM command not allowed when used memory > 'maxmemory'.")}

VARIANTS = [
    dict(lang="Node.js", svc="session-api", redis="session-redis", team="identity", routes=["/v1/sessions", "/v1/sessions/{id}"], gb=2, share=0.38),
    dict(lang="Ruby", svc="cart-service", redis="cart-redis", team="checkout", routes=["/carts/{id}", "/carts/{id}/items"], gb=4, share=0.5),
    dict(lang="PHP", svc="feed-renderer", redis="feed-cache", team="content", routes=["/feed", "/feed/{user}"], gb=1, share=0.62),
]


def build(b, p):
    svc, rd = p["svc"], p["redis"]
    b.make_repo(svc, {"cache": {"host": rd, "ttl_s": 86400, "pool_size": 20}, "upstream": {"timeout_s": 3}}, history=7)
    prior_release(b, svc, days_ago=9)
    b.deploy("web-frontend", "2026.02.1", None, b.at(-50))
    onset = b.at(-9)
    exc, msg = ERR[p["lang"]]
    trace = op_error(b, "cache_put", exc, msg)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"cache write failed for {route}", logger="cache", trace=trace, status=500)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail)
    b.noise(sl, b.start, b.end, 700, "WARN", "upstream slow response 1.4s", logger="http")
    r = b.svc(rd, style="plain")
    maxb = p["gb"] * 1024 ** 3
    pid = b.rng.randint(1, 9)
    r.log.add(b.start, f"{pid}:M {b.start:%d %b %Y %H:%M:%S}.001 * 1 changes in 3600 seconds. Saving...")
    def bg(t, rng):
        if t < onset:
            r.log.add(t, f"{pid}:M {t:%d %b %Y %H:%M:%S}.{rng.randint(100, 999)} * Background saving started by pid {rng.randint(1000, 9000)}")
            r.log.add(t, f"{pid}:C {t:%d %b %Y %H:%M:%S}.{rng.randint(100, 999)} * DB saved on disk")
        else:
            r.log.add(t, f"{pid}:M {t:%d %b %Y %H:%M:%S}.{rng.randint(100, 999)} # WARNING: used memory {maxb + rng.randint(1, 900000)} > maxmemory {maxb}, maxmemory-policy noeviction: rejecting writes")
    r.stream(b.start, b.end, 1 / 20, bg)
    r.every(b.start, b.end, 15, lambda t, rng: r.log.add(t, f"{pid}:M {t:%d %b %Y %H:%M:%S}.000 - Accepted 10.4.{rng.randint(0, 9)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)}"))
    b.http_metrics(svc, lambda t: 11.0, share, lambda t: 0.05 if t < onset else 0.09)
    used = b.gauge(rd, "redis_memory_used_bytes", "used memory", {}, lambda t, i: min(maxb, maxb * 0.93 + (t - b.start).total_seconds() * maxb * 0.07 / 3060), 0)
    b.gauge(rd, "redis_memory_max_bytes", "maxmemory", {}, lambda t, i: maxb, 0)
    b.counter(rd, "redis_evicted_keys", "evicted keys", {}, lambda t, i: 0)
    rej = b.counter(rd, "redis_commands_rejected_calls", "rejected commands", {"cmd": "set"}, lambda t, i: 0 if t < onset else 6.5 * p["share"])
    b.cpu_mem(svc)
    b.set_alert(svc, "CacheWriteErrors", f"{svc}: {int(p['share'] * 100)}% of requests fail with 500",
                f"{svc} error ratio {p['share']} over 5m (threshold 0.05).", value=p["share"], threshold=0.05)
    b.set_truth(svc, f"{rd} reached its {p['gb']} GiB maxmemory with maxmemory-policy noeviction, so every SET is rejected with OOM and {svc} "
                     f"answers 500 on requests that write the cache; nothing was deployed.",
                [msg, f"{used} at redis_memory_max_bytes", rej, "maxmemory-policy noeviction"],
                [(f"Check INFO memory on {rd} and the biggest key patterns (redis-cli --bigkeys)", "READ"),
                 (f"Raise maxmemory on {rd} or switch to allkeys-lru so writes succeed", "REVERSIBLE"),
                 ("Set TTLs on the keys that lack one", "REVERSIBLE"),
                 (f"FLUSHDB on {rd} only with the owner's approval", "DESTRUCTIVE")],
                ["upstream slow response warnings", "web-frontend deploy 50 minutes earlier", "Redis background saves"])
    return {"title": f"{svc}: requests fail with 500", "primary": svc,
            "narrative": f"{svc} returns 500 for about {int(p['share'] * 100)}% of requests since {onset:%H:%M} UTC. No deploy of {svc} today."}
