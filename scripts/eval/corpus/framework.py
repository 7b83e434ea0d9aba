"""Bundle builder for the parametric corpus: one Bundle per (kind, variant).

A kind module (kinds/dev/*.py or kinds/test/*.py) defines KIND (name, category, ...), VARIANTS (a list of parameter
dicts, one per rendered bundle) and build(b, p), which uses this module to write the repository history, logs,
metrics, deploys, the alert in its source's webhook shape, and the truth. Everything random comes from b.rng, seeded
by the kind name and variant index, and git dates are fixed, so output and SHAs are identical on every run.

It reuses seed-data/bundles/_generator/common.py (Repo, Log, Metrics, poisson_times, ramp, ...).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "seed-data", "bundles", "_generator"))

import common  # noqa: E402
from common import Log, Metrics, Repo, iso, poisson_times, ramp, scenario_yaml, write_json, write_text  # noqa: E402,F401

import langs  # noqa: E402

SOURCES = ["alertmanager", "grafana", "pagerduty", "cloudwatch", "datadog", "generic"]
STYLES = ["plain", "json", "logfmt", "syslog"]
CONVS = ["prom", "otel", "statsd"]
PEOPLE = [("Ana Souza", "ana"), ("Tomasz Nowak", "tomasz"), ("Priya Raman", "priya"), ("Lars Eriksen", "lars"),
          ("Mei Chen", "mei"), ("Kwame Mensah", "kwame"), ("Sofia Rossi", "sofia"), ("Jonas Weber", "jonas"),
          ("Aisha Bello", "aisha"), ("Diego Ramirez", "diego")]


class CorpusRepo(Repo):
    """common.Repo whose built repository can be kept (generate.py --keep-repos DIR) so check.py need not rebuild it."""
    keep_dir: str | None = None

    def build(self, bundle_dir: str) -> str:
        if not CorpusRepo.keep_dir:
            return super().build(bundle_dir)
        import subprocess
        os.makedirs(os.path.join(bundle_dir, "repo"), exist_ok=True)
        path = os.path.join(bundle_dir, "repo", "make_repo.sh")
        with open(path, "w") as f:
            f.write(self.script())
        os.chmod(path, 0o755)
        dest = os.path.join(CorpusRepo.keep_dir, os.path.basename(bundle_dir))
        subprocess.run(["rm", "-rf", dest], check=True)
        subprocess.run(["bash", path, dest], check=True, stdout=subprocess.DEVNULL)
        self.shas = subprocess.run(["git", "-C", dest, "rev-list", "--reverse", "HEAD"], check=True,
                                   capture_output=True, text=True).stdout.split()
        assert len(self.shas) == len(self.commits), (len(self.shas), len(self.commits))
        for p, content in self.state.items():
            with open(os.path.join(dest, p)) as f:
                assert f.read() == content, p
        return self.shas[-1]


def h(s: str, n=16) -> str:
    return hashlib.sha256(s.encode()).hexdigest()[:n]


def fake_sha(s: str) -> str:
    return hashlib.sha1(("opaque:" + s).encode()).hexdigest()


# ----------------------------------------------------------------------------------------------------------------
# log styles

class ServiceLog:
    """One service's log in one style: plain (language-ish console), json (JSON lines), logfmt, syslog (RFC 3164)."""

    def __init__(self, b: "Bundle", service: str, style: str, lang: str | None = None):
        self.b, self.service, self.style, self.lang = b, service, style, lang
        self.log = Log()
        self.host = f"{service}-{h(service + b.seed, 9)[:9]}-{h(b.seed + service, 5)}"
        self.pid = b.rng.randint(7, 4000)

    def _ts(self, t, style):
        ms = int(t.microsecond / 1000)
        if style == "syslog":
            return t.strftime("%b %d %H:%M:%S").replace(" 0", "  ", 1) if t.day < 10 else t.strftime("%b %d %H:%M:%S")
        if style == "plain":
            return t.strftime("%Y-%m-%d %H:%M:%S") + f".{ms:03d}"
        return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"

    def line(self, t, level, msg, logger=None, trace=None, **fields):
        logger = logger or self.service
        st = self.style
        if st == "json":
            d = {"ts": self._ts(t, st), "level": level.lower(), "logger": logger, "msg": msg, "service": self.service}
            d.update(fields)
            if trace:
                d["stack"] = trace
            self.log.add(t, json.dumps(d, ensure_ascii=False))
            return
        if st == "logfmt":
            def q(v):
                v = str(v)
                return '"' + v.replace('"', '\\"') + '"' if (not v or any(c in v for c in ' ="')) else v
            parts = [f"ts={self._ts(t, st)}", f"level={level.lower()}", f"logger={q(logger)}", f"msg={q(msg)}"]
            parts += [f"{k}={q(v)}" for k, v in fields.items()]
            text = " ".join(parts)
        elif st == "syslog":
            extra = " ".join(f"{k}={v}" for k, v in fields.items())
            text = f"{self._ts(t, st)} {self.host} {self.service}[{self.pid}]: {level.upper()} {logger}: {msg}" + (f" {extra}" if extra else "")
        else:
            extra = " ".join(f"{k}={v}" for k, v in fields.items())
            text = f"{self._ts(t, st)} {level.upper():<5} [{logger}] {msg}" + (f" {extra}" if extra else "")
        if trace:
            text += "\n" + trace
        self.log.add(t, text)

    def info(self, t, msg, **kw):
        self.line(t, "INFO", msg, **kw)

    def warn(self, t, msg, **kw):
        self.line(t, "WARN", msg, **kw)

    def error(self, t, msg, **kw):
        self.line(t, "ERROR", msg, **kw)

    def debug(self, t, msg, **kw):
        self.line(t, "DEBUG", msg, **kw)

    def stream(self, start, end, rate, fn):
        """Calls fn(t, rng) for Poisson times with rate(t) events/s; fn writes lines itself."""
        for t in poisson_times(self.b.rng, start, end, rate if callable(rate) else (lambda _t, r=rate: r)):
            fn(t, self.b.rng)

    def every(self, start, end, seconds, fn):
        t = start
        while t < end:
            fn(t, self.b.rng)
            t += dt.timedelta(seconds=seconds)


