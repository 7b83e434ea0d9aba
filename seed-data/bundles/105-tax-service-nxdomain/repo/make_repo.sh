#!/usr/bin/env bash
# Builds the billing-worker repository for bundle 105-tax-service-nxdomain.
# Deterministic: fixed author/committer names, emails and dates, so commit SHAs are identical on every run.
# Usage: make_repo.sh [DEST_DIR]   (default: ./billing-worker)
set -euo pipefail
DEST="${1:-./billing-worker}"
if [ -e "$DEST/.git" ]; then echo "refusing to overwrite existing repo at $DEST" >&2; exit 1; fi
mkdir -p "$DEST"
cd "$DEST"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$(mktemp -d)" TZ=UTC LC_ALL=C
git init -q
git symbolic-ref HEAD refs/heads/main
commit() {  # commit MESSAGE AUTHOR EMAIL DATE
  git add -A
  GIT_AUTHOR_NAME="$2" GIT_AUTHOR_EMAIL="$3" GIT_AUTHOR_DATE="$4" \
  GIT_COMMITTER_NAME="$2" GIT_COMMITTER_EMAIL="$3" GIT_COMMITTER_DATE="$4" \
    git -c commit.gpgsign=false -c core.hooksPath=/dev/null -c core.autocrlf=false commit -q --no-verify -m "$1"
}

cat > README.md <<'IHUB_BUNDLE_EOF'
# billing-worker

Celery worker that renders monthly and on-demand invoices: looks up VAT rates in tax-service,
renders the PDF and hands it to the mailer.

`celery -A billing.celery_app worker -l info`

Releases are tagged `vX.Y.Z`; the image runs in the `billing` namespace.
IHUB_BUNDLE_EOF
cat > .gitignore <<'IHUB_BUNDLE_EOF'
__pycache__/
*.pyc
.venv/
IHUB_BUNDLE_EOF
cat > pyproject.toml <<'IHUB_BUNDLE_EOF'
[project]
name = "billing-worker"
version = "2.0.0"
requires-python = ">=3.12"
dependencies = ["celery[redis]>=5.4", "requests>=2.32", "weasyprint>=62"]
IHUB_BUNDLE_EOF
cat > requirements.txt <<'IHUB_BUNDLE_EOF'
celery[redis]==5.4.0
requests==2.32.3
urllib3==2.2.2
weasyprint==62.3
IHUB_BUNDLE_EOF
mkdir -p billing
cat > billing/__init__.py <<'IHUB_BUNDLE_EOF'

IHUB_BUNDLE_EOF
mkdir -p billing
cat > billing/settings.py <<'IHUB_BUNDLE_EOF'
import os

BROKER_URL = os.environ.get("BROKER_URL", "redis://localhost:6379/0")
TAX_SERVICE_URL = os.environ.get("TAX_SERVICE_URL", "https://tax-service.prod.internal")
TAX_TIMEOUT_S = float(os.environ.get("TAX_TIMEOUT_S", "3"))
IHUB_BUNDLE_EOF
mkdir -p billing
cat > billing/celery_app.py <<'IHUB_BUNDLE_EOF'
from celery import Celery

from billing import settings

app = Celery("billing", broker=settings.BROKER_URL, include=["billing.tasks"])
app.conf.task_acks_late = True
app.conf.worker_prefetch_multiplier = 1
IHUB_BUNDLE_EOF
commit 'Celery worker skeleton' 'Noor Haddad' noor.haddad@kestrelbooks.example 2025-05-05T08:30:00+0000

mkdir -p billing
cat > billing/tax.py <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Tax rate client' 'Pieter de Vries' pieter.devries@kestrelbooks.example 2025-05-07T11:15:00+0000

mkdir -p billing
cat > billing/render.py <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p billing
cat > billing/tasks.py <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p billing
cat > billing/store.py <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Invoice rendering' 'Camila Rojas' camila.rojas@kestrelbooks.example 2025-05-12T14:00:00+0000
git tag v2.0.0

mkdir -p billing
cat > billing/tasks.py <<'IHUB_BUNDLE_EOF'
import logging

import requests

from billing import render, tax
from billing.celery_app import app
from billing.store import load_invoice, save_pdf

log = logging.getLogger(__name__)


@app.task(
    name="billing.tasks.render_invoice",
    bind=True,
    autoretry_for=(requests.ConnectionError, requests.Timeout),
    retry_backoff=60,
    retry_backoff_max=600,
    max_retries=8,
)
def render_invoice(self, invoice_id: str) -> str:
    inv = load_invoice(invoice_id)
    categories = {line.category for line in inv.lines}
    rates = {c: tax.vat_rate(inv.country, c) for c in categories}
    sums = render.totals(inv.lines, rates)
    pdf = render.render_pdf(invoice_id, inv.lines, sums)
    key = save_pdf(invoice_id, pdf)
    log.info("invoice rendered id=%s country=%s gross=%s key=%s", invoice_id, inv.country, sums["gross"], key)
    return key
IHUB_BUNDLE_EOF
commit 'Retry invoice tasks on tax-service connection errors' 'Noor Haddad' noor.haddad@kestrelbooks.example 2025-06-02T09:45:00+0000
git tag v2.1.0

mkdir -p tests
cat > tests/test_render.py <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p tests
cat > tests/test_settings.py <<'IHUB_BUNDLE_EOF'
import importlib

