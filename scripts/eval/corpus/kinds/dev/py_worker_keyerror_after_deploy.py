"""Python background worker raises KeyError right after a deploy: a new field is read from every task payload, but
messages produced by the older producer do not carry it. Impact shows only through the worker: failed-task counter,
retries, a growing queue and dead letters. The deploy carries decoy commits (one touches the same file later)."""

KIND = {
    "name": "py-worker-keyerror-after-deploy",
    "category": "bad-deploy-code",
    "severity": "P2",
    "inspired_by": "Common post-mortem pattern of a consumer that assumes a new message field before all producers send it "
                   "(e.g. Monzo and Sentry write-ups of queue consumers failing after a schema-assuming deploy); companies invented",
}

VARIANTS = [
    dict(lang="Python", svc="invoice-worker", producer="billing-api", task="render_invoice", entity="invoice",
         field="tax_region", queue="invoices", team="billing", decoy_same_file=True),
    dict(lang="Python", svc="shipment-sync", producer="orders-api", task="sync_shipment", entity="shipment",
         field="carrier_account", queue="shipments", team="logistics", decoy_same_file=False),
    dict(lang="Python", svc="payout-batcher", producer="ledger", task="queue_payout", entity="payout",
         field="iban_country", queue="payouts", team="payments", decoy_same_file=True),
]


