"""An upstream producer (another team's service, deployed minutes earlier) starts sending a new value of an enumerated
field. The consumer's strict deserializer rejects every record carrying it, so about one record in eight goes to the
dead-letter queue and the downstream view silently misses those records; everything else flows. The consumer itself
did not change (its own release from the day before is a red herring), the broker's rebalance notice is noise. The
fix is on the consumer (accept unknown values) and the dead-lettered records must be replayed."""
from stories import minutes, op_error, prior_release, release, step

KIND = {
    "name": "unknown-enum-from-upstream",
    "category": "data/schema",
    "severity": "P2",
    "inspired_by": "https://errorcanon.top/errors/data/protobuf-unknown-enum-value/ (readers rejecting a newly added enum value) and "
                   "https://github.com/FasterXML/jackson-dataformats-binary/issues/398 (unknown enum values: fail or fall back); "
                   "companies invented",
}

VARIANTS = [
    dict(lang="Java", svc="fulfilment-consumer", up="order-service", topic="orders.v1", team="fulfilment", value="ON_HOLD", share=0.13,
         exc="com.fasterxml.jackson.databind.exc.InvalidFormatException",
         msg='Cannot deserialize value of type `OrderStatus` from String "ON_HOLD": not one of the values accepted for Enum class: '
             '[PAID, CANCELLED, PENDING, SHIPPED]', dlq_alert=False),
    dict(lang="Rust", svc="billing-ingest", up="charging-sessions", topic="sessions.completed", team="energy", value="ev_charger", share=0.11,
         exc=None, msg="unknown variant `ev_charger`, expected one of `fuel`, `parking`, `toll` at line 1 column 214", dlq_alert=True, source="cloudwatch"),
    dict(lang="Python", svc="tracking-updater", up="carrier-gateway", topic="shipments.events", team="tracking", value="held_at_customs", share=0.15,
         exc="pydantic_core._pydantic_core.ValidationError",
         msg="1 validation error for ShipmentEvent\nstatus\n  Input should be 'created', 'in_transit', 'out_for_delivery' or 'delivered' "
             "[type=enum, input_value='held_at_customs', input_type=str]", dlq_alert=False),
]


def build(b, p):
    svc, up, topic = p["svc"], p["up"], p["topic"]
    b.make_repo(svc, {"consumer": {"topic": topic, "group": f"{svc}-group", "dlq": f"{topic}.dlq"}, "db": {"pool_size": 10}}, history=7)
    prior_release(b, svc)
    dep_at = b.at(-60 * 22)
    ver, _, _, _ = release(b, svc, [("metrics: count processed records per partition", {"docs/metrics.md": "# Metrics\n\n- processed per partition\n"}, None)], dep_at)
    up_at = b.at(-13)
    b.deploy(up, f"2026.{b.rng.randint(10, 60)}.3", None, up_at)
    onset = up_at + minutes(1.5)
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    sl = b.svc(svc)
    trace = op_error(b, "load", p["exc"], p["msg"]) if p["exc"] else None

    def rec(t, rng):
        off = rng.randint(10 ** 6, 9 * 10 ** 6)
        part = rng.randint(0, 11)
        if rng.random() < share(t):
            if trace:
                sl.error(t, f"failed to process record {topic}-{part}@{off}; sent to {topic}.dlq", logger="consumer", trace=trace)
            else:
                sl.error(t, f"failed to decode record {topic}-{part}@{off}: {p['msg']}; sent to {topic}.dlq", logger="billing_ingest::consumer")
            return
        sl.info(t, f"processed record {topic}-{part}@{off}", logger="consumer", duration_ms=rng.randint(2, 40))
    sl.stream(b.start, b.end, 0.22, rec)
    sl.info(dep_at + minutes(1), f"{svc} {ver} started", logger="main")
    b.noise(sl, b.start, b.end, 600, "WARN", f"consumer group {svc}-group rebalanced: partitions reassigned (member joined)", logger="kafka")
    b.noise(sl, b.start, b.end, 1100, "ERROR", "schema registry: GET /subjects took 2200ms, using cached schema", logger="registry")
    ul = b.svc(up)

    def uprec(t, rng):
        v = p["value"] if rng.random() < share(t) else rng.choice(["PAID", "PENDING", "SHIPPED"] if p["lang"] == "Java" else ["created", "in_transit", "fuel"])
        ul.info(t, f"published event to {topic}", logger="producer", status=v, key=f"{rng.randrange(16 ** 8):08x}")
    ul.stream(b.start, b.end, 0.12, uprec)
    ul.info(up_at, f"{up} started: now emits status {p['value']} (see changelog)", logger="main")
    n = b.names(svc)
    b.counter(svc, "records_processed", "records consumed by outcome", {"topic": topic, "outcome": "ok"}, lambda t, i: 30 * (1 - share(t)))
    b.counter(svc, "records_processed", "records consumed by outcome", {"topic": topic, "outcome": "dead_lettered"}, lambda t, i: 0.001 + 30 * share(t))
    b.gauge(svc, "dlq_depth", "messages in the dead-letter queue", {"queue": f"{topic}.dlq"},
            lambda t, i: 3 if t < onset else 3 + int(30 * p["share"] * (t - onset).total_seconds()), 0)
    b.gauge(svc, "consumer_lag", "consumer group lag (messages)", {"topic": topic, "group": f"{svc}-group"}, lambda t, i: 40 + 20 * b.rng.random(), 0)
    b.cpu_mem(svc)
    if p["dlq_alert"]:
        q = f"{topic.replace('.', '-')}-dlq"
        b.set_alert(svc, "DLQNotEmpty", f"SQS {q}: ApproximateNumberOfMessagesVisible above 100", f"Dead-letter queue {q} is growing.",
                    metric="ApproximateNumberOfMessagesVisible", value=int(30 * p["share"] * 600), threshold=100, namespace="AWS/SQS",
                    dims=[{"value": q, "name": "QueueName"}])
        b.alert_service = None  # the alarm names only the queue
    else:
        b.set_alert(svc, "DeadLetteredRecords", f"{svc}: {int(p['share'] * 100)}% of {topic} records dead-lettered",
                    f"{svc} dead-letters records of {topic} since {onset:%H:%M} UTC; dlq depth rising.", value=p["share"], threshold=0.01)
    b.set_truth(svc, f"{up} (deployed {up_at:%H:%M}) started emitting the new value '{p['value']}' on {topic}; {svc}'s strict decoder rejects "
                     f"it, so ~{int(p['share'] * 100)}% of records are dead-lettered and missing downstream. {svc} did not change.",
                [p["msg"].split("\n")[0], f"'{p['value']}' / {p['value']}", "records_processed_total{outcome=\"dead_lettered\"}", "dlq_depth",
                 f"{up} deploy at {up_at:%H:%M}"],
                [(f"Confirm every dead-lettered record carries '{p['value']}'", "READ"),
                 (f"Accept unknown values in {svc}'s decoder (map to a fallback) and redeploy", "REVERSIBLE"),
                 (f"Replay {topic}.dlq after the fix", "REVERSIBLE")],
                [f"{svc} {ver} the day before", "consumer group rebalance notices", "schema registry slowness"])
    b.extra_scenario["note"] = "the trigger is another service's deploy; the failing (and fixed) service is the consumer"
    return {"title": f"{svc}: records dead-lettered", "primary": svc,
            "narrative": f"{svc} dead-letters part of {topic} since about {onset:%H:%M} UTC; operations see missing {topic.split('.')[0]} updates."}