from billing import settings


def test_environment_overrides_tax_service(monkeypatch):
    monkeypatch.setenv("TAX_SERVICE_URL", "https://tax-service.staging.internal")
    monkeypatch.setenv("TAX_TIMEOUT_S", "4.5")
    reloaded = importlib.reload(settings)
    assert (reloaded.TAX_SERVICE_URL, reloaded.TAX_TIMEOUT_S) == ("https://tax-service.staging.internal", 4.5)
    monkeypatch.undo()
    importlib.reload(settings)
IHUB_BUNDLE_EOF
cat > Dockerfile <<'IHUB_BUNDLE_EOF'
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY billing billing
CMD ["celery", "-A", "billing.celery_app", "worker", "-l", "info", "--concurrency", "4"]
IHUB_BUNDLE_EOF
commit 'Tests for totals and settings' 'Camila Rojas' camila.rojas@kestrelbooks.example 2025-06-03T10:10:00+0000

mkdir -p billing
cat > billing/tax.py <<'IHUB_BUNDLE_EOF'
import logging
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from billing import settings

log = logging.getLogger(__name__)

_session = requests.Session()
_session.mount("https://", HTTPAdapter(max_retries=Retry(total=2, backoff_factor=0.2, status_forcelist=(502, 503, 504))))


_cache: dict[tuple[str, str], tuple[float, float]] = {}
TTL_S = 600


def vat_rate(country: str, category: str) -> float:
    hit = _cache.get((country, category))
    if hit and time.monotonic() - hit[1] < TTL_S:
        return hit[0]
    rate = _fetch(country, category)
    _cache[(country, category)] = (rate, time.monotonic())
    return rate


def _fetch(country: str, category: str) -> float:
    resp = _session.get(
        f"{settings.TAX_SERVICE_URL}/v1/rates",
        params={"country": country, "category": category},
        timeout=settings.TAX_TIMEOUT_S,
    )
    resp.raise_for_status()
    return float(resp.json()["rate"])
IHUB_BUNDLE_EOF
commit 'Cache VAT rates for 10 minutes' 'Pieter de Vries' pieter.devries@kestrelbooks.example 2025-07-14T13:20:00+0000
git tag v2.2.0

cat > README.md <<'IHUB_BUNDLE_EOF'
# billing-worker

Celery worker that renders monthly and on-demand invoices: looks up VAT rates in tax-service,
renders the PDF and hands it to the mailer.

`celery -A billing.celery_app worker -l info`

## When the invoices queue grows

1. `celery -A billing.celery_app inspect active` and the retry reasons in the worker log.
2. From a worker pod: `python -c "import socket; print(socket.getaddrinfo('tax-service.prod.internal', 443))"`.
3. tax-service dashboards.

Releases are tagged `vX.Y.Z`; the image runs in the `billing` namespace.
IHUB_BUNDLE_EOF
commit 'Runbook: what to check when invoices pile up' 'Pieter de Vries' pieter.devries@kestrelbooks.example 2025-08-04T10:00:00+0000

mkdir -p billing
cat > billing/settings.py <<'IHUB_BUNDLE_EOF'
import os

BROKER_URL = os.environ.get("BROKER_URL", "redis://localhost:6379/0")
TAX_SERVICE_URL = os.environ.get("TAX_SERVICE_URL", "https://tax-service.prod.internal")
TAX_TIMEOUT_S = float(os.environ.get("TAX_TIMEOUT_S", "2.5"))
IHUB_BUNDLE_EOF
commit 'Make the tax-service timeout configurable per environment' 'Noor Haddad' noor.haddad@kestrelbooks.example 2025-08-12T14:35:00+0000
git tag v2.2.1

cat > requirements.txt <<'IHUB_BUNDLE_EOF'
celery[redis]==5.4.0
requests==2.32.3
urllib3==2.2.3
weasyprint==62.3
IHUB_BUNDLE_EOF
commit 'Pin urllib3 2.2.3' 'Noor Haddad' noor.haddad@kestrelbooks.example 2025-09-01T08:05:00+0000

mkdir -p billing
cat > billing/tasks.py <<'IHUB_BUNDLE_EOF'
import logging

import requests

from billing import render, tax
from billing.celery_app import app
from billing.store import load_invoice, save_pdf

log = logging.getLogger(__name__)


@app.task(
    name="billing.tasks.render_invoice",
    bind=True,
    autoretry_for=(requests.ConnectionError, requests.Timeout),
    retry_backoff=60,
    retry_backoff_max=600,
    max_retries=8,
)
def render_invoice(self, invoice_id: str) -> str:
    inv = load_invoice(invoice_id)
    categories = {line.category for line in inv.lines}
    rates = {c: tax.vat_rate(inv.country, c) for c in categories}
    sums = render.totals(inv.lines, rates)
    pdf = render.render_pdf(invoice_id, inv.lines, sums)
    key = save_pdf(invoice_id, pdf)
    log.info(
        "invoice rendered id=%s country=%s lines=%d gross=%s key=%s", invoice_id, inv.country, len(inv.lines), sums["gross"], key
    )
    return key
IHUB_BUNDLE_EOF
commit 'Log invoice line count' 'Camila Rojas' camila.rojas@kestrelbooks.example 2025-09-22T15:30:00+0000
git tag v2.3.0