def build(b, p):
    svc, task, ent, field = p["svc"], p["task"], p["entity"], p["field"]
    mod = svc.replace("-", "_")
    tasks_path = f"{mod}/tasks.py"
    tasks = f'''
        """Background tasks for {svc}."""
        import logging

        from {mod}.app import app

        log = logging.getLogger("{mod}.tasks")


        def _line_total(line):
            return round(line["qty"] * line["unit_price"], 2)


        def build_{ent}(payload):
            lines = payload.get("lines", [])
            total = sum(_line_total(item) for item in lines)
            return {{"id": payload["id"], "total": total, "currency": payload.get("currency", "EUR")}}


        @app.task(bind=True, max_retries=3, default_retry_delay=30)
        def {task}(self, payload):
            doc = build_{ent}(payload)
            log.info("{ent} built id=%s total=%s", doc["id"], doc["total"])
            return doc
        '''
    app_py = f'''
        from celery import Celery

        app = Celery("{mod}", broker="redis://redis-{svc}:6379/0")
        app.conf.task_acks_late = True
        app.conf.task_reject_on_worker_lost = True
        '''
    b.make_repo(svc, {"worker": {"concurrency": 8, "prefetch_multiplier": 4, "queue": p["queue"]},
                      "upstream": {"url": f"http://{p['producer']}.prod.svc:8080", "timeout_s": 5}},
                {tasks_path: tasks, f"{mod}/app.py": app_py}, history=6)
    b.lang.runtime = "celery"
    prev = f"v1.{b.next_minor - 1}.0" if b.next_minor > 1 else "v1.0.0"
    b.deploy(svc, prev, len(b.repo.commits) - 1, b.at(-60 * 24 * 6))
    # the release: feature commit (bad), then decoys
    bad = b.commit(f"{ent}: include {field} in the built document",
                   edits=[(tasks_path, '"currency": payload.get("currency", "EUR")}',
                           f'"currency": payload.get("currency", "EUR"),\n            "{field}": payload["{field}"]["code"]}}')],
                   at=b.at(-14 - 60 * 28))
    if p["decoy_same_file"]:
        b.commit(f"{ent}: log duration of {task}",
                 edits=[(tasks_path, f'log.info("{ent} built id=%s total=%s", doc["id"], doc["total"])',
                         f'log.info("{ent} built id=%s total=%s lines=%d", doc["id"], doc["total"], len(payload.get("lines", [])))')])
    b.commit("deps: bump requests to 2.32.3 and redis to 5.0.8",
             {"requirements.txt": b.repo.state["requirements.txt"] + "sentry-sdk==2.14.0\n"})
    ver = f"v1.{b.next_minor}.0"
    head = b.commit("release " + ver, {"CHANGELOG.md": f"# Changelog\n\n- {ver}: {field} on {ent}s, logging, deps\n"}, tag=ver)
    dep_at = b.at(-14)
    b.deploy(svc, ver, head, dep_at, status="succeeded")
    b.deploy(p["producer"], "2026." + str(b.rng.randint(10, 99)), None, b.at(-95))
    line = b.repo.line_of(tasks_path, f'payload["{field}"]')
    call = b.repo.line_of(tasks_path, f"doc = build_{ent}(payload)")
    frames = [(tasks_path, line, f"build_{ent}"), (tasks_path, call, task)]

    w = b.svc(svc)
    share = 0.55 + 0.1 * b.idx  # share of payloads from the old producer path
    onset = dep_at + __import__("datetime").timedelta(minutes=2)

    def fail(t, rng, jid):
        if t < onset or rng.random() > share:
            return False
        w.error(t, f"Task {mod}.tasks.{task}[{jid}] raised unexpected: KeyError('{field}')", logger="celery.app.trace",
                trace=b.trace("KeyError", f"'{field}'", frames), task=task, job_id=jid)
        if rng.random() < 0.3:
            w.warn(t, f"Task {mod}.tasks.{task}[{jid}] moved to dead letter queue {p['queue']}.dlq after 3 retries",
                   logger="worker", queue=p["queue"])
        return True
    b.jobs(w, b.start, b.end, 0.12, f"Task {mod}.tasks.{task} succeeded", fail)
    b.noise(w, b.start, b.end, 420, "WARN", "Connection to broker lost. Trying to re-establish the connection...",
            logger="celery.worker.consumer")
    b.noise(w, b.start, b.end, 900, "WARN", "Soft time limit (120s) exceeded for report export, retrying", logger="worker")
    w.info(dep_at, f"{svc} {ver} starting, concurrency=8, queue={p['queue']}", logger="worker")
    prod = b.svc(p["producer"])
    b.requests(prod, b.start, b.end, 0.2, [f"/v1/{ent}s", f"/v1/{ent}s/{{id}}"])
    b.noise(prod, b.start, b.end, 600, "WARN", "slow query 1.2s on report listing", logger="db")

    import datetime as dt
    fail_rate = lambda t, i: 0 if t < onset else 0.8 * share  # noqa: E731
    m = b.counter(svc, "tasks_failed", "tasks that raised", {"task": task}, fail_rate)
    b.counter(svc, "tasks_succeeded", "tasks done", {"task": task}, lambda t, i: 0.8 * (1 - (share if t >= onset else 0)))
    dlq = b.gauge(svc, "queue_depth", "messages waiting", {"queue": p["queue"] + ".dlq"},
                  lambda t, i: 0 if t < onset else int((t - onset).total_seconds() * 0.8 * share * 0.3))
    b.gauge(svc, "queue_depth", "messages waiting", {"queue": p["queue"]},
            lambda t, i: 12 + (0 if t < onset else int((t - onset).total_seconds() * 0.2)))
    b.http_metrics(p["producer"], lambda t: 4.0, lambda t: 0.002, lambda t: 0.18)
    b.cpu_mem(svc)

    b.set_alert(svc, f"{svc.title().replace('-', '')}TaskFailures", f"{svc}: {task} failure rate {int(share * 100)}% (threshold 5%)",
                f"{task} tasks are failing and being retried; {p['queue']} backlog and dead letters growing.",
                metric=m, value=round(share, 2), threshold=0.05, team=p["team"])
    b.set_truth(svc, f"{ver} made build_{ent} read payload['{field}'] unconditionally; payloads from {p['producer']}'s older path do not carry it, "
                     f"so about {int(share * 100)}% of {task} tasks raise KeyError, are retried and end in the dead letter queue.",
                [f"KeyError: '{field}'", f"{tasks_path}:{line}", m, f"{dlq}{{queue=\"{p['queue']}.dlq\"}}"],
                [(f"Confirm the KeyError started with the {ver} rollout and only hits payloads without {field}", "READ"),
                 (f"Roll {svc} back to {prev}", "REVERSIBLE"),
                 (f"Read {field} with a default in build_{ent} and replay the dead letter queue", "REVERSIBLE")],
                ["broker connection lost warnings (present all hour)", "soft time limit warnings on report export",
                 f"{p['producer']} deploy earlier", "dependency bump in the same release"]
                + ([f"the later logging commit in the same release that touched {tasks_path}"] if p["decoy_same_file"] else []),
                suspect=(bad, tasks_path, line))
    return {"title": f"{svc}: {task} tasks fail with KeyError after {ver}", "primary": svc,
            "narrative": f"{svc} failed-task alarm. The {p['queue']} backlog grows and support reports missing {ent}s. "
                         f"{svc} {ver} was deployed at {dep_at:%H:%M} UTC; {p['producer']} shipped earlier today."}