# ----------------------------------------------------------------------------------------------------------------
# metric naming conventions

class MetricNames:
    """Names for the common series under three conventions: Prometheus client (`_total`, `code`), OpenTelemetry
    exported to Prometheus (dotted names flattened, `http_response_status_code`), StatsD exporter style."""

    def __init__(self, conv: str, service: str):
        self.conv, self.svc = conv, service.replace("-", "_")

    def requests(self):
        return {"prom": "http_requests", "otel": "http_server_requests",
                "statsd": f"{self.svc}_http_requests"}[self.conv]

    def status_label(self):
        return {"prom": "code", "otel": "http_response_status_code", "statsd": "status"}[self.conv]

    def p99(self):
        return {"prom": "http_request_duration_p99_seconds", "otel": "http_server_request_duration_seconds_p99",
                "statsd": f"{self.svc}_http_response_time_p99_ms"}[self.conv]

    def p99_scale(self):
        return 1000.0 if self.conv == "statsd" else 1.0

    def name(self, base: str):
        """A scenario-specific series name in this convention (base in snake_case)."""
        if self.conv == "otel":
            return base  # OTel names arrive flattened with underscores already
        if self.conv == "statsd":
            return f"{self.svc}_{base}"
        return base

    def svc_labels(self, service):
        return {"prom": {"service": service}, "otel": {"service_name": service, "job": service},
                "statsd": {"app": service}}[self.conv]


# ----------------------------------------------------------------------------------------------------------------
# alerts per source, in the shapes of the demo bundles' alert.json

