"""The cloud object store in the region degrades (503 SlowDown / ServiceUnavailable): uploads fail, reads are mostly
fine. The provider's health event is the evidence; the service's own release the same morning is a red herring."""
from stories import http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "object-storage-outage",
    "category": "dependency-failure",
    "severity": "P1",
    "inspired_by": "AWS S3 us-east-1 2017-02-28 outage and Google Cloud Storage 2019 incidents as seen by their customers; companies invented",
}

VARIANTS = [
    dict(lang="C#", svc="claims-uploads", team="claims", bucket="claims-docs-prod", routes=["/api/uploads", "/api/uploads/{id}"], share=0.7,
         exc="Amazon.S3.AmazonS3Exception", msg="Please reduce your request rate. (Service: S3, Status Code: 503, Error Code: SlowDown)"),
    dict(lang="Python", svc="media-ingest", team="media", bucket="media-originals", routes=["/ingest", "/ingest/{id}"], share=0.8,
         exc="botocore.exceptions.ClientError", msg="An error occurred (ServiceUnavailable) when calling the PutObject operation (reached max retries: 4): Service Unavailable"),
    dict(lang="Ruby", svc="invoice-archive", team="billing", bucket="invoices-archive", routes=["/archive", "/archive/{id}"], share=0.65,
         exc="Aws::S3::Errors::ServiceUnavailable", msg="Service Unavailable"),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"storage": {"bucket": p["bucket"], "region": b.region, "multipart_mb": 16}}, history=6)
    prior_release(b, svc)
    dep_at = b.at(-200)
    release(b, svc, [("ui: progress messages for large uploads", {"docs/uploads.md": "# Uploads\n\nProgress is reported every 5%.\n"}, None)], dep_at)
    onset = b.at(-11)
    share = lambda t: step(t, onset, 0, p["share"])  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} upload to s3://{p['bucket']} failed", logger="storage", trace=op_error(b, "publish", p["exc"], p["msg"]), status=503)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.18)
    b.noise(sl, b.start, b.end, 600, "WARN", "antivirus scan queue above 50", logger="scan")
    b.http_metrics(svc, lambda t: 4.0, share, lambda t: 0.6 if t < onset else 9.0)
    m = b.metrics
    m.counter("aws_s3_5xx_errors", "S3 5xx errors (CloudWatch)", {"bucket": p["bucket"], "region": b.region}, lambda t, i: 0 if t < onset else 3.0 * p["share"])
    m.gauge("aws_s3_first_byte_latency_p99_ms", "S3 first byte latency", {"bucket": p["bucket"]}, lambda t, i: 45 if t < onset else 2100, 0)
    m.gauge("probe_success", "blackbox probe to the S3 endpoint", {"instance": f"https://s3.{b.region}.amazonaws.com"}, lambda t, i: 1 if t < onset else 0, 0)
    b.cpu_mem(svc)
    b.deploy("aws-health", f"AWS Health: Increased error rates for S3 PUT in {b.region} (operational issue)", None, onset + minutes(6), kind="provider-event")
    b.set_alert(svc, "UploadFailures", f"{svc}: {int(p['share'] * 100)}% of uploads fail", f"{svc} 503 ratio {p['share']} on uploads.",
                value=p["share"], threshold=0.05)
    b.set_truth(svc, f"Amazon S3 in {b.region} returns 503 (SlowDown/ServiceUnavailable) on PUT since {onset:%H:%M} (AWS Health event), so "
                     f"{svc} uploads to {p['bucket']} fail; {svc} itself did not change.",
                [p["msg"], "aws_s3_5xx_errors", "AWS Health: Increased error rates for S3 PUT"],
                [("Check the AWS Health dashboard and S3 metrics for the region", "READ"),
                 ("Queue uploads locally/return 'try later' and retry with backoff", "REVERSIBLE"),
                 ("Fail over writes to the replica bucket in another region if configured", "REVERSIBLE")],
                [f"{svc} release earlier today (copy change)", "antivirus queue warnings"])
    return {"title": f"{svc}: uploads failing", "primary": svc,
            "narrative": f"Users cannot upload since about {onset:%H:%M} UTC; downloads work. {svc} was released this morning."}
