"""105: billing-worker (Python/Celery) cannot resolve tax-service after a private DNS zone migration. Datadog."""
import datetime as dt
import os
import random
import uuid

from common import Log, Metrics, Repo, iso, poisson_times, ramp, scenario_yaml, ts, write_catalog, write_json, write_text, BUNDLES

SLUG = "105-tax-service-nxdomain"
START = ts("2025-09-23T04:20:00Z")
ONSET = ts("2025-09-23T04:07:00Z")
W0, W1 = START - dt.timedelta(minutes=60), START + dt.timedelta(minutes=15)

A = ("Noor Haddad", "noor.haddad@kestrelbooks.example")
B = ("Pieter de Vries", "pieter.devries@kestrelbooks.example")
C = ("Camila Rojas", "camila.rojas@kestrelbooks.example")


def build_repo() -> Repo:
    r = Repo("billing-worker", f"bundle {SLUG}")
    r.commit("Celery worker skeleton", A, "2025-05-05T08:30:00+0000", writes={
        "README.md": """
            # billing-worker

            Celery worker that renders monthly and on-demand invoices: looks up VAT rates in tax-service,
            renders the PDF and hands it to the mailer.

            `celery -A billing.celery_app worker -l info`

            Releases are tagged `vX.Y.Z`; the image runs in the `billing` namespace.
            """,
        ".gitignore": """
            __pycache__/
            *.pyc
            .venv/
            """,
        "pyproject.toml": """
            [project]
            name = "billing-worker"
            version = "2.0.0"
            requires-python = ">=3.12"
            dependencies = ["celery[redis]>=5.4", "requests>=2.32", "weasyprint>=62"]
            """,
        "requirements.txt": """
            celery[redis]==5.4.0
            requests==2.32.3
            urllib3==2.2.2
            weasyprint==62.3
            """,
        "billing/__init__.py": "\n",
        "billing/settings.py": """
            import os

            BROKER_URL = os.environ.get("BROKER_URL", "redis://localhost:6379/0")
            TAX_SERVICE_URL = os.environ.get("TAX_SERVICE_URL", "https://tax-service.prod.internal")
            TAX_TIMEOUT_S = float(os.environ.get("TAX_TIMEOUT_S", "3"))
            """,
        "billing/celery_app.py": """
            from celery import Celery

            from billing import settings

            app = Celery("billing", broker=settings.BROKER_URL, include=["billing.tasks"])
            app.conf.task_acks_late = True
            app.conf.worker_prefetch_multiplier = 1
            """,
    })
    r.commit("Tax rate client", B, "2025-05-07T11:15:00+0000", writes={
        "billing/tax.py": """
            import logging

            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry

            from billing import settings

            log = logging.getLogger(__name__)

            _session = requests.Session()
            _session.mount("https://", HTTPAdapter(max_retries=Retry(total=2, backoff_factor=0.2, status_forcelist=(502, 503, 504))))


            def vat_rate(country: str, category: str) -> float:
                resp = _session.get(
                    f"{settings.TAX_SERVICE_URL}/v1/rates",
                    params={"country": country, "category": category},
                    timeout=settings.TAX_TIMEOUT_S,
                )
                resp.raise_for_status()
                return float(resp.json()["rate"])
            """,
    })
    r.commit("Invoice rendering", C, "2025-05-12T14:00:00+0000", writes={
        "billing/render.py": """
            from dataclasses import dataclass
            from decimal import ROUND_HALF_UP, Decimal


            @dataclass
            class Line:
                description: str
                quantity: int
                unit_price: Decimal
                category: str


            def totals(lines: list[Line], rates: dict[str, float]) -> dict[str, Decimal]:
                net = sum((l.unit_price * l.quantity for l in lines), Decimal("0"))
                vat = sum(
                    ((l.unit_price * l.quantity * Decimal(str(rates[l.category]))) for l in lines),
                    Decimal("0"),
                ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                return {"net": net, "vat": vat, "gross": net + vat}


            def render_pdf(invoice_id: str, lines: list[Line], sums: dict[str, Decimal]) -> bytes:
                from weasyprint import HTML

                rows = "".join(f"<tr><td>{l.description}</td><td>{l.quantity}</td><td>{l.unit_price}</td></tr>" for l in lines)
                html = f"<h1>Invoice {invoice_id}</h1><table>{rows}</table><p>Total {sums['gross']}</p>"
                return HTML(string=html).write_pdf()
            """,
        "billing/tasks.py": """
            import logging

            from billing import render, tax
            from billing.celery_app import app
            from billing.store import load_invoice, save_pdf

            log = logging.getLogger(__name__)


            @app.task(name="billing.tasks.render_invoice")
            def render_invoice(invoice_id: str) -> str:
                inv = load_invoice(invoice_id)
                categories = {line.category for line in inv.lines}
                rates = {c: tax.vat_rate(inv.country, c) for c in categories}
                sums = render.totals(inv.lines, rates)
                pdf = render.render_pdf(invoice_id, inv.lines, sums)
                key = save_pdf(invoice_id, pdf)
                log.info("invoice rendered id=%s country=%s gross=%s key=%s", invoice_id, inv.country, sums["gross"], key)
                return key
            """,
        "billing/store.py": """
            import os
            from dataclasses import dataclass

            import boto3
            import psycopg

            from billing.render import Line

            _s3 = boto3.client("s3")
            BUCKET = os.environ.get("INVOICE_BUCKET", "kestrel-invoices")


            @dataclass
            class Invoice:
                id: str
                country: str
                lines: list[Line]


            def load_invoice(invoice_id: str) -> Invoice:
                with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
                    country = conn.execute("SELECT country FROM invoices WHERE id = %s", (invoice_id,)).fetchone()[0]
                    rows = conn.execute(
                        "SELECT description, quantity, unit_price, category FROM invoice_lines WHERE invoice_id = %s", (invoice_id,)
                    ).fetchall()
                return Invoice(invoice_id, country, [Line(*row) for row in rows])


            def save_pdf(invoice_id: str, pdf: bytes) -> str:
                key = f"invoices/{invoice_id}.pdf"
                _s3.put_object(Bucket=BUCKET, Key=key, Body=pdf, ContentType="application/pdf")
                return key
            """,
    }, tag="v2.0.0")
    r.commit("Retry invoice tasks on tax-service connection errors", A, "2025-06-02T09:45:00+0000", edits=[
        ("billing/tasks.py", "import logging\n", "import logging\n\nimport requests\n"),
        ("billing/tasks.py", "@app.task(name=\"billing.tasks.render_invoice\")\ndef render_invoice(invoice_id: str) -> str:\n",
         "@app.task(\n    name=\"billing.tasks.render_invoice\",\n    bind=True,\n    autoretry_for=(requests.ConnectionError, requests.Timeout),\n"
         "    retry_backoff=60,\n    retry_backoff_max=600,\n    max_retries=8,\n)\ndef render_invoice(self, invoice_id: str) -> str:\n"),
    ], tag="v2.1.0")
    r.commit("Tests for totals and settings", C, "2025-06-03T10:10:00+0000", writes={
        "tests/test_render.py": """
            from decimal import Decimal

            from billing.render import Line, totals


            def test_vat_is_rounded_half_up():
                lines = [Line("book", 3, Decimal("9.99"), "reduced")]
                assert totals(lines, {"reduced": 0.07})["vat"] == Decimal("2.10")


            def test_gross_is_net_plus_vat_across_categories():
                lines = [Line("book", 1, Decimal("10.00"), "reduced"), Line("lamp", 2, Decimal("25.00"), "standard")]
                sums = totals(lines, {"reduced": 0.07, "standard": 0.19})
                assert (sums["net"], sums["vat"], sums["gross"]) == (Decimal("60.00"), Decimal("10.20"), Decimal("70.20"))


            def test_empty_invoice_totals_zero():
                assert totals([], {}) == {"net": Decimal("0"), "vat": Decimal("0.00"), "gross": Decimal("0.00")}
            """,
        "tests/test_settings.py": """
            import importlib

            from billing import settings


            def test_environment_overrides_tax_service(monkeypatch):
                monkeypatch.setenv("TAX_SERVICE_URL", "https://tax-service.staging.internal")
                monkeypatch.setenv("TAX_TIMEOUT_S", "4.5")
                reloaded = importlib.reload(settings)
                assert (reloaded.TAX_SERVICE_URL, reloaded.TAX_TIMEOUT_S) == ("https://tax-service.staging.internal", 4.5)
                monkeypatch.undo()
                importlib.reload(settings)
            """,
        "Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 && rm -rf /var/lib/apt/lists/*
            WORKDIR /app
            COPY requirements.txt .
            RUN pip install --no-cache-dir -r requirements.txt
            COPY billing billing
            CMD ["celery", "-A", "billing.celery_app", "worker", "-l", "info", "--concurrency", "4"]
            """,
    })
    r.commit("Cache VAT rates for 10 minutes", B, "2025-07-14T13:20:00+0000", edits=[
        ("billing/tax.py", "import logging\n", "import logging\nimport time\n"),
        ("billing/tax.py", "def vat_rate(country: str, category: str) -> float:\n",
         "_cache: dict[tuple[str, str], tuple[float, float]] = {}\nTTL_S = 600\n\n\n"
         "def vat_rate(country: str, category: str) -> float:\n    hit = _cache.get((country, category))\n"
         "    if hit and time.monotonic() - hit[1] < TTL_S:\n        return hit[0]\n    rate = _fetch(country, category)\n"
         "    _cache[(country, category)] = (rate, time.monotonic())\n    return rate\n\n\n"
         "def _fetch(country: str, category: str) -> float:\n"),
    ], tag="v2.2.0")
    r.commit("Runbook: what to check when invoices pile up", B, "2025-08-04T10:00:00+0000", edits=[
        ("README.md", "Releases are tagged", "## When the invoices queue grows\n\n1. `celery -A billing.celery_app inspect active` and the retry reasons in the worker log.\n"
         "2. From a worker pod: `python -c \"import socket; print(socket.getaddrinfo('tax-service.prod.internal', 443))\"`.\n"
         "3. tax-service dashboards.\n\nReleases are tagged"),
    ])
    r.commit("Make the tax-service timeout configurable per environment", A, "2025-08-12T14:35:00+0000", edits=[
        ("billing/settings.py", "TAX_TIMEOUT_S = float(os.environ.get(\"TAX_TIMEOUT_S\", \"3\"))", "TAX_TIMEOUT_S = float(os.environ.get(\"TAX_TIMEOUT_S\", \"2.5\"))"),
    ], tag="v2.2.1")
    r.commit("Pin urllib3 2.2.3", A, "2025-09-01T08:05:00+0000", edits=[("requirements.txt", "urllib3==2.2.2", "urllib3==2.2.3")])
    r.commit("Log invoice line count", C, "2025-09-22T15:30:00+0000", edits=[
        ("billing/tasks.py", "log.info(\"invoice rendered id=%s country=%s gross=%s key=%s\", invoice_id, inv.country, sums[\"gross\"], key)",
         "log.info(\n        \"invoice rendered id=%s country=%s lines=%d gross=%s key=%s\", invoice_id, inv.country, len(inv.lines), sums[\"gross\"], key\n    )"),
    ], tag="v2.3.0")
    return r


def generate():
    out = os.path.join(BUNDLES, SLUG)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    r = build_repo()
    head = r.build(out)
    rng = random.Random(105)
    l_task = r.line_of("billing/tasks.py", "rates = {c: tax.vat_rate(inv.country, c) for c in categories}")
    l_rate = r.line_of("billing/tax.py", "rate = _fetch(country, category)")
    l_fetch = r.line_of("billing/tax.py", "resp = _session.get(")
    down = lambda t: t >= ONSET + dt.timedelta(seconds=40)  # negative caching of old answers ran out ~40s after the change

    def stamp(t):
        return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"

    SL = "/usr/local/lib/python3.12/site-packages"
    def tb(iid, country):
        addr = f"0x7f{rng.getrandbits(36):09x}"
        return "\n".join([
            "Traceback (most recent call last):",
            f'  File "{SL}/urllib3/connection.py", line 196, in _new_conn',
            "    sock = connection.create_connection(",
            "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
            f'  File "{SL}/urllib3/util/connection.py", line 60, in create_connection',
            "    for res in socket.getaddrinfo(host, port, family, socket.SOCK_STREAM):",
            "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
            '  File "/usr/local/lib/python3.12/socket.py", line 976, in getaddrinfo',
            "    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):",
            "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
            "socket.gaierror: [Errno -2] Name or service not known",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            "Traceback (most recent call last):",
            f'  File "{SL}/urllib3/connectionpool.py", line 789, in urlopen',
            "    response = self._make_request(",
            f'  File "{SL}/urllib3/connectionpool.py", line 490, in _make_request',
            "    raise new_e",
            f"urllib3.exceptions.NameResolutionError: <urllib3.connection.HTTPSConnection object at {addr}>: Failed to resolve 'tax-service.prod.internal' ([Errno -2] Name or service not known)",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            "Traceback (most recent call last):",
            f'  File "{SL}/requests/adapters.py", line 667, in send',
            "    resp = conn.urlopen(",
            f'  File "{SL}/urllib3/util/retry.py", line 519, in increment',
            "    raise MaxRetryError(_pool, url, reason) from reason  # type: ignore[arg-type]",
            f"urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='tax-service.prod.internal', port=443): Max retries exceeded with url: /v1/rates?country={country}&category=standard (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at {addr}>: Failed to resolve 'tax-service.prod.internal' ([Errno -2] Name or service not known)\"))",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            "Traceback (most recent call last):",
            f'  File "{SL}/celery/app/trace.py", line 453, in trace_task',
            "    R = retval = fun(*args, **kwargs)",
            f'  File "{SL}/celery/app/autoretry.py", line 38, in run',
            "    return task._orig_run(*args, **kwargs)",
            f'  File "/app/billing/tasks.py", line {l_task}, in render_invoice',
            "    rates = {c: tax.vat_rate(inv.country, c) for c in categories}",
            f'  File "/app/billing/tax.py", line {l_rate}, in vat_rate',
            "    rate = _fetch(country, category)",
            f'  File "/app/billing/tax.py", line {l_fetch}, in _fetch',
            "    resp = _session.get(",
            f'  File "{SL}/requests/sessions.py", line 602, in get',
            '    return self.request("GET", url, **kwargs)',
            f'  File "{SL}/requests/adapters.py", line 700, in send',
            "    raise ConnectionError(e, request=request)",
            f"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='tax-service.prod.internal', port=443): Max retries exceeded with url: /v1/rates?country={country}&category=standard (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at {addr}>: Failed to resolve 'tax-service.prod.internal' ([Errno -2] Name or service not known)\"))",
        ])

    log = Log()
    countries = ["DE", "FR", "NL", "ES", "IT", "AT", "BE", "PL"]
    seen_fail = set()
    for t in poisson_times(rng, W0, W1, lambda t: 0.075):
        iid = f"inv_{rng.randint(4100000, 4199999)}"
        task = uuid.UUID(int=rng.getrandbits(128))
        worker = f"ForkPoolWorker-{rng.randint(1, 4)}"
        country = rng.choice(countries)
        log.add(t, f"[{stamp(t)}: INFO/MainProcess] Task billing.tasks.render_invoice[{task}] received")
        if down(t) and rng.random() > 0.04:  # a few invoices still hit the in-process rate cache
            t2 = t + dt.timedelta(milliseconds=rng.randint(600, 900))
            short = f"ConnectionError(MaxRetryError(\"HTTPSConnectionPool(host='tax-service.prod.internal', port=443): Max retries exceeded with url: /v1/rates?country={country}&category=standard (Caused by NameResolutionError(...))\"))"
            if len(seen_fail) < 12 or rng.random() < 0.04:
                seen_fail.add(iid)
                log.add(t2, f"[{stamp(t2)}: ERROR/{worker}] Task billing.tasks.render_invoice[{task}] raised unexpected: {short}\n" + tb(iid, country))
            log.add(t2, f"[{stamp(t2)}: INFO/{worker}] Task billing.tasks.render_invoice[{task}] retry: Retry in {rng.choice([60, 120, 240])}s: {short}")
            continue
        t2 = t + dt.timedelta(milliseconds=rng.randint(900, 2600))
        gross = f"{rng.uniform(9, 2400):.2f}"
        log.add(t2, f"[{stamp(t2)}: INFO/{worker}] billing.tasks: invoice rendered id={iid} country={country} lines={rng.randint(1, 14)} gross={gross} key=invoices/{iid}.pdf")
        log.add(t2, f"[{stamp(t2)}: INFO/{worker}] Task billing.tasks.render_invoice[{task}] succeeded in {(t2 - t).total_seconds():.3f}s: 'invoices/{iid}.pdf'")
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 360):
        log.add(t, f"[{stamp(t)}: WARNING/ForkPoolWorker-{rng.randint(1, 4)}] weasyprint: Ignored `font-variant-numeric: tabular-nums` at 14:3, unknown property.")
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 900):
        log.add(t, f"[{stamp(t)}: WARNING/MainProcess] consumer: Connection to broker lost. Trying to re-establish the connection...\n"
                   "Traceback (most recent call last):\n"
                   f'  File "{SL}/kombu/connection.py", line 476, in _reraise_as_library_errors\n'
                   "    yield\n"
                   "redis.exceptions.ConnectionError: Error while reading from redis-billing:6379 : (104, 'Connection reset by peer')")
    n = log.write(os.path.join(out, "logs", "billing-worker.log"))

    tx = Log()
    for t in poisson_times(rng, W0, W1, lambda t: 0.16 if not down(t) else 0.13):
        client = "billing-worker" if (not down(t) and rng.random() < 0.2) else rng.choice(["checkout", "checkout", "quotes", "subscriptions"])
        tx.add(t, f'{iso(t)} level=info service=tax-service msg="GET /v1/rates" status=200 duration_ms={rng.randint(2, 14)} client={client} country={rng.choice(countries)}')
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 600):
        tx.add(t, f'{iso(t)} level=warn service=tax-service msg="rates table refresh slow" took_ms={rng.randint(1200, 2100)}')
    txn = tx.write(os.path.join(out, "logs", "tax-service.log"))

    dns = Log()
    names = ["billing-db.prod.internal.", "redis-billing.billing.svc.cluster.local.", "s3.eu-central-1.amazonaws.com.", "tax-service.prod.internal."]
    for t in poisson_times(rng, W0, W1, lambda t: 0.12):
        name = rng.choices(names, [0.3, 0.3, 0.25, 0.15])[0]
        ip = f"10.12.{rng.randint(0, 9)}.{rng.randint(2, 250)}"
        port = rng.randint(30000, 60000)
        qid = rng.randint(1, 65535)
        if name == "tax-service.prod.internal." and down(t):
            dns.add(t, f'[INFO] {ip}:{port} - {qid} "A IN {name} udp 43 false 512" NXDOMAIN qr,rd,ra 118 0.00{rng.randint(1000, 4000)}s')
        else:
            dns.add(t, f'[INFO] {ip}:{port} - {qid} "A IN {name} udp 45 false 512" NOERROR qr,rd,ra 96 0.000{rng.randint(100, 900)}s')
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 500):
        dns.add(t, f"[ERROR] plugin/errors: 2 metadata.google.internal. AAAA: read udp 10.12.0.53:{rng.randint(30000, 60000)}->169.254.169.253:53: i/o timeout")
    dns.add(ONSET, "[INFO] Reloading")
    dns.add(ONSET + dt.timedelta(seconds=1), "[INFO] plugin/reload: Running configuration SHA512 = 6b1f0d2e4c8a9b7d3e5f1a2c4b6d8e0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d")
    dns.add(ONSET + dt.timedelta(seconds=1), "[INFO] Reloading complete")
    dnn = dns.write(os.path.join(out, "logs", "coredns.log"))

    m = Metrics(W0, W1)
    s = {"service": "billing-worker"}
    rate = lambda t: 1.9 + 0.3 * ((t.minute % 20) / 20)
    m.counter("celery_tasks", "Celery task outcomes", {**s, "task": "render_invoice", "state": "succeeded"},
              lambda t, i: rate(t) * (0.04 if down(t) else 1), 9_880_114)
    m.counter("celery_tasks", "Celery task outcomes", {**s, "task": "render_invoice", "state": "retried"},
              lambda t, i: rate(t) * 0.96 * 1.6 if down(t) else 0.0015, 14_220)
    m.counter("celery_tasks", "Celery task outcomes", {**s, "task": "render_invoice", "state": "failed"}, lambda t, i: 0.0004, 301)
    m.gauge("celery_queue_length", "Messages waiting in the invoices queue", {"queue": "invoices"},
            lambda t, i: rng.randint(0, 6) if not down(t) else min(2400, (t - ONSET).total_seconds() * 1.9), 0)
    m.gauge("celery_task_runtime_p99_seconds", "p99 task runtime", {**s, "task": "render_invoice"},
            lambda t, i: 2.4 + 0.3 * rng.random() if not down(t) else 0.9 + 0.05 * rng.random())
    m.counter("coredns_dns_responses", "CoreDNS responses by rcode", {"server": "dns://:53", "rcode": "NOERROR"},
              lambda t, i: 5400 + 200 * rng.random(), 8_812_300_441)
    m.counter("coredns_dns_responses", "CoreDNS responses by rcode", {"server": "dns://:53", "rcode": "NXDOMAIN"},
              lambda t, i: 310 + 20 * rng.random() + (38 if down(t) else 0), 512_009_110)
    m.counter("coredns_dns_responses", "CoreDNS responses by rcode", {"server": "dns://:53", "rcode": "SERVFAIL"},
              lambda t, i: 0.4 * rng.random(), 90_114)
    m.counter("http_requests", "tax-service requests by status", {"service": "tax-service", "code": "200"},
              lambda t, i: 41 if not down(t) else 33, 2_114_908_331)
    m.gauge("http_request_duration_p99_seconds", "tax-service p99", {"service": "tax-service"}, lambda t, i: 0.016 + 0.004 * rng.random())
    m.gauge("probe_success", "Blackbox HTTP probe via the tax-service ClusterIP (bypasses DNS)", {"instance": "tax-service-clusterip"}, lambda t, i: 1, 0)
    m.gauge("process_resident_memory_bytes", "billing-worker RSS (sum)", s, lambda t, i: 4 * 260e6 + rng.randint(0, 9_000_000), 0)
    m.write(os.path.join(out, "metrics.om"))

    write_json(os.path.join(out, "deploys.json"), [
        {"service": "billing-worker", "version": "2.2.0", "commit": r.sha_of_tag("v2.2.0"), "at": "2025-07-15T09:00:00Z"},
        {"service": "billing-worker", "version": "2.3.0", "commit": head, "at": "2025-09-22T16:10:00Z"},
        {"service": "tax-service", "version": "4.2.7", "commit": "8e3b1c9d0a7f42e6b5d8c1a3f9e07b26d4c8a153", "at": "2025-09-22T10:45:00Z"},
        {"service": "platform-dns", "version": "zone prod.internal moved to Route 53 private hosted zone (NET-2291)", "commit": "", "at": iso(ONSET), "kind": "infra-change"},
    ])
    write_json(os.path.join(out, "truth.json"), {
        "severity": "P2",
        "service": "billing-worker",
        "category": "network/dns",
        "root_cause": "The 04:07 migration of the prod.internal zone to a Route 53 private hosted zone left out the tax-service record, so tax-service.prod.internal returns NXDOMAIN and every invoice task fails to resolve it and is retried; tax-service itself is healthy.",
        "evidence": [
            "urllib3.exceptions.NameResolutionError: Failed to resolve 'tax-service.prod.internal' ([Errno -2] Name or service not known)",
            "\"A IN tax-service.prod.internal. udp 43 false 512\" NXDOMAIN",
            "coredns_dns_responses_total{rcode=\"NXDOMAIN\"}",
            "celery_queue_length{queue=\"invoices\"}",
            "probe_success{instance=\"tax-service-clusterip\"} stays 1",
        ],
        "suspect_commit": None,
        "suspect_file": None,
        "suspect_line": None,
        "remediation": [
            {"action": "Resolve tax-service.prod.internal from a worker pod and compare the old and new zone's records", "tier": "READ"},
            {"action": "Add the missing tax-service record to the new private hosted zone (or re-associate the old zone) and let Celery retries drain the queue", "tier": "REVERSIBLE"},
            {"action": "Add a zone-migration check that diffs record sets before cut-over", "tier": "REVERSIBLE"},
        ],
        "red_herrings": [
            "billing-worker 2.3.0 deploy the afternoon before",
            "weasyprint unknown CSS property warnings",
            "redis broker connection resets (present before the onset)",
            "CoreDNS i/o timeouts for metadata.google.internal",
            "tax-service 'rates table refresh slow' warnings",
        ],
    })
    write_json(os.path.join(out, "alert.json"), {
        "id": "7993012841175529410",
        "title": "[P2] [Triggered on {service:billing-worker}] billing-worker invoice task retry rate above 20%",
        "body": "%%%\nbilling-worker is retrying 96% of render_invoice tasks (threshold 20%).\n\nThe invoices queue is growing.\n\n@webhook-incidenthub\n%%%",
        "event_type": "query_alert_monitor",
        "date": str(int(START.timestamp() * 1000)),
        "last_updated": str(int(START.timestamp() * 1000)),
        "org": {"id": "418207", "name": "Kestrel Books"},
        "alert_id": "118204477",
        "alert_title": "billing-worker invoice task retry rate above 20%",
        "alert_status": "Alert",
        "alert_transition": "Triggered",
        "alert_type": "error",
        "alert_metric": "celery.tasks.retried",
        "alert_query": "sum(last_10m):sum:celery.tasks.retried{service:billing-worker,env:prod}.as_count() / sum:celery.tasks.received{service:billing-worker,env:prod}.as_count() > 0.2",
        "alert_scope": "env:prod,service:billing-worker",
        "alert_priority": "P2",
        "alert_cycle_key": "2301984477210983311",
        "aggreg_key": "f3c81a0e5d2b94e7c6a0b1d8e2f47a93",
        "priority": "normal",
        "hostname": "billing-worker-7b6d5c9f8-l4m2n",
        "tags": "env:prod,service:billing-worker,team:billing",
        "link": "https://app.datadoghq.eu/event/event?id=7993012841175529410",
        "snapshot": "https://p.datadoghq.eu/snapshot/view/dd-snapshots-eu1-prod/org_418207/2025-09-23/2b7e0c4d1f9a83e5b6c2d0a7f4e18b3c9d5a2e61.png",
        "monitor_url": "https://app.datadoghq.eu/monitors/118204477",
    })
    write_catalog(out, "billing-worker", "python3 -m pytest -q tests/")
    write_text(os.path.join(out, "scenario.yaml"), scenario_yaml({
        "id": SLUG,
        "title": "billing-worker: invoices stuck in retry, tax-service.prod.internal does not resolve after a DNS zone migration",
        "started_at": iso(START),
        "source": "datadog",
        "services": ["billing-worker", "tax-service", "coredns"],
        "primary_service": "billing-worker",
        "language": "Python",
        "inspired_by": "Salesforce 2021-05-11 multi-instance disruption (a DNS configuration change) and Slack 2021-09-30 DNSSEC rollout incident (records unresolvable after a DNS change); Kestrel Books is invented",
        "narrative": "Datadog alerts at 04:20 UTC: billing-worker retries almost every render_invoice task and the invoices queue keeps growing. "
                     "Checkout and quotes, which also use tax-service, are fine. billing-worker 2.3.0 went out yesterday afternoon; the platform team "
                     "had a network maintenance window tonight.",
        "window": {"from": iso(W0), "to": iso(W1)},
        "repo": {"script": "repo/make_repo.sh", "name": "billing-worker", "path_in_stack_traces": "/app/",
                 "commits": len(r.commits), "head": head},
        "files": {"alert": "alert.json", "logs": ["logs/billing-worker.log", "logs/tax-service.log", "logs/coredns.log"], "metrics": "metrics.om",
                  "deploys": "deploys.json", "truth": "truth.json"},
    }))
    return {"slug": SLUG, "lines": {"billing-worker": n, "tax-service": txn, "coredns": dnn}, "head": head}


if __name__ == "__main__":
    print(generate())
