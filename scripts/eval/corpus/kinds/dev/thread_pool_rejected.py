"""A bounded worker pool (64 threads, queue 100) saturates after organic growth plus a slower dependency call: tasks
are rejected (RejectedExecutionException); CPU is low, nothing was deployed. Resource outside the usual vocabulary."""
from stories import http_failures, minutes, prior_release, step

KIND = {
    "name": "thread-pool-rejected",
    "category": "capacity/resource-exhaustion",
    "severity": "P2",
    "inspired_by": "Netflix Hystrix thread-pool rejection write-ups and Atlassian/Elastic 'es_rejected_execution_exception' incidents; companies invented",
}

VARIANTS = [
    dict(lang="Java", svc="pricing-engine", team="pricing", pool="quoteExecutor", routes=["/quotes", "/quotes/bulk"], share=0.3),
    dict(lang="Kotlin", svc="fraud-scorer", team="risk", pool="scoringPool", routes=["/score", "/score/batch"], share=0.4),
    dict(lang="Scala", svc="feed-ranker", team="feed", pool="rankingDispatcher", routes=["/rank", "/rank/home"], share=0.25),
]


def build(b, p):
    svc, pool = p["svc"], p["pool"]
    b.make_repo(svc, {"executor": {"core_size": 64, "max_size": 64, "queue_capacity": 100}}, history=6)
    prior_release(b, svc, days_ago=11)
    b.deploy("api-gateway", "5.2.0", None, b.at(-90))
    onset = b.at(-8)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731
    pkg = b.lang.pkg
    core = b.lang.core_path
    fr = b.frame("fetch")
    hf = b.handle_frame("fetch")

    def on_fail(sl, t, rng, route):
        trace = (f"java.util.concurrent.RejectedExecutionException: Task java.util.concurrent.FutureTask@{rng.getrandbits(28):x}"
                 f" rejected from java.util.concurrent.ThreadPoolExecutor@{rng.getrandbits(28):x}[Running, pool size = 64, active threads = 64, "
                 f"queued tasks = 100, completed tasks = {rng.randint(10 ** 6, 9 * 10 ** 6)}]\n"
                 "\tat java.base/java.util.concurrent.ThreadPoolExecutor$AbortPolicy.rejectedExecution(ThreadPoolExecutor.java:2081)\n"
                 "\tat java.base/java.util.concurrent.ThreadPoolExecutor.execute(ThreadPoolExecutor.java:1357)\n"
                 f"\tat {pkg}.core.ItemService.{fr[2]}({core.rsplit('/', 1)[1]}:{fr[1]})\n"
                 f"\tat {pkg}.core.ItemService.{hf[2]}({core.rsplit('/', 1)[1]}:{hf[1]})")
        sl.error(t, f"{route} rejected by {pool}", logger="executor", trace=trace, status=503)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.2)
    b.noise(sl, b.start, b.end, 480, "WARN", "Hikari housekeeper: thread starvation or clock leap detected", logger="db")
    b.noise(sl, b.start, b.end, 900, "WARN", "feature flag cache refresh took 950ms", logger="flags")
    load = lambda t: 0.7 + 0.3 * min(1, max(0, (t - b.start).total_seconds() / 3300))  # noqa: E731
    b.http_metrics(svc, lambda t: 20 * load(t), share, lambda t: 0.25 if t < onset else 1.8)
    b.gauge(svc, "executor_active_threads", "busy threads", {"name": pool}, lambda t, i: min(64, int(64 * load(t) * 0.95)) if t < onset else 64, 0)
    b.gauge(svc, "executor_pool_max_threads", "max threads", {"name": pool}, lambda t, i: 64, 0)
    b.gauge(svc, "executor_queued_tasks", "queued tasks", {"name": pool}, lambda t, i: int(60 * load(t)) if t < onset else 100, 0)
    rej = b.counter(svc, "executor_rejected_tasks", "rejected tasks", {"name": pool}, lambda t, i: 0 if t < onset else 20 * p["share"])
    b.cpu_mem(svc, cpu=lambda t: 0.45)
    b.set_alert(svc, "HighErrorRate", f"{svc}: {int(p['share'] * 100)}% of requests rejected with 503",
                f"{svc} 503 ratio {p['share']} for 5m.", value=p["share"], threshold=0.05)
    b.set_truth(svc, f"{svc}'s {pool} (64 threads, queue 100) is saturated: traffic grew ~40% over the hour and every slot is busy, so new tasks "
                     "are rejected (RejectedExecutionException) and answered 503 while CPU stays low; nothing was deployed.",
                ["RejectedExecutionException ... pool size = 64, active threads = 64, queued tasks = 100", rej, "executor_active_threads at executor_pool_max_threads"],
                [(f"Check {pool} utilisation and queue depth against traffic", "READ"),
                 (f"Scale {svc} out (more replicas) to add pool capacity", "REVERSIBLE"),
                 (f"Raise {pool} size/queue in config after checking downstream headroom", "REVERSIBLE")],
                ["Hikari thread starvation warnings", "api-gateway deploy 90 minutes earlier", "feature flag refresh warnings"])
    return {"title": f"{svc}: requests rejected with 503", "primary": svc,
            "narrative": f"{svc} 503 alert at {b.t0:%H:%M} UTC. CPU dashboards look fine; no deploy today."}
