"""One malformed record sits at the head of a queue/topic partition: the consumer fails to deserialise it on every
redelivery and never moves past it, so its lag grows while everything behind it waits. The alert is keyed by the
queue/topic only (no service label of the consumer). The producer's deploy earlier that hour is the (true) origin of
the bad record but the consumer's schema handling is where it is stuck; the consumer's own code did not change."""
from stories import minutes, prior_release

KIND = {
    "name": "queue-poison-topic-alert",
    "category": "data/schema",
    "severity": "P2",
    "inspired_by": "Uber 'Building Reliable Reprocessing and Dead Letter Queues with Kafka' and public poison-pill write-ups "
                   "(a record no consumer can parse blocking its partition); companies invented",
}

VARIANTS = [
    dict(lang="Kotlin", svc="refund-processor", queue="refunds.requested.v2", team="payments", producer="checkout-api",
         err="com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `java.math.BigDecimal` from String \"12,50\"",
         style="json", conv="otel"),
    dict(lang="C#", svc="invoice-renderer", queue="invoice-render-jobs", team="billing", producer="billing-api",
         err="System.Text.Json.JsonException: The JSON value could not be converted to System.DateTime. Path: $.issuedAt",
         style="logfmt", conv="statsd"),
    dict(lang="Scala", svc="shipment-tracker", queue="shipments.status-events", team="logistics", producer="carrier-gateway",
         err="io.circe.DecodingFailure: Attempt to decode value on failed cursor: DownField(trackingNumber)",
         style="syslog", conv="prom"),
]


def build(b, p):
    svc, q = p["svc"], p["queue"]
    b.make_repo(svc, {"consumer": {"topic": q, "max_poll_records": 200, "retry_backoff_ms": 500}}, history=7)
    prior_release(b, svc, days_ago=9)
    b.deploy(p["producer"], "2026." + str(b.rng.randint(10, 99)), None, b.at(-48))
    onset = b.at(-17)
    part, off = b.rng.randint(0, 11), b.rng.randint(10_000_000, 99_999_999)
    w = b.svc(svc)

    def fail(t, rng, jid):
        if t < onset:
            return False
        w.error(t, f"Failed to process record partition={part} offset={off}, will retry: {p['err']}", logger="consumer",
                topic=q, partition=part, offset=off, attempt=int((t - onset).total_seconds() // 4) + 1)
        return True
    b.jobs(w, b.start, b.end, 0.25, f"processed record from {q}", fail)
    b.noise(w, b.start, b.end, 480, "WARN", "Commit of offsets took 1200ms (broker slow)", logger="consumer")
    b.noise(w, b.start, b.end, 1300, "ERROR", "metrics reporter: failed to push to statsd (UDP buffer full)", logger="metrics")
    prod = b.svc(p["producer"])
    b.requests(prod, b.start, b.end, 0.2, ["/v1/orders", "/v1/orders/{id}"])
    lag = b.gauge(svc, "consumer_lag_messages", "messages behind the head", {"topic": q, "partition": str(part)},
                  lambda t, i: 20 + (0 if t < onset else int((t - onset).total_seconds() * 3.5)), 0)
    b.counter(svc, "records_processed", "records done", {"topic": q}, lambda t, i: 3.5 if t < onset else 0.05)
    b.http_metrics(p["producer"], lambda t: 5.0, lambda t: 0.002, lambda t: 0.15)
    b.cpu_mem(svc)
    b.set_alert(q, "ConsumerLagHigh", f"{q}: consumer lag above 2000 messages",
                f"Consumers of {q} are not keeping up: lag {int((b.t0 - onset).total_seconds() * 3.5)} messages on partition {part}.",
                value=int((b.t0 - onset).total_seconds() * 3.5), threshold=2000, labels={"topic": q, "partition": str(part)})
    b.set_truth(svc, f"One malformed record (partition {part}, offset {off}) on {q} cannot be deserialised; {svc} retries it forever "
                     "and makes no progress, so the lag of that partition grows.",
                [f"offset={off}", lag, "records_processed stopped"],
                [(f"Inspect the record at offset {off} and which producer wrote it", "READ"),
                 ("Skip the record to a dead letter topic and resume the consumer", "REVERSIBLE"),
                 (f"Make {svc} dead-letter undecodable records after N attempts", "REVERSIBLE")],
                ["slow offset commits (all hour)", "statsd push errors", f"{p['producer']} deploy 48 minutes earlier"])
    b.extra_scenario["note"] = "the alert names only the queue/topic; truth.service is its consumer"
    return {"title": f"{q}: consumer lag growing", "primary": svc,
            "narrative": f"Lag on {q} grows since about {onset + minutes(2):%H:%M} UTC. {p['producer']} shipped earlier."}
