"""One malformed message (written by a manual replay tool) blocks a partition: the consumer fails to deserialize it,
retries forever, lag grows on that partition only. The alert names only the consumer group."""
from stories import minutes, op_error, prior_release

KIND = {
    "name": "kafka-poison-message",
    "category": "data/schema",
    "severity": "P2",
    "inspired_by": "Uber/Confluent write-ups on poison pills and dead-letter queues in Kafka consumers; companies invented",
}

VARIANTS = [
    dict(lang="Java", svc="order-projector", group="order-projector-cg", topic="orders.v1", part=3, team="orders",
         exc="org.apache.kafka.common.errors.RecordDeserializationException",
         msg="Error deserializing key/value for partition orders.v1-3 at offset {off}. If needed, please seek past the record to continue consumption."),
    dict(lang="Kotlin", svc="ledger-indexer", group="ledger-indexer-group", topic="ledger.entries", part=7, team="finance",
         exc="com.fasterxml.jackson.databind.exc.MismatchedInputException",
         msg="Cannot deserialize value of type `java.math.BigDecimal` from String \"N/A\": not a valid representation (partition ledger.entries-7 offset {off})"),
    dict(lang="Python", svc="profile-sync", group="profile-sync.consumers", topic="profiles.changed", part=1, team="identity",
         exc="json.decoder.JSONDecodeError", msg="Expecting value: line 1 column 1 (char 0)"),
]


def build(b, p):
    svc, grp, topic, part = p["svc"], p["group"], p["topic"], p["part"]
    b.make_repo(svc, {"kafka": {"group_id": grp, "topic": topic, "max_poll_records": 200}}, history=6)
    prior_release(b, svc, days_ago=10)
    b.deploy("kafka-tools", f"replay {topic} from backup (manual, OPS-{b.rng.randint(100, 999)})", None, b.at(-18), kind="manual")
    onset = b.at(-17)
    off = b.rng.randint(10 ** 6, 9 * 10 ** 6)
    sl = b.svc(svc)

    def consume(t, rng):
        pp = rng.randrange(12)
        if t >= onset and rng.random() < 0.45:
            sl.error(t, f"failed to process record {topic}-{part}@{off}, retrying in 5s (attempt {rng.randint(20, 900)})", logger="consumer",
                     trace=op_error(b, "load", p["exc"], p["msg"].format(off=off)), partition=part, offset=off)
        else:
            if t >= onset and pp == part:
                pp = (pp + 1) % 12
            sl.info(t, f"processed batch {topic}-{pp}", logger="consumer", records=rng.randint(1, 200), partition=pp)
    sl.stream(b.start, b.end, 0.2, consume)
    b.noise(sl, b.start, b.end, 600, "WARN", "Commit of offsets took 1.2s (broker slow)", logger="consumer")
    b.noise(sl, b.start, b.end, 1500, "INFO", "Revoking previously assigned partitions; rebalance in progress", logger="coordinator")
    tools = b.svc("kafka-tools", style="plain")
    tools.info(b.at(-18), f"replay started: {topic} from snapshot 2026-01-01, 41210 records", logger="replay")
    tools.warn(b.at(-17.5), f"record {topic}-{part}@{off}: payload empty after legacy transform, sent as-is", logger="replay")
    tools.info(b.at(-16), "replay finished", logger="replay")
    b.jobs(tools, b.start, b.end, 0.05, "heartbeat ok")
    for k in range(12):
        b.metrics.gauge("kafka_consumergroup_lag", "consumer lag", {"consumergroup": grp, "topic": topic, "partition": str(k)},
                        (lambda kk: (lambda t, i: (int((t - onset).total_seconds() * 3.1) if (t >= onset and kk == part) else 3 + (i % 5))))(k), 0)
    b.counter(svc, "records_failed", "records that failed processing", {"topic": topic}, lambda t, i: 0 if t < onset else 0.2)
    b.cpu_mem(svc)
    b.set_alert(grp, "KafkaConsumerLagHigh", f"consumer group {grp} lag above 2000 on {topic}",
                f"kafka_consumergroup_lag{{consumergroup=\"{grp}\",topic=\"{topic}\"}} > 2000 for 10m", value=3000, threshold=2000,
                labels={"consumergroup": grp, "topic": topic})
    b.set_truth(svc, f"A manual replay at {b.at(-18):%H:%M} wrote a malformed record ({topic}-{part} offset {off}); {svc} fails to deserialize it and "
                     f"retries it forever, so partition {part} is blocked and its lag grows while the other partitions are fine.",
                [p["msg"].split("{")[0].split("(partition")[0].strip(), f"kafka_consumergroup_lag{{partition=\"{part}\"}}", f"offset {off}", "replay started"],
                [(f"Inspect the record at {topic}-{part}@{off}", "READ"),
                 ("Skip the poison record (seek past it) after copying it to a dead letter topic", "REVERSIBLE"),
                 ("Add a dead-letter path for deserialization failures in the consumer", "REVERSIBLE")],
                ["slow offset commit warnings", "rebalance messages", f"{svc} release days earlier"])
    b.extra_scenario["note"] = "the alert names only the consumer group"
    return {"title": f"{grp}: lag growing on {topic}", "primary": grp,
            "narrative": f"Lag alert for consumer group {grp} on {topic} at {b.t0:%H:%M} UTC. Downstream views are going stale."}
