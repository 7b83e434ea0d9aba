-- wrk script: floods Alertmanager-format alerts.
--   FORMAT=webhook  Alertmanager's webhook v4 body (what IncidentHub receives from Alertmanager)
--   FORMAT=api      Alertmanager's own POST /api/v2/alerts body (what Prometheus sends to Alertmanager)
--   BATCH=N         alerts per request
--   MODE=distinct   every alert a new label set;  MODE=repeated  100 label sets sent again and again
--   ALERT_GROUPS=N  webhook format: requests cycle over N alert groups (N incidents); default 1
--   GROUP_RUN=S     names the groups (default RUN): runs that share it add alerts to the same N groups
-- done() prints one line: RESULT requests=<n> non2xx=<n> errors=<n> seconds=<s> p50ms=<ms> p99ms=<ms>

local batch = tonumber(os.getenv("BATCH") or "10")
local mode = os.getenv("MODE") or "distinct"
local format = os.getenv("FORMAT") or "webhook"
local run = os.getenv("RUN") or "0"
local groups = tonumber(os.getenv("ALERT_GROUPS") or "1")
local group_run = os.getenv("GROUP_RUN") or run
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function identity(i)
  if mode == "repeated" then
    return "rep-" .. ((counter * batch + i) % 100)
  end
  return "d-" .. run .. "-" .. tid .. "-" .. counter .. "-" .. i
end

local group = ""

local function alert(i)
  local name = identity(i)
  if format == "api" then
    return '{"labels":{"alertname":"BenchAlert' .. group .. '","service":"bench","severity":"warning","instance":"' .. name ..
      '"},"annotations":{"summary":"benchmark alert"},"startsAt":"2026-11-23T00:00:00Z","endsAt":"2030-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph"}'
  end
  return '{"status":"firing","labels":{"alertname":"BenchAlert' .. group .. '","service":"bench","severity":"warning","instance":"' .. name ..
    '"},"annotations":{"summary":"benchmark alert"},"startsAt":"2026-11-23T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"' ..
    name .. '"}'
end

function request()
  counter = counter + 1
  group = groups > 1 and ("-" .. group_run .. "-" .. ((counter * 7 + tid) % groups)) or ""
  local parts = {}
  for i = 1, batch do parts[i] = alert(i) end
  local body
  if format == "api" then
    body = "[" .. table.concat(parts, ",") .. "]"
  else
    body = '{"version":"4","groupKey":"{}:{alertname=\\"BenchAlert' .. group .. '\\"}","truncatedAlerts":0,"status":"firing","receiver":"incidenthub",' ..
      '"groupLabels":{"alertname":"BenchAlert"},"commonLabels":{"alertname":"BenchAlert"},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","alerts":[' ..
      table.concat(parts, ",") .. ']}'
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d non2xx=%d errors=%d seconds=%.3f p50ms=%.2f p99ms=%.2f\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
