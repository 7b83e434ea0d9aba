#!/usr/bin/env bash
# Builds the pay-bff repository for bundle 104-psp-outage-payments.
# Deterministic: fixed author/committer names, emails and dates, so commit SHAs are identical on every run.
# Usage: make_repo.sh [DEST_DIR]   (default: ./pay-bff)
set -euo pipefail
DEST="${1:-./pay-bff}"
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
# pay-bff

Backend-for-frontend for checkout payments: authorises cards with our payment service provider (Paystream)
and publishes payment results for order-events.

`npm ci && npm start` (needs PSP_BASE_URL, PSP_API_KEY)

Releases are tagged `vX.Y.Z` and deployed by the pipeline.
IHUB_BUNDLE_EOF
cat > .gitignore <<'IHUB_BUNDLE_EOF'
node_modules/
.env
coverage/
IHUB_BUNDLE_EOF
cat > package.json <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p src
cat > src/server.js <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p src
cat > src/log.js <<'IHUB_BUNDLE_EOF'
'use strict';
// Plain text lines: <iso time> <LEVEL> [pay-bff] message, and the stack on the following lines.
function write(level, msg, err) {
  const line = `${new Date().toISOString()} ${level.padEnd(5)} [pay-bff] ${msg}`;
  process.stdout.write(err && err.stack ? `${line}\n${err.stack}\n` : `${line}\n`);
}

exports.log = {
  info: (msg) => write('INFO', msg),
  warn: (msg, err) => write('WARN', msg, err),
  error: (msg, err) => write('ERROR', msg, err),
};
IHUB_BUNDLE_EOF
commit 'Initial express app' 'Chloe Martin' chloe.martin@lumen.example 2025-04-01T09:00:00+0000

mkdir -p src/psp
cat > src/psp/client.js <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Paystream client' 'Dmitri Volkov' dmitri.volkov@lumen.example 2025-04-03T14:30:00+0000

mkdir -p src/routes
cat > src/routes/payments.js <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p src/psp
cat > src/psp/index.js <<'IHUB_BUNDLE_EOF'
'use strict';
const { PspClient } = require('./client');

const primary = new PspClient({ baseURL: process.env.PSP_BASE_URL, apiKey: process.env.PSP_API_KEY });
primary.name = 'paystream';

module.exports = { psp: primary };
IHUB_BUNDLE_EOF
commit 'Payments route' 'Chloe Martin' chloe.martin@lumen.example 2025-04-07T10:15:00+0000
git tag v5.0.0

mkdir -p src/psp
cat > src/psp/retry.js <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p src/psp
cat > src/psp/client.js <<'IHUB_BUNDLE_EOF'
'use strict';
const axios = require('axios');
const { withRetry } = require('./retry');

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
    const res = await withRetry(() =>
      this.http.post('/v2/authorizations', body, {
        headers: { 'Idempotency-Key': `auth-${orderId}` },
      }),
    );
    return { id: res.data.id, status: res.data.status };
  }
}

module.exports = { PspClient };
IHUB_BUNDLE_EOF
commit 'Retry idempotent authorisations on 5xx and network errors' 'Dmitri Volkov' dmitri.volkov@lumen.example 2025-04-22T11:05:00+0000
git tag v5.1.0

mkdir -p test
cat > test/log.test.js <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p test
cat > test/retry.test.js <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
commit 'Tests for retry policy and log lines' 'Yaw Boateng' yaw.boateng@lumen.example 2025-04-23T09:20:00+0000

mkdir -p src
cat > src/metrics.js <<'IHUB_BUNDLE_EOF'
'use strict';
const client = require('prom-client');

client.collectDefaultMetrics();
const pspRequests = new client.Counter({
  name: 'psp_requests_total',
  help: 'Requests to the payment provider by outcome',
  labelNames: ['psp', 'outcome'],
});

module.exports = { client, pspRequests };
IHUB_BUNDLE_EOF
mkdir -p src
cat > src/server.js <<'IHUB_BUNDLE_EOF'
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
app.get('/metrics', async (req, res) => {
  res.set('Content-Type', require('./metrics').client.register.contentType);
  res.send(await require('./metrics').client.register.metrics());
});
app.use('/v1/payments', payments);

const port = Number(process.env.PORT || 8080);
app.listen(port, () => log.info(`pay-bff listening on ${port}`));
IHUB_BUNDLE_EOF
commit 'Metrics endpoint' 'Yaw Boateng' yaw.boateng@lumen.example 2025-05-06T15:40:00+0000

mkdir -p src/psp
cat > src/psp/index.js <<'IHUB_BUNDLE_EOF'
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
IHUB_BUNDLE_EOF
mkdir -p deploy
cat > deploy/values-production.yaml <<'IHUB_BUNDLE_EOF'
replicaCount: 4
env:
  PSP_BASE_URL: https://api.paystream.example
  SECONDARY_PSP_BASE_URL: https://api.northpay.example
  PAYMENTS_SECONDARY_PSP_ENABLED: "false"
IHUB_BUNDLE_EOF
commit 'Secondary PSP behind a flag (off by default)' 'Chloe Martin' chloe.martin@lumen.example 2025-06-10T13:00:00+0000
git tag v5.2.0

cat > README.md <<'IHUB_BUNDLE_EOF'
# pay-bff

Backend-for-frontend for checkout payments: authorises cards with our payment service provider (Paystream)
and publishes payment results for order-events.

`npm ci && npm start` (needs PSP_BASE_URL, PSP_API_KEY)

## Paystream outage

Check https://status.paystream.example and the `probe_success` panel. If Paystream is down, set
`PAYMENTS_SECONDARY_PSP_ENABLED=true` in the deploy values and restart; set it back once Paystream recovers.

Releases are tagged `vX.Y.Z` and deployed by the pipeline.
IHUB_BUNDLE_EOF
commit 'Runbook: PSP outage' 'Dmitri Volkov' dmitri.volkov@lumen.example 2025-06-12T09:30:00+0000

cat > package.json <<'IHUB_BUNDLE_EOF'
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
    "axios": "^1.7.4",
    "express": "^4.19.2",
    "pino": "^9.2.0",
    "prom-client": "^15.1.2"
  }
}
IHUB_BUNDLE_EOF
commit 'Bump axios to 1.7.4' 'Yaw Boateng' yaw.boateng@lumen.example 2025-07-29T12:00:00+0000

mkdir -p src/routes
cat > src/routes/payments.js <<'IHUB_BUNDLE_EOF'
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
    return res.status(502).json({ title: 'We could not reach the payment provider. Your card was not charged; please try again.' });
  }
});

module.exports = router;
IHUB_BUNDLE_EOF
commit 'Checkout copy: clearer retry message' 'Yaw Boateng' yaw.boateng@lumen.example 2025-08-19T11:58:00+0000
git tag v5.2.1

