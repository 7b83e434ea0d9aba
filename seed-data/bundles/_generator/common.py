"""Shared helpers for authoring the demo incident bundles.

Each bundle's generator (bNNN_*.py) describes its repo history, log stream and metric series; this module
turns them into repo/make_repo.sh, logs/*.log, metrics.om, and resolves stack-frame line numbers against the
file contents at HEAD, so frames always point at real lines. Run `python3 build_all.py` to regenerate.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLES = os.path.dirname(HERE)


def ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Repo:
    def __init__(self, name: str, script_comment: str):
        self.name = name
        self.comment = script_comment
        self.state: dict[str, str] = {}
        self.commits: list[dict] = []
        self.shas: list[str] = []

    def commit(self, msg, author, date, writes=None, edits=None, tag=None):
        changed = {}
        for path, content in (writes or {}).items():
            content = textwrap.dedent(content).lstrip("\n")
            if not content.endswith("\n"):
                content += "\n"
            self.state[path] = content
            changed[path] = content
        for path, old, new in edits or []:
            cur = self.state[path]
            if cur.count(old) != 1:
                raise ValueError(f"edit of {path}: {old!r} occurs {cur.count(old)} times")
            cur = cur.replace(old, new)
            self.state[path] = cur
            changed[path] = cur
        self.commits.append({"msg": msg, "author": author, "date": date, "files": changed, "tag": tag})
        return len(self.commits) - 1

    def line_of(self, path: str, needle: str, nth: int | None = None) -> int:
        lines = self.state[path].split("\n")
        hits = [i + 1 for i, line in enumerate(lines) if needle in line]
        if not hits:
            raise ValueError(f"{needle!r} not in {path}")
        if nth is None and len(hits) != 1:
            raise ValueError(f"{needle!r} occurs {len(hits)} times in {path}")
        return hits[nth or 0]

    def script(self) -> str:
        out = [
            "#!/usr/bin/env bash",
            f"# Builds the {self.name} repository for {self.comment}.",
            "# Deterministic: fixed author/committer names, emails and dates, so commit SHAs are identical on every run.",
            f"# Usage: make_repo.sh [DEST_DIR]   (default: ./{self.name})",
            "set -euo pipefail",
            f'DEST="${{1:-./{self.name}}}"',
            'if [ -e "$DEST/.git" ]; then echo "refusing to overwrite existing repo at $DEST" >&2; exit 1; fi',
            'mkdir -p "$DEST"',
            'cd "$DEST"',
            'export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$(mktemp -d)" TZ=UTC LC_ALL=C',
            "git init -q",
            "git symbolic-ref HEAD refs/heads/main",
            "commit() {  # commit MESSAGE AUTHOR EMAIL DATE",
            "  git add -A",
            '  GIT_AUTHOR_NAME="$2" GIT_AUTHOR_EMAIL="$3" GIT_AUTHOR_DATE="$4" \\',
            '  GIT_COMMITTER_NAME="$2" GIT_COMMITTER_EMAIL="$3" GIT_COMMITTER_DATE="$4" \\',
            '    git -c commit.gpgsign=false -c core.hooksPath=/dev/null -c core.autocrlf=false commit -q --no-verify -m "$1"',
            "}",
            "",
        ]
        for c in self.commits:
            for path, content in c["files"].items():
                d = os.path.dirname(path)
                if d:
                    out.append(f"mkdir -p {d}")
                if "IHUB_BUNDLE_EOF" in content:
                    raise ValueError("delimiter in content")
                out.append(f"cat > {path} <<'IHUB_BUNDLE_EOF'")
                out.append(content.rstrip("\n"))
                out.append("IHUB_BUNDLE_EOF")
            name, email = c["author"]
            msg = c["msg"].replace("'", "'\\''")
            out.append(f"commit '{msg}' '{name}' {email} {c['date']}")
            if c["tag"]:
                out.append(f"git tag {c['tag']}")
            out.append("")
        return "\n".join(out) + "\n"

    def build(self, bundle_dir: str) -> str:
        os.makedirs(os.path.join(bundle_dir, "repo"), exist_ok=True)
        path = os.path.join(bundle_dir, "repo", "make_repo.sh")
        with open(path, "w") as f:
            f.write(self.script())
        os.chmod(path, 0o755)
        dest = tempfile.mkdtemp(prefix="bundle-repo-") + "/r"
        subprocess.run(["bash", path, dest], check=True)
        self.shas = subprocess.run(["git", "-C", dest, "rev-list", "--reverse", "HEAD"], check=True,
                                   capture_output=True, text=True).stdout.split()
        assert len(self.shas) == len(self.commits), (len(self.shas), len(self.commits))
        # the built tree must equal our model of it
        for p, content in self.state.items():
            with open(os.path.join(dest, p)) as f:
                assert f.read() == content, p
        subprocess.run(["rm", "-rf", os.path.dirname(dest)], check=True)
        return self.shas[-1]

    def sha_of_tag(self, tag: str) -> str:
        for i, c in enumerate(self.commits):
            if c["tag"] == tag:
                return self.shas[i]
        raise KeyError(tag)


class Log:
    """Timestamped entries (possibly multi-line), written sorted by time."""

    def __init__(self):
        self.entries: list[tuple[dt.datetime, int, str]] = []
        self._n = 0

    def add(self, t: dt.datetime, text: str):
        self._n += 1
        self.entries.append((t, self._n, text.rstrip("\n")))

    def write(self, path: str):
        self.entries.sort(key=lambda e: (e[0], e[1]))
        with open(path, "w") as f:
            for _, _, text in self.entries:
                f.write(text + "\n")
        with open(path) as f:
            return sum(1 for _ in f)


def poisson_times(rng: random.Random, start: dt.datetime, end: dt.datetime, rate_per_s):
    """Event times in [start, end) with a (possibly time-varying) rate: rate_per_s(t) -> events/s."""
    t = start
    out = []
    while True:
        r = rate_per_s(t)
        if r <= 0:
            t += dt.timedelta(seconds=5)
            if t >= end:
                break
            continue
        t += dt.timedelta(seconds=rng.expovariate(r))
        if t >= end:
            break
        out.append(t)
    return out


class Metrics:
    """OpenMetrics text with explicit timestamps at 15 s resolution."""

    def __init__(self, start: dt.datetime, end: dt.datetime, step: int = 15):
        self.times = []
        t = start
        while t <= end:
            self.times.append(t)
            t += dt.timedelta(seconds=step)
        self.step = step
        self.families: dict[str, dict] = {}

    def _family(self, name, kind, help_):
        fam = self.families.setdefault(name, {"kind": kind, "help": help_, "series": []})
        assert fam["kind"] == kind
        return fam

    def counter(self, name, help_, labels: dict, rate_fn, start_value=0.0, integer=True):
        """rate_fn(t, i) -> increments per second."""
        fam = self._family(name, "counter", help_)
        v = start_value
        values = []
        for i, t in enumerate(self.times):
            if i > 0:
                v += max(0.0, rate_fn(t, i)) * self.step
            values.append(round(v) if integer else round(v, 3))
        fam["series"].append((labels, values))

    def gauge(self, name, help_, labels: dict, fn, digits=4):
        fam = self._family(name, "gauge", help_)
        fam["series"].append((labels, [round(fn(t, i), digits) for i, t in enumerate(self.times)]))

    def write(self, path):
        out = []
        for name, fam in self.families.items():
            out.append(f"# TYPE {name} {fam['kind']}")
            out.append(f"# HELP {name} {fam['help']}")
            sample = name + "_total" if fam["kind"] == "counter" else name
            for labels, values in fam["series"]:
                lab = ",".join(f'{k}="{v}"' for k, v in labels.items())
                for t, v in zip(self.times, values):
                    vs = str(int(v)) if isinstance(v, int) or float(v).is_integer() else repr(float(v))
                    out.append(f"{sample}{{{lab}}} {vs} {int(t.timestamp())}")
        out.append("# EOF")
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")


def ramp(t, t0, t1, a, b):
    """Linear from a at t0 to b at t1, clamped."""
    if t <= t0:
        return a
    if t >= t1:
        return b
    f = (t - t0).total_seconds() / (t1 - t0).total_seconds()
    return a + (b - a) * f


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_text(path, text):
    with open(path, "w") as f:
        f.write(text)


def scenario_yaml(d: dict) -> str:
    import yaml
    return yaml.safe_dump(d, sort_keys=False, allow_unicode=True, width=110)


def write_catalog(bundle_dir: str, service: str, test_command: str):
    """catalog.yaml: the catalog part `ih import` sends with the bundle. It names only what the import cannot derive
    (the repository's own test command); logs, metrics and the repository path are filled in by the import."""
    import yaml
    text = ("# Catalog part sent by `ih import` with this bundle; the import fills in logs, metrics and the repository path.\n"
            + yaml.safe_dump({"services": [{"name": service, "repository": {"test_command": test_command}}]},
                             sort_keys=False, width=200))
    write_text(os.path.join(bundle_dir, "catalog.yaml"), text)