def alert_body(b: "Bundle", source, service, alertname, summary, description, severity="critical", labels=None,
               metric=None, query=None, value=None, threshold=None, namespace="AWS/ECS", dims=None, team=None):
    at = b.t0
    labels = dict(labels or {})
    team = team or labels.pop("team", b.team)
    fp = h(b.seed + alertname)
    dom = b.domain
    if source in ("alertmanager", "grafana"):
        lab = {"alertname": alertname, "service": service, "severity": severity, "team": team, **labels}
        if source == "alertmanager":
            lab = {"alertname": alertname, "cluster": b.cluster, "namespace": b.namespace, **lab}
        ann = {"summary": summary, "description": description, "runbook_url": f"https://wiki.{dom}/runbooks/{service}"}
        alert = {"status": "firing", "labels": lab, "annotations": ann, "startsAt": iso(at).replace("Z", ".000Z"),
                 "endsAt": "0001-01-01T00:00:00Z", "fingerprint": fp}
        if source == "alertmanager":
            alert["generatorURL"] = f"https://prometheus.{dom}/graph?g0.expr={(query or alertname).replace(' ', '%20')}&g0.tab=1"
            gl = {"alertname": alertname, "service": service}
            return {"version": "4", "groupKey": "{}:{" + ", ".join(f'{k}="{v}"' for k, v in gl.items()) + "}",
                    "truncatedAlerts": 0, "status": "firing", "receiver": "incidenthub", "groupLabels": gl,
                    "commonLabels": lab, "commonAnnotations": ann, "externalURL": f"https://alertmanager.{dom}",
                    "alerts": [alert]}
        lab = {**lab, "grafana_folder": b.folder}
        alert["labels"] = lab
        alert["startsAt"] = iso(at)
        alert["generatorURL"] = f"https://grafana.{dom}/alerting/grafana/{h(alertname, 9)}/view?orgId=1"
        alert["silenceURL"] = f"https://grafana.{dom}/alerting/silence/new?alertmanager=grafana&matcher=alertname%3D{alertname}"
        alert["dashboardURL"] = f"https://grafana.{dom}/d/{service}?orgId=1"
        alert["panelURL"] = f"https://grafana.{dom}/d/{service}?orgId=1&viewPanel=2"
        vs = f"[ var='A' labels={{service={service}}} value={value if value is not None else 1} ], [ var='B' labels={{service={service}}} value=1 ]"
        alert["values"] = {"A": value if value is not None else 1, "B": 1}
        alert["valueString"] = vs
        msg = "**Firing**\n\nValue: " + vs + "\nLabels:\n" + "".join(f" - {k} = {v}\n" for k, v in lab.items()) + \
              f"Annotations:\n - summary = {summary}\nSource: {alert['generatorURL']}\n"
        # notification policy grouped by alertname, folder and service (so two services' alerts never share a group)
        gl = {"alertname": alertname, "grafana_folder": b.folder, "service": service}
        return {"receiver": "IncidentHub webhook", "status": "firing", "orgId": 1, "alerts": [alert], "groupLabels": gl,
                "commonLabels": lab, "commonAnnotations": ann, "externalURL": f"https://grafana.{dom}/", "version": "1",
                "groupKey": '{}/{service=~".+"}:{' + ", ".join(f'{k}="{v}"' for k, v in gl.items()) + '}',
                "truncatedAlerts": 0, "title": f"[FIRING:1] {alertname} {b.folder} ({service} {severity} {team})",
                "state": "alerting", "message": msg}
    if source == "pagerduty":
        sid, iid = "P" + h(service, 6).upper(), "Q" + h(b.seed, 13).upper()
        ref = lambda kind, i, summ: {"html_url": f"https://{b.org}.pagerduty.com/{kind}/{i}", "id": i,  # noqa: E731
                                    "self": f"https://api.pagerduty.com/{kind}/{i}", "summary": summ, "type": kind.rstrip("s") + "_reference"}
        return {"event": {"id": "01" + h(b.seed + "pd", 24).upper(), "event_type": "incident.triggered",
                          "resource_type": "incident", "occurred_at": iso(at).replace("Z", ".000Z"),
                          "agent": ref("services", sid, service), "client": {"name": "Prometheus"},
                          "data": {"id": iid, "type": "incident", "self": f"https://api.pagerduty.com/incidents/{iid}",
                                   "html_url": f"https://{b.org}.pagerduty.com/incidents/{iid}", "number": b.rng.randint(1000, 9999),
                                   "status": "triggered", "incident_key": h(b.seed + "key", 32), "created_at": iso(at),
                                   "title": f"{service}: {summary}", "service": ref("services", sid, service),
                                   "assignees": [ref("users", "P" + h(team, 6).upper(), f"{team.title()} Primary")],
                                   "escalation_policy": ref("escalation_policies", "P" + h(team + "ep", 6).upper(), f"{team.title()} escalation"),
                                   "teams": [ref("teams", "P" + h(team + "t", 6).upper(), team.title())],
                                   "priority": {"html_url": f"https://{b.org}.pagerduty.com/account/incident_priorities",
                                                "id": "PD1P0X7", "self": "https://api.pagerduty.com/priorities/PD1P0X7",
                                                "summary": b.severity, "type": "priority"},
                                   "urgency": "high" if severity == "critical" else "low", "conference_bridge": None,
                                   "resolve_reason": None}}}
    if source == "cloudwatch":
        acct = str(int(h(b.org, 10), 16))[:12].ljust(12, "7")
        region, rname = "eu-west-1", "EU (Ireland)"
        name = f"{service}-{alertname}"
        arn = f"arn:aws:sns:{region}:{acct}:incidenthub-alarms"
        stamp = lambda m: (at - dt.timedelta(minutes=m)).strftime("%d/%m/%y %H:%M:00")  # noqa: E731
        v = value if value is not None else 1
        thr = threshold if threshold is not None else 1
        dims = dims or [{"value": service, "name": "ServiceName"}, {"value": "prod", "name": "ClusterName"}]
        msg = {"AlarmName": name, "AlarmDescription": summary, "AWSAccountId": acct,
               "AlarmConfigurationUpdatedTimestamp": (at - dt.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.117+0000"),
               "NewStateValue": "ALARM",
               "NewStateReason": f"Threshold Crossed: 3 out of the last 3 datapoints [{v} ({stamp(1)}), {v} ({stamp(2)}), {v} ({stamp(3)})] were greater than the threshold ({float(thr)}) (minimum 3 datapoints for OK -> ALARM transition).",
               "StateChangeTime": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "Region": rname,
               "AlarmArn": f"arn:aws:cloudwatch:{region}:{acct}:alarm:{name}", "OldStateValue": "OK",
               "OKActions": [arn], "AlarmActions": [arn], "InsufficientDataActions": [],
               "Trigger": {"MetricName": metric or alertname, "Namespace": namespace, "StatisticType": "Statistic",
                           "Statistic": "AVERAGE", "Unit": None, "Dimensions": dims, "Period": 60, "EvaluationPeriods": 3,
                           "DatapointsToAlarm": 3, "ComparisonOperator": "GreaterThanThreshold", "Threshold": float(thr),
                           "TreatMissingData": "missing", "EvaluateLowSampleCountPercentile": ""}}
        return {"Type": "Notification", "MessageId": f"{h(b.seed, 8)}-{h(b.seed, 12)[8:12]}-4{h(b.seed, 15)[12:15]}-8{h(b.seed + 'm', 3)}-{h(b.seed + 'n', 12)}",
                "TopicArn": arn, "Subject": f'ALARM: "{name}" in {rname}', "Message": json.dumps(msg, separators=(",", ":")),
                "Timestamp": iso(at).replace("Z", ".412Z"), "SignatureVersion": "1",
                "Signature": h(b.seed + "sig", 64) + "==", "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{h('cert', 32)}.pem",
                "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={arn}:{h(b.seed + 'sub', 8)}"}
    if source == "datadog":
        ms = str(int(at.timestamp() * 1000))
        pri = {"P0": "P1", "P1": "P1", "P2": "P2", "P3": "P3"}[b.severity]
        tags = f"env:prod,service:{service},team:{team}"
        return {"id": str(int(h(b.seed + "dd", 15), 16)), "title": f"[{pri}] [Triggered on {{service:{service}}}] {summary}",
                "body": f"%%%\n{description}\n\n@webhook-incidenthub\n%%%", "event_type": "query_alert_monitor",
                "date": ms, "last_updated": ms, "org": {"id": str(int(h(b.org, 5), 16)), "name": b.org_name},
                "alert_id": str(int(h(alertname, 7), 16)), "alert_title": summary, "alert_status": "Alert",
                "alert_transition": "Triggered", "alert_type": "error" if severity == "critical" else "warning",
                "alert_metric": metric or alertname, "alert_query": query or f"avg(last_5m):{metric or alertname}{{service:{service}}} > {threshold}",
                "alert_scope": f"env:prod,service:{service}", "alert_priority": pri, "alert_cycle_key": str(int(h(b.seed + "c", 15), 16)),
                "aggreg_key": h(b.seed + "agg", 32), "priority": "normal", "hostname": b.host_of(service), "tags": tags,
                "link": f"https://app.datadoghq.eu/event/event?id={int(h(b.seed + 'dd', 15), 16)}",
                "snapshot": f"https://p.datadoghq.eu/snapshot/view/dd-snapshots-eu1-prod/org_1/{b.t0.date()}/{h(b.seed, 40)}.png",
                "monitor_url": f"https://app.datadoghq.eu/monitors/{int(h(alertname, 7), 16)}"}
    # generic: an error tracker / synthetic checker / home-grown webhook
    return {"title": summary, "timestamp": iso(at), "source": b.generic_source, "severity": "critical" if severity == "critical" else "warning",
            "service": service, "environment": "production", "message": description, "alertname": alertname,
            "url": f"https://status.{dom}/checks/{h(alertname, 8)}", "tags": {"team": team, "region": b.region}}


# ----------------------------------------------------------------------------------------------------------------

ORGS = [("northwind", "Northwind Traders"), ("bluefin", "Bluefin Labs"), ("quokka", "Quokka Travel"),
        ("saltmarsh", "Saltmarsh Media"), ("tallpine", "Tallpine Health"), ("copperleaf", "Copperleaf Bank"),
        ("driftwood", "Driftwood Games"), ("marigold", "Marigold Foods"), ("ironbark", "Ironbark Logistics"),
        ("lumenfox", "Lumenfox Energy"), ("petrel", "Petrel Insurance"), ("zephyr", "Zephyr Mobility")]


class Bundle:
    def __init__(self, kind: dict, idx: int, kind_no: int, p: dict):
        self.kind, self.idx, self.p = kind, idx, p
        self.split = p.get("_split", "")
        self.seed = f"{kind['name']}#{idx}"
        self.rng = random.Random(self.seed)
        o = ORGS[(kind_no * 3 + idx * 5) % len(ORGS)]
        self.org, self.org_name = o
        self.domain = f"{self.org}.example"
        base = dt.datetime(2026, 1, 6, tzinfo=dt.timezone.utc) + dt.timedelta(days=kind_no * 9 + idx * 3)
        hour = p.get("hour", [14, 3, 9, 20, 11, 17][(kind_no + idx) % 6])
        self.t0 = base.replace(hour=hour, minute=p.get("minute", [7, 22, 41, 13, 54, 36][(kind_no * 2 + idx) % 6]))
        self.start = self.t0 - dt.timedelta(minutes=60)
        self.end = self.t0 + dt.timedelta(minutes=15)
        self.source = p.get("source", SOURCES[(kind_no + idx * 2) % 6])
        self.style = p.get("style", STYLES[(kind_no + idx) % 4])
        self.conv = p.get("conv", CONVS[(kind_no * 2 + idx) % 3])
        self.lang_name = p["lang"]
        self.team = p.get("team", "platform")
        self.cluster = f"prod-{['eu-1', 'us-2', 'ap-1'][idx % 3]}"
        self.region = ["eu-west-1", "us-east-2", "ap-southeast-2"][idx % 3]
        self.namespace = p.get("namespace", self.team)
        self.folder = p.get("folder", self.team.replace("-", " ").title())
        self.generic_source = p.get("generic_source", ["error-tracker", "status-checker", "uptime-bot"][idx % 3])
        self.severity = kind.get("severity", "P2")
        self.logs: dict[str, ServiceLog] = {}
        self.metrics = Metrics(self.start, self.end)
        self.deploys: list[dict] = []
        self.repo: Repo | None = None
        self.lang: langs.Lang | None = None
        self.services: list[str] = []
        self.truth: dict = {}
        self.alert: dict | None = None
        self.alert_service = None
        self._commit_t = None
        self.extra_scenario: dict = {}
        self.frames_pending = []

    # --- time ---
    def at(self, minutes: float) -> dt.datetime:
        """t0 + minutes (negative: before the alert)."""
        return self.t0 + dt.timedelta(minutes=minutes)

    def host_of(self, service):
        return f"{service}-{h(service + self.seed, 9)}-{h(self.seed + service, 5)}"

    def names(self, service):
        return MetricNames(self.conv, service)

    # --- logs ---
    def svc(self, service, style=None, lang=None) -> ServiceLog:
        if service not in self.logs:
            self.logs[service] = ServiceLog(self, service, style or self.style, lang)
            if service not in self.services:
                self.services.append(service)
        return self.logs[service]

    # --- repository ---
    def make_repo(self, service, config: dict, extra_files: dict | None = None, history: int = 6):
        """The service's repository: the language skeleton plus `config` ({section: {key: value}}) rendered in the
        language's config format, with `history` ordinary commits, released as tags. Returns the Repo."""
        L = langs.make(self.lang_name, service, self.org)
        self.lang = L
        r = CorpusRepo(service, f"a corpus incident (variant {self.idx})")
        self.repo = r
        self._commit_t = self.t0 - dt.timedelta(days=150 + self.rng.randint(0, 30))
        files = {
            "README.md": f"# {service}\n\n{self.p.get('purpose', 'Service')} for {self.org_name}.\n\nRunbook: docs/runbook.md\n",
            "docs/runbook.md": f"# {service} runbook\n\n- Dashboards: https://grafana.{self.domain}/d/{service}\n- Rollback: redeploy the previous tag\n",
            "Dockerfile": f"FROM {self.p.get('image', 'debian:bookworm-slim')}\nWORKDIR {L.prefix or '/app/'}\nCOPY . .\n",
            ".gitignore": "*.log\n/target/\n/node_modules/\n/vendor/\n__pycache__/\n/bin/\n/obj/\n",
            ".github/workflows/ci.yml": "name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
            L.config_path: langs.render_config(L.config_format, config),
        }
        files.update(L.files())
        files.update(extra_files or {})
        self.commit("Initial import", files, tag="v1.0.0", days=0)
        chores = [
            ("ci: cache dependencies", ".github/workflows/ci.yml", "      - name: cache\n        uses: actions/cache@v4\n"),
            ("docs: on-call contacts in the runbook", "docs/runbook.md", f"- On-call: #{self.team}-oncall\n"),
            ("docs: describe local setup", "README.md", "\n## Local setup\n\nSee docs/runbook.md.\n"),
            ("chore: ignore editor files", ".gitignore", ".idea/\n.vscode/\n"),
            ("ci: run on merge queue", ".github/workflows/ci.yml", "      - run: echo merge-queue\n"),
            ("docs: dashboards and alerts", "docs/runbook.md", f"- Alerts: https://grafana.{self.domain}/alerting\n"),
            ("docs: changelog", "CHANGELOG.md", None),
        ]
        minor = 1
        history = max(history, 9)
        for i in range(history):
            msg, path, add = chores[i % len(chores)]
            content = (r.state.get(path, "") + add) if add else r.state.get(path, "# Changelog\n") + f"\n- v1.{minor}.0 (#{i + 100})\n"
            tag = None
            if i % 2 == 1:
                tag = f"v1.{minor}.0"
                minor += 1
            self.commit(msg, {path: content}, tag=tag, days=self.rng.randint(6, 12))
        self.next_minor = minor
        return r

    def commit(self, msg, writes=None, edits=None, tag=None, days=None, at=None, author=None):
        if at is not None:
            self._commit_t = at
        elif days is not None:
            self._commit_t = self._commit_t + dt.timedelta(days=days, minutes=self.rng.randint(0, 600))
        else:
            self._commit_t = self._commit_t + dt.timedelta(minutes=self.rng.randint(20, 200))
        name, nick = author or PEOPLE[self.rng.randrange(len(PEOPLE))]
        date = self._commit_t.strftime("%Y-%m-%dT%H:%M:%S+0000")
        return self.repo.commit(msg, (name, f"{nick}@{self.domain}"), date, writes=writes, edits=edits, tag=tag)

    def edit_config(self, msg, sec, key, value, tag=None, at=None, author=None):
        """Commit that changes one config value; returns (commit index, path, line)."""
        L = self.lang
        path = L.config_path
        needle = langs.config_needle(L.config_format, sec, key)
        lines = self.repo.state[path].split("\n")
        hits = [i for i, line in enumerate(lines) if needle in line and (L.config_format != "yaml" or self._yaml_sec(lines, i) == sec)]
        assert len(hits) == 1, (path, needle, hits)
        i = hits[0]
        old = lines[i]
        if L.config_format == "json":
            vs = value if isinstance(value, (int, float)) or str(value) in ("true", "false") or str(value).isdigit() else f'"{value}"'
            lines[i] = old.split(":", 1)[0] + f": {vs}" + ("," if old.rstrip().endswith(",") else "")
        elif L.config_format == "properties":
            lines[i] = f"{sec}.{key}={value}"
        else:
            lines[i] = f"  {key}: {value}"
        c = self.commit(msg, {path: "\n".join(lines)}, tag=tag, at=at, author=author)
        return c, path, i + 1

    @staticmethod
    def _yaml_sec(lines, i):
        for j in range(i, -1, -1):
            if lines[j] and not lines[j].startswith(" "):
                return lines[j].rstrip(":")
        return None

    def frame(self, op, path=None, needle=None, func=None):
        """(path, line, func) of an op in the skeleton (or of a needle in a kind's own file), resolved at HEAD."""
        L = self.lang
        if path is None:
            return (L.core_path, self.repo.line_of(L.core_path, L.needles[op]), L.func(op))
        return (path, self.repo.line_of(path, needle), func)

    def handle_frame(self, op):
        L = self.lang
        return (L.core_path, self.repo.line_of(L.core_path, L.handle_needles[op]),
                {"Go": "Handle", "C#": "HandleAsync"}.get(L.name, "handle"))

    def trace(self, exc, msg, frames):
        if self.lang.name == "Python":  # Python prints the source line under each frame
            frames = [(p, n, f, self.repo.state[p].split("\n")[n - 1].strip()) for p, n, f in frames]
        return self.lang.trace(exc, msg, frames, self.rng)

    def deploy(self, service, version, commit=None, at=None, **extra):
        if commit is None:  # not a commit of the repo we build: opaque SHA for other services, none for an env/infra change
            commit = "" if (self.repo is not None and service == self.repo.name) else fake_sha(service + version)
        d = {"service": service, "version": version, "commit": commit, "at": iso(at)}
        d.update(extra)
        self.deploys.append(d)

    def sha(self, commit_index):
        return self.repo.shas[commit_index]

    # --- common log stories ---
    def requests(self, sl, start, end, rate, routes, fail=None, ms=(12, 90)):
        """Access-log lines for an HTTP service; fail(t, rng, route) returns True when it logged a failure itself."""
        def one(t, rng):
            route = routes[rng.randrange(len(routes))]
            if fail and fail(t, rng, route):
                return
            method = "POST" if "/orders" in route or "/jobs" in route or "/events" in route else "GET"
            sl.info(t, f"{method} {route} 200", logger="access", status=200, duration_ms=rng.randint(*ms),
                    request_id=h(str(t) + route, 12))
        sl.stream(start, end, rate, one)

    def jobs(self, sl, start, end, rate, task, fail=None, secs=(0.05, 1.5)):
        """Worker/consumer lines; fail(t, rng, job_id) returns True when it logged the failure itself."""
        def one(t, rng):
            jid = h(str(t) + task, 12)
            if fail and fail(t, rng, jid):
                return
            sl.info(t, task, logger="worker", job_id=jid, duration_s=round(rng.uniform(*secs), 3))
        sl.stream(start, end, rate, one)

    def noise(self, sl, start, end, every_s, level, msg, logger=None, **fields):
        """A recurring, pre-existing warning/error (a red herring): present all along, not only after the onset."""
        def one(t, rng):
            sl.line(t, level, msg, logger=logger, **fields)
        sl.stream(start, end, 1.0 / every_s, one)

    # --- metrics ---
    def http_metrics(self, service, rps, err_ratio, p99, routes=("/v1/items",), extra_codes=("200",)):
        """Request counters by status and a p99 gauge in the bundle's naming convention.
        rps(t), err_ratio(t) (share of 5xx), p99(t) in seconds."""
        n = self.names(service)
        base = n.svc_labels(service)
        for route in routes:
            share = 1.0 / len(routes)
            self.metrics.counter(n.requests(), "HTTP requests served", {**base, "route": route, n.status_label(): "200"},
                                 lambda t, i: rps(t) * share * (1 - err_ratio(t)) * (0.97 + 0.06 * self.rng.random()))
            self.metrics.counter(n.requests(), "HTTP requests served", {**base, "route": route, n.status_label(): "500"},
                                 lambda t, i: rps(t) * share * err_ratio(t))
        self.metrics.gauge(n.p99(), "p99 request latency", base,
                           lambda t, i: p99(t) * n.p99_scale() * (0.92 + 0.16 * self.rng.random()), 4)

    def gauge(self, service, base, help_, labels, fn, digits=4):
        n = self.names(service)
        self.metrics.gauge(n.name(base), help_, {**n.svc_labels(service), **labels}, fn, digits)
        return n.name(base)

    def counter(self, service, base, help_, labels, rate_fn):
        n = self.names(service)
        self.metrics.counter(n.name(base), help_, {**n.svc_labels(service), **labels}, rate_fn)
        return n.name(base) + "_total"

    def cpu_mem(self, service, cpu=lambda t: 0.35, mem=lambda t: 0.5e9, pods=3):
        n = self.names(service)
        for k in range(pods):
            pod = f"{service}-{h(self.seed + service, 9)}-{h(str(k) + service, 5)}"
            self.metrics.gauge("container_cpu_usage_cores" if self.conv != "otel" else "container_cpu_utilization",
                               "CPU in use", {"pod": pod, **n.svc_labels(service)},
                               lambda t, i: max(0.01, cpu(t) * (0.9 + 0.2 * self.rng.random())), 3)
            self.metrics.gauge("container_memory_working_set_bytes", "memory working set", {"pod": pod, **n.svc_labels(service)},
                               lambda t, i: round(mem(t) * (0.97 + 0.06 * self.rng.random())), 0)

    # --- alert & truth ---
    def set_alert(self, service, alertname, summary, description, **kw):
        self.alert_service = service
        self.alert = alert_body(self, self.source, service, alertname, summary, description, **kw)

    def set_truth(self, service, root_cause, evidence, remediation, red_herrings, suspect=None, page=True,
                  forbidden=None):
        t = {"severity": self.severity, "service": service, "category": self.kind["category"], "root_cause": root_cause,
             "evidence": evidence, "suspect_commit": None, "suspect_file": None, "suspect_line": None,
             "remediation": [{"action": a, "tier": tier} for a, tier in remediation], "red_herrings": red_herrings}
        if suspect:
            ci, path, line = suspect
            t["suspect_commit"] = ci  # resolved after the build
            t["suspect_file"] = path
            t["suspect_line"] = line
        if not page:
            t["page"] = False
        if forbidden:
            t["forbidden_actions"] = forbidden
        self.truth = t

    def _thin(self, log, limit):
        """Keeps a log under `limit` lines: drops ordinary single-line INFO entries first (as if sampled), then every
        other multi-line entry after the first few."""
        size = lambda: sum(e[2].count("\n") + 1 for e in log.entries)  # noqa: E731
        r = random.Random(self.seed + "thin")
        while size() > limit:
            singles = [i for i, e in enumerate(log.entries) if "\n" not in e[2] and "info" in e[2][:80].lower()]
            if len(singles) > 200:
                drop = set(r.sample(singles, max(1, min(len(singles) - 200, (size() - limit)))))
                log.entries = [e for i, e in enumerate(log.entries) if i not in drop]
                continue
            multi = [i for i, e in enumerate(log.entries) if "\n" in e[2]]
            drop = set(multi[5::2])
            assert drop, "cannot thin log"
            log.entries = [e for i, e in enumerate(log.entries) if i not in drop]

    # --- write ---
    def write(self, out_dir, bundle_name, title, narrative, primary):
        d = os.path.join(out_dir, bundle_name)
        os.makedirs(os.path.join(d, "logs"), exist_ok=True)
        head = None
        if self.repo is not None:
            head = self.repo.build(d)
            if isinstance(self.truth.get("suspect_commit"), int):
                self.truth["suspect_commit"] = self.repo.shas[self.truth["suspect_commit"]]
            for dep in self.deploys:
                if isinstance(dep["commit"], int):
                    dep["commit"] = self.repo.shas[dep["commit"]]
        for name, sl in self.logs.items():
            self._thin(sl.log, 1950)
            n = sl.log.write(os.path.join(d, "logs", f"{name}.log"))
            assert 150 <= n <= 2500, (bundle_name, name, n)
        self.metrics.write(os.path.join(d, "metrics.om"))
        self.deploys.sort(key=lambda x: x["at"])
        write_json(os.path.join(d, "deploys.json"), self.deploys)
        write_json(os.path.join(d, "truth.json"), self.truth)
        write_json(os.path.join(d, "alert.json"), self.alert)
        sc = {"id": bundle_name, "title": title, "started_at": iso(self.t0), "source": self.source,
              "services": list(self.logs.keys()), "primary_service": primary, "language": self.lang_name,
              "inspired_by": self.kind["inspired_by"], "narrative": narrative,
              "window": {"from": iso(self.start), "to": iso(self.end)}}
        if self.repo is not None:
            sc["repo"] = {"script": "repo/make_repo.sh", "name": self.repo.name, "path_in_stack_traces": self.lang.prefix,
                          "commits": len(self.repo.commits), "head": head}
        sc["files"] = {"alert": "alert.json", "logs": [f"logs/{s}.log" for s in self.logs], "metrics": "metrics.om",
                       "deploys": "deploys.json", "truth": "truth.json"}
        write_text(os.path.join(d, "scenario.yaml"), scenario_yaml(sc))
        # generator metadata, kept out of scenario.yaml because `ih import` uploads that file to the hub
        write_json(os.path.join(d, "corpus.json"), {"kind": self.kind["name"], "variant": self.idx, "split": self.split,
                                                     "log_style": self.style, "metric_convention": self.conv,
                                                     "alert_service": self.alert_service, **self.extra_scenario})
        return d
