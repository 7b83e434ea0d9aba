"""104: pay-bff (Node.js) fails payment authorisations because the PSP returns 503s. PagerDuty. No code change."""
import datetime as dt
import os
import random

from common import Log, Metrics, Repo, iso, poisson_times, ramp, scenario_yaml, ts, write_catalog, write_json, write_text, BUNDLES

SLUG = "104-psp-outage-payments"
START = ts("2025-08-19T13:12:00Z")
ONSET = ts("2025-08-19T13:04:30Z")
DEPLOY = ts("2025-08-19T12:31:00Z")
W0, W1 = START - dt.timedelta(minutes=60), START + dt.timedelta(minutes=15)

A = ("Chloe Martin", "chloe.martin@lumen.example")
B = ("Dmitri Volkov", "dmitri.volkov@lumen.example")
C = ("Yaw Boateng", "yaw.boateng@lumen.example")


def build_repo() -> Repo:
    r = Repo("pay-bff", f"bundle {SLUG}")
    r.commit("Initial express app", A, "2025-04-01T09:00:00+0000", writes={
        "README.md": """
            # pay-bff

            Backend-for-frontend for checkout payments: authorises cards with our payment service provider (Paystream)
            and publishes payment results for order-events.

            `npm ci && npm start` (needs PSP_BASE_URL, PSP_API_KEY)

            Releases are tagged `vX.Y.Z` and deployed by the pipeline.
            """,
        ".gitignore": """
            node_modules/
            .env
            coverage/
            """,
        "package.json": """
            {
              "name": "pay-bff",
              "version": "5.0.0",
              "private": true,
              "main": "src/server.js",
              "scripts": {
                "start": "node src/server.js",
                "test": "node --test"
              },
              "dependencies": {
                "axios": "^1.7.2",
                "express": "^4.19.2",
                "pino": "^9.2.0",
                "prom-client": "^15.1.2"
              }
            }
            """,
        "src/server.js": """
            'use strict';
            const express = require('express');
            const { log } = require('./log');
            const payments = require('./routes/payments');

            const app = express();
            app.use(express.json({ limit: '64kb' }));
            app.use((req, res, next) => {
              const start = process.hrtime.bigint();
              res.on('finish', () => {
                const ms = Number(process.hrtime.bigint() - start) / 1e6;
                log.info(`${req.method} ${req.originalUrl} ${res.statusCode} ${Math.round(ms)}ms`);
              });
              next();
            });
            app.get('/healthz', (req, res) => res.send('ok'));
            app.use('/v1/payments', payments);

            const port = Number(process.env.PORT || 8080);
            app.listen(port, () => log.info(`pay-bff listening on ${port}`));
            """,
        "src/log.js": """
            'use strict';
            // Plain text lines: <iso time> <LEVEL> [pay-bff] message, and the stack on the following lines.
            function write(level, msg, err) {
              const line = `${new Date().toISOString()} ${level.padEnd(5)} [pay-bff] ${msg}`;
              process.stdout.write(err && err.stack ? `${line}\\n${err.stack}\\n` : `${line}\\n`);
            }

            exports.log = {
              info: (msg) => write('INFO', msg),
              warn: (msg, err) => write('WARN', msg, err),
              error: (msg, err) => write('ERROR', msg, err),
            };
            """,
    })
    r.commit("Paystream client", B, "2025-04-03T14:30:00+0000", writes={
        "src/psp/client.js": """
            'use strict';
            const axios = require('axios');

            class PspClient {
              constructor({ baseURL, apiKey, timeoutMs = 8000 }) {
                this.http = axios.create({
                  baseURL,
                  timeout: timeoutMs,
                  headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
                });
              }

              async authorize({ orderId, amount, currency, token }) {
                const body = { reference: orderId, amount: { value: amount, currency }, payment_method: { token } };
                const res = await this.http.post('/v2/authorizations', body, {
                  headers: { 'Idempotency-Key': `auth-${orderId}` },
                });
                return { id: res.data.id, status: res.data.status };
              }
            }

            module.exports = { PspClient };
            """,
    })
    r.commit("Payments route", A, "2025-04-07T10:15:00+0000", writes={
        "src/routes/payments.js": """
            'use strict';
            const express = require('express');
            const { log } = require('../log');
            const { psp } = require('../psp');

            const router = express.Router();

            router.post('/authorize', async (req, res) => {
              const { orderId, amount, currency, token } = req.body || {};
              if (!orderId || !Number.isInteger(amount) || !token) {
                return res.status(400).json({ title: 'orderId, integer amount and token are required' });
              }
              try {
                const result = await psp.authorize({ orderId, amount, currency: currency || 'EUR', token });
                return res.status(result.status === 'authorised' ? 200 : 402).json(result);
              } catch (err) {
                log.error(`authorize failed order=${orderId} psp=${psp.name}`, err);
                return res.status(502).json({ title: 'Payment provider unavailable, please retry' });
              }
            });

            module.exports = router;
            """,
        "src/psp/index.js": """
            'use strict';
            const { PspClient } = require('./client');

            const primary = new PspClient({ baseURL: process.env.PSP_BASE_URL, apiKey: process.env.PSP_API_KEY });
            primary.name = 'paystream';

            module.exports = { psp: primary };
            """,
    }, tag="v5.0.0")
    r.commit("Retry idempotent authorisations on 5xx and network errors", B, "2025-04-22T11:05:00+0000", writes={
        "src/psp/retry.js": """
            'use strict';
            const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

            function retryable(err) {
              if (err.code && ['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED'].includes(err.code)) return true;
              return Boolean(err.response && err.response.status >= 500);
            }

            async function withRetry(fn, { attempts = 3, baseMs = 150 } = {}) {
              let last;
              for (let i = 0; i < attempts; i++) {
                try {
                  return await fn();
                } catch (err) {
                  last = err;
                  if (!retryable(err) || i === attempts - 1) break;
                  await sleep(baseMs * 2 ** i);
                }
              }
              throw last;
            }

            module.exports = { withRetry, retryable };
            """,
    }, edits=[
        ("src/psp/client.js", "const axios = require('axios');\n", "const axios = require('axios');\nconst { withRetry } = require('./retry');\n"),
        ("src/psp/client.js",
         "    const res = await this.http.post('/v2/authorizations', body, {\n      headers: { 'Idempotency-Key': `auth-${orderId}` },\n    });\n",
         "    const res = await withRetry(() =>\n      this.http.post('/v2/authorizations', body, {\n        headers: { 'Idempotency-Key': `auth-${orderId}` },\n      }),\n    );\n"),
    ], tag="v5.1.0")
    r.commit("Tests for retry policy and log lines", C, "2025-04-23T09:20:00+0000", writes={
        "test/log.test.js": r"""
            'use strict';
            const test = require('node:test');
            const assert = require('node:assert');
            const { log } = require('../src/log');

            function capture(fn) {
              const chunks = [];
              const write = process.stdout.write;
              process.stdout.write = (chunk) => { chunks.push(String(chunk)); return true; };
              try {
                fn();
              } finally {
                process.stdout.write = write;
              }
              return chunks.join('');
            }

            test('a line is time, level, service, message', () => {
              const out = capture(() => log.info('POST /v1/payments 200 84ms'));
              assert.match(out, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z INFO  \[pay-bff\] POST \/v1\/payments 200 84ms\n$/);
            });

            test('an error stack follows its line', () => {
              const out = capture(() => log.error('authorisation failed', new Error('503 from Paystream')));
              const lines = out.split('\n');
              assert.match(lines[0], / ERROR \[pay-bff\] authorisation failed$/);
              assert.strictEqual(lines[1], 'Error: 503 from Paystream');
            });
            """,
        "test/retry.test.js": """
            'use strict';
            const test = require('node:test');
            const assert = require('node:assert');
            const { withRetry, retryable } = require('../src/psp/retry');

            test('retries 503 and gives up after three attempts', async () => {
              let calls = 0;
              const err = Object.assign(new Error('503'), { response: { status: 503 } });
              await assert.rejects(withRetry(async () => { calls++; throw err; }, { baseMs: 1 }));
              assert.strictEqual(calls, 3);
            });

            test('does not retry a decline', () => {
              assert.strictEqual(retryable(Object.assign(new Error('402'), { response: { status: 402 } })), false);
            });

            test('a connection reset is retried and the later success returned', async () => {
              let calls = 0;
              const result = await withRetry(async () => {
                calls++;
                if (calls === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
                return 'authorised';
              }, { baseMs: 1 });
              assert.deepStrictEqual([result, calls], ['authorised', 2]);
            });

            test('a non-retryable error is thrown at once', async () => {
              let calls = 0;
              await assert.rejects(withRetry(async () => { calls++; throw new Error('bad request'); }, { baseMs: 1 }), /bad request/);
              assert.strictEqual(calls, 1);
            });
            """,
    })
    r.commit("Metrics endpoint", C, "2025-05-06T15:40:00+0000", writes={
        "src/metrics.js": """
            'use strict';
            const client = require('prom-client');

            client.collectDefaultMetrics();
            const pspRequests = new client.Counter({
              name: 'psp_requests_total',
              help: 'Requests to the payment provider by outcome',
              labelNames: ['psp', 'outcome'],
            });

            module.exports = { client, pspRequests };
            """,
    }, edits=[
        ("src/server.js", "app.get('/healthz', (req, res) => res.send('ok'));\n",
         "app.get('/healthz', (req, res) => res.send('ok'));\napp.get('/metrics', async (req, res) => {\n  res.set('Content-Type', require('./metrics').client.register.contentType);\n  res.send(await require('./metrics').client.register.metrics());\n});\n"),
    ])
    r.commit("Secondary PSP behind a flag (off by default)", A, "2025-06-10T13:00:00+0000", writes={
        "src/psp/index.js": """
            'use strict';
            const { PspClient } = require('./client');

            const primary = new PspClient({ baseURL: process.env.PSP_BASE_URL, apiKey: process.env.PSP_API_KEY });
            primary.name = 'paystream';

            // Runbook: set PAYMENTS_SECONDARY_PSP_ENABLED=true to route new authorisations to Northpay while Paystream is down.
            const secondary = process.env.SECONDARY_PSP_BASE_URL
              ? Object.assign(new PspClient({ baseURL: process.env.SECONDARY_PSP_BASE_URL, apiKey: process.env.SECONDARY_PSP_API_KEY }), { name: 'northpay' })
              : null;

            const useSecondary = process.env.PAYMENTS_SECONDARY_PSP_ENABLED === 'true' && secondary !== null;

            module.exports = { psp: useSecondary ? secondary : primary };
            """,
        "deploy/values-production.yaml": """
            replicaCount: 4
            env:
              PSP_BASE_URL: https://api.paystream.example
              SECONDARY_PSP_BASE_URL: https://api.northpay.example
              PAYMENTS_SECONDARY_PSP_ENABLED: "false"
            """,
    }, tag="v5.2.0")
    r.commit("Runbook: PSP outage", B, "2025-06-12T09:30:00+0000", edits=[
        ("README.md", "Releases are tagged", "## Paystream outage\n\nCheck https://status.paystream.example and the `probe_success` panel. If Paystream is down, set\n"
         "`PAYMENTS_SECONDARY_PSP_ENABLED=true` in the deploy values and restart; set it back once Paystream recovers.\n\nReleases are tagged"),
    ])
    r.commit("Bump axios to 1.7.4", C, "2025-07-29T12:00:00+0000", edits=[("package.json", "\"axios\": \"^1.7.2\"", "\"axios\": \"^1.7.4\"")], tag=None)
    r.commit("Checkout copy: clearer retry message", C, "2025-08-19T11:58:00+0000", edits=[
        ("src/routes/payments.js", "'Payment provider unavailable, please retry'", "'We could not reach the payment provider. Your card was not charged; please try again.'"),
    ], tag="v5.2.1")
    return r


def generate():
    out = os.path.join(BUNDLES, SLUG)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    r = build_repo()
    head = r.build(out)
    rng = random.Random(104)
    l_post = r.line_of("src/psp/client.js", "this.http.post('/v2/authorizations', body, {")
    l_retry_fn = r.line_of("src/psp/retry.js", "return await fn();")
    l_auth = r.line_of("src/psp/client.js", "const res = await withRetry(() =>")
    l_route = r.line_of("src/routes/payments.js", "const result = await psp.authorize(")
    APP = "/usr/src/app/"
    fail = lambda t: 0.0 if t < ONSET else ramp(t, ONSET, ONSET + dt.timedelta(minutes=3), 0.2, 0.52)

    def stamp(t):
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

    log = Log()
    order = lambda: f"ord_{rng.getrandbits(40):010x}"
    for t in poisson_times(rng, W0, W1, lambda t: 0.13):
        oid = order()
        if rng.random() < fail(t):
            if rng.random() < 0.75:
                err = ["AxiosError: Request failed with status code 503",
                       f"    at settle ({APP}node_modules/axios/dist/node/axios.cjs:2019:12)",
                       f"    at IncomingMessage.handleStreamEnd ({APP}node_modules/axios/dist/node/axios.cjs:3135:11)",
                       "    at IncomingMessage.emit (node:events:531:35)",
                       "    at endReadableNT (node:internal/streams/readable:1696:12)",
                       "    at process.processTicksAndRejections (node:internal/process/task_queues:82:21)",
                       f"    at Axios.request ({APP}node_modules/axios/dist/node/axios.cjs:4287:41)"]
                ms = rng.randint(1400, 2600)
            else:
                err = ["AxiosError: timeout of 8000ms exceeded",
                       f"    at RedirectableRequest.handleRequestTimeout ({APP}node_modules/axios/dist/node/axios.cjs:3209:16)",
                       "    at RedirectableRequest.emit (node:events:519:28)",
                       f"    at Timeout.<anonymous> ({APP}node_modules/follow-redirects/index.js:221:12)",
                       "    at listOnTimeout (node:internal/timers:581:17)",
                       "    at process.processTimers (node:internal/timers:519:7)",
                       f"    at Axios.request ({APP}node_modules/axios/dist/node/axios.cjs:4287:41)"]
                ms = 24000 + rng.randint(300, 900)
            err += [f"    at async withRetry ({APP}src/psp/retry.js:{l_retry_fn}:16)",
                    f"    at async PspClient.authorize ({APP}src/psp/client.js:{l_auth}:17)",
                    f"    at async {APP}src/routes/payments.js:{l_route}:20"]
            te = t + dt.timedelta(milliseconds=ms)
            log.add(te, f"{stamp(te)} ERROR [pay-bff] authorize failed order={oid} psp=paystream\n" + "\n".join(err))
            log.add(te, f"{stamp(te)} INFO  [pay-bff] POST /v1/payments/authorize 502 {ms + 3}ms")
            continue
        st = 200 if rng.random() > 0.06 else 402
        ms = int(rng.lognormvariate(5.5, 0.35))
        log.add(t, f"{stamp(t)} INFO  [pay-bff] POST /v1/payments/authorize {st} {ms}ms")
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 300):
        log.add(t, f"{stamp(t)} INFO  [pay-bff] POST /v1/payments/authorize 400 2ms")
    # pre-existing: deprecation warning on every start, and prom-client label cardinality warning
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 520):
        log.add(t, f"{stamp(t)} WARN  [pay-bff] slow event loop: lag {rng.randint(120, 340)}ms during GC")
    for i, pod in enumerate(["pay-bff-5f7c9d8b6-4kq2x", "pay-bff-5f7c9d8b6-9wz7m", "pay-bff-5f7c9d8b6-c8t5v", "pay-bff-5f7c9d8b6-rx2np"]):
        t = DEPLOY + dt.timedelta(seconds=10 + 25 * i)
        log.add(t, f"{stamp(t)} INFO  [pay-bff] pay-bff listening on 8080")
        log.add(t, f"{stamp(t)} WARN  [pay-bff] (node:1) [DEP0040] DeprecationWarning: The `punycode` module is deprecated. Please use a userland alternative instead.")
    n = log.write(os.path.join(out, "logs", "pay-bff.log"))

    ev = Log()
    for t in poisson_times(rng, W0, W1, lambda t: 0.1):
        failed = rng.random() < fail(t - dt.timedelta(seconds=5))
        res = "payment_failed reason=psp_unavailable" if failed else rng.choices(["payment_authorised", "payment_declined reason=insufficient_funds"], [0.94, 0.06])[0]
        ev.add(t, f"{stamp(t)} INFO  [order-events] consumed {res} order={order()} partition={rng.randint(0, 11)} lag=0")
    for t in poisson_times(rng, W0, W1, lambda t: 1 / 400):
        ev.add(t, f"{stamp(t)} WARN  [order-events] kafka: broker kafka-2:9092 rebalance in progress, retrying commit (attempt 1/5)")
    for t in poisson_times(rng, START - dt.timedelta(minutes=4), W1, lambda t: 1 / 60):
        ev.add(t, f"{stamp(t)} WARN  [order-events] unpaid orders held for retry: {rng.randint(180, 420)} (threshold 100)")
    en = ev.write(os.path.join(out, "logs", "order-events.log"))

    m = Metrics(W0, W1)
    rps = lambda t: 38 + 6 * ((t.minute % 30) / 30)
    h = "HTTP requests served, by status code"
    s = {"service": "pay-bff"}
    m.counter("http_requests", h, {**s, "code": "200"}, lambda t, i: rps(t) * 0.94 * (1 - fail(t)), 80_112_004)
    m.counter("http_requests", h, {**s, "code": "402"}, lambda t, i: rps(t) * 0.06 * (1 - fail(t)), 5_110_987)
    m.counter("http_requests", h, {**s, "code": "400"}, lambda t, i: 0.02, 90_112)
    m.counter("http_requests", h, {**s, "code": "502"}, lambda t, i: rps(t) * fail(t) + 0.0005, 6_031)
    m.gauge("http_request_duration_p99_seconds", "p99 of POST /v1/payments/authorize", s,
            lambda t, i: 0.52 + 0.08 * rng.random() if fail(t) == 0 else 24.6 + rng.random() * 0.4)
    m.counter("psp_requests", "Requests to the payment provider by outcome", {**s, "psp": "paystream", "outcome": "ok"},
              lambda t, i: rps(t) * (1 - fail(t)), 85_001_443)
    m.counter("psp_requests", "Requests to the payment provider by outcome", {**s, "psp": "paystream", "outcome": "http_503"},
              lambda t, i: rps(t) * fail(t) * 0.75 * 3, 1_201)
    m.counter("psp_requests", "Requests to the payment provider by outcome", {**s, "psp": "paystream", "outcome": "timeout"},
              lambda t, i: rps(t) * fail(t) * 0.25 * 3 + 0.0008, 840)
    m.gauge("probe_success", "Blackbox probe of the PSP health endpoint", {"instance": "https://api.paystream.example/health"},
            lambda t, i: 1 if t < ONSET else (0 if rng.random() < 0.6 else 1), 0)
    m.gauge("probe_duration_seconds", "Blackbox probe duration", {"instance": "https://api.paystream.example/health"},
            lambda t, i: 0.09 + 0.02 * rng.random() if t < ONSET else 2.5 + 5 * rng.random())
    m.gauge("order_events_unpaid_orders", "Orders waiting for a payment retry", {"service": "order-events"},
            lambda t, i: 12 + rng.randint(0, 6) if t < ONSET else min(420, 12 + (t - ONSET).total_seconds() * 0.5), 0)
    m.gauge("nodejs_eventloop_lag_p99_seconds", "Event loop lag p99", s, lambda t, i: 0.02 + 0.01 * rng.random())
    m.gauge("process_resident_memory_bytes", "RSS of pay-bff pods (sum)", s, lambda t, i: 4 * 145e6 + rng.randint(0, 8_000_000), 0)
    m.write(os.path.join(out, "metrics.om"))

    write_json(os.path.join(out, "deploys.json"), [
        {"service": "pay-bff", "version": "5.2.0", "commit": r.sha_of_tag("v5.2.0"), "at": "2025-06-11T08:40:00Z"},
        {"service": "order-events", "version": "1.9.4", "commit": "5ab0c3e1d9f2478e6a1c0b93d7e5f24a8c61b0d9", "at": "2025-08-18T15:20:00Z"},
        {"service": "pay-bff", "version": "5.2.1", "commit": head, "at": iso(DEPLOY), "status": "succeeded"},
    ])
    write_json(os.path.join(out, "truth.json"), {
        "severity": "P1",
        "service": "pay-bff",
        "category": "dependency-failure",
        "root_cause": "The payment service provider Paystream started answering authorisations with 503 and timeouts at 13:04 UTC (its health probe fails too), so about half of checkout payments fail with 502 from pay-bff; nothing in pay-bff changed.",
        "evidence": [
            "AxiosError: Request failed with status code 503",
            "AxiosError: timeout of 8000ms exceeded",
            "authorize failed order=<id> psp=paystream",
            "psp_requests_total{outcome=\"http_503\"}",
            "probe_success{instance=\"https://api.paystream.example/health\"}",
        ],
        "suspect_commit": None,
        "suspect_file": None,
        "suspect_line": None,
        "remediation": [
            {"action": "Check Paystream's status page and the blackbox probe; open a ticket with Paystream", "tier": "READ"},
            {"action": "Route new authorisations to the secondary PSP (PAYMENTS_SECONDARY_PSP_ENABLED=true) until Paystream recovers", "tier": "REVERSIBLE"},
            {"action": "Post a checkout status banner and let order-events retry held orders after recovery", "tier": "REVERSIBLE"},
        ],
        "red_herrings": [
            "pay-bff 5.2.1 deploy at 12:31 (checkout copy change only)",
            "punycode DeprecationWarning on start",
            "event loop lag warnings during GC",
            "kafka rebalance warnings in order-events",
        ],
    })
    write_json(os.path.join(out, "alert.json"), {"event": {
        "id": "01F7QX9Z3K8M2N4P6R8T0V2W4Y",
        "event_type": "incident.triggered",
        "resource_type": "incident",
        "occurred_at": "2025-08-19T13:12:00.000Z",
        "agent": {"html_url": "https://lumen.pagerduty.com/services/PQ7R2ZB", "id": "PQ7R2ZB", "self": "https://api.pagerduty.com/services/PQ7R2ZB",
                  "summary": "pay-bff", "type": "service_reference"},
        "client": {"name": "Prometheus"},
        "data": {
            "id": "Q2H7KD9XWB3MFA",
            "type": "incident",
            "self": "https://api.pagerduty.com/incidents/Q2H7KD9XWB3MFA",
            "html_url": "https://lumen.pagerduty.com/incidents/Q2H7KD9XWB3MFA",
            "number": 9127,
            "status": "triggered",
            "incident_key": "b61f0e3c9a2d47e8a5c1f09d3b7e2a64",
            "created_at": "2025-08-19T13:12:00Z",
            "title": "pay-bff: payment authorisation failures 51% (threshold 10%) for 5m",
            "service": {"html_url": "https://lumen.pagerduty.com/services/PQ7R2ZB", "id": "PQ7R2ZB", "self": "https://api.pagerduty.com/services/PQ7R2ZB",
                        "summary": "pay-bff", "type": "service_reference"},
            "assignees": [{"html_url": "https://lumen.pagerduty.com/users/PXW3M8K", "id": "PXW3M8K", "self": "https://api.pagerduty.com/users/PXW3M8K",
                           "summary": "Payments Primary", "type": "user_reference"}],
            "escalation_policy": {"html_url": "https://lumen.pagerduty.com/escalation_policies/PL4N8Q2", "id": "PL4N8Q2",
                                  "self": "https://api.pagerduty.com/escalation_policies/PL4N8Q2", "summary": "Payments escalation", "type": "escalation_policy_reference"},
            "teams": [{"html_url": "https://lumen.pagerduty.com/teams/PT9D2LS", "id": "PT9D2LS", "self": "https://api.pagerduty.com/teams/PT9D2LS",
                       "summary": "Payments", "type": "team_reference"}],
            "priority": {"html_url": "https://lumen.pagerduty.com/account/incident_priorities", "id": "PD1P0X7", "self": "https://api.pagerduty.com/priorities/PD1P0X7",
                         "summary": "P1", "type": "priority"},
            "urgency": "high",
            "conference_bridge": None,
            "resolve_reason": None,
        },
    }})
    write_catalog(out, "pay-bff", "node --test test/")
    write_text(os.path.join(out, "scenario.yaml"), scenario_yaml({
        "id": SLUG,
        "title": "pay-bff: half of checkout payments fail because the payment provider returns 503",
        "started_at": iso(START),
        "source": "pagerduty",
        "services": ["pay-bff", "order-events"],
        "primary_service": "pay-bff",
        "language": "Node.js",
        "inspired_by": "Stripe 2019-07-10 API degradation (failed database cluster failover) as experienced by merchants whose checkouts depended on it; Lumen and Paystream are invented",
        "narrative": "PagerDuty pages the payments on-call at 13:12 UTC: about half of card authorisations fail and customers see 'We could not reach "
                     "the payment provider'. pay-bff 5.2.1 was deployed at 12:31. order-events reports a growing number of unpaid orders held for retry.",
        "window": {"from": iso(W0), "to": iso(W1)},
        "repo": {"script": "repo/make_repo.sh", "name": "pay-bff", "path_in_stack_traces": APP,
                 "commits": len(r.commits), "head": head},
        "files": {"alert": "alert.json", "logs": ["logs/pay-bff.log", "logs/order-events.log"], "metrics": "metrics.om",
                  "deploys": "deploys.json", "truth": "truth.json"},
    }))
    return {"slug": SLUG, "lines": {"pay-bff": n, "order-events": en}, "head": head}


if __name__ == "__main__":
    print(generate())
