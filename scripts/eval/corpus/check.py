#!/usr/bin/env python3
"""Structural self-check of a generated corpus (run by tests/IncidentHub.Web.Tests/Features/Bundles/CorpusTests.cs).

    python3 scripts/eval/corpus/check.py CORPUS_DIR [--min-bundles 60] [--json]

Per bundle: the files exist; scenario/truth fields are valid; make_repo.sh builds the HEAD named in scenario.yaml with
that many commits; truth's suspect commit exists and touched suspect_file and suspect_line is a real line at HEAD;
deploys of the repo's service name real commits; every application stack frame in the logs points at an existing,
non-blank line at HEAD; logs have 150-2000 lines; metrics.om ends with '# EOF'; forbidden actions are in the logs.
Corpus-wide: at least N bundles, every category >= 5, >= 5 languages, all 6 sources, >= 4 log styles, >= 3 metric
conventions, some page:false and forbidden_actions bundles. Prints a summary; exits 1 listing the problems.
It deliberately prints only counts, never the content of test bundles.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import yaml

CATEGORIES = {"bad-deploy-code", "config-change", "capacity/resource-exhaustion", "dependency-failure", "certificate/expiry",
              "data/schema", "network/dns", "traffic-spike", "noisy-false-alarm"}
SOURCES = {"alertmanager", "grafana", "pagerduty", "cloudwatch", "datadog", "generic"}
TIERS = {"READ", "REVERSIBLE", "DESTRUCTIVE"}

FRAMES = {
    "Python": [r'File "(?P<path>/[^"]+)", line (?P<line>\d+)'],
    "Go": [r"^\t(?P<path>/\S+\.go):(?P<line>\d+)"],
    "Node.js": [r"\((?P<path>/[^\s():]+\.[cm]?js):(?P<line>\d+):\d+\)"],
    "C#": [r" in (?P<path>/\S+\.cs):line (?P<line>\d+)"],
    "Ruby": [r"(?P<path>/\S+\.rb):(?P<line>\d+):in"],
    "PHP": [r"(?P<path>/\S+\.php)\((?P<line>\d+)\)", r" in (?P<path>/\S+\.php):(?P<line>\d+)"],
    "Rust": [r"at (?P<path>/\S+\.rs):(?P<line>\d+):\d+"],
    "Elixir": [r"\((?P<app>\w+) [\d.]+\) (?P<path>\S+\.ex):(?P<line>\d+):"],
}
JVM = {"Java": ("java", "src/main/java"), "Kotlin": ("kt", "src/main/kotlin"), "Scala": ("scala", "src/main/scala")}
JVM_FRAME = re.compile(r"\bat (?P<type>[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)+)\.[\w$<>]+\((?P<file>\w+\.(?:java|kt|scala)):(?P<line>\d+)\)")


def git(repo, *args):
    return subprocess.run(["git", "-c", "safe.directory=*", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def log_texts(path):
    """Each log entry's text, with JSON-lines entries decoded (message + stack)."""
    with open(path) as f:
        for line in f:
            if line.startswith("{"):
                try:
                    d = json.loads(line)
                    yield str(d.get("msg", "")) + "\n" + str(d.get("stack", ""))
                    continue
                except ValueError:
                    pass
            yield line.rstrip("\n")


def app_frames(text, sc, app_pkg_root, repo_mod):
    lang = sc["language"]
    prefix = sc.get("repo", {}).get("path_in_stack_traces", "")
    if lang in JVM:
        ext, root = JVM[lang]
        for m in JVM_FRAME.finditer(text):
            t = m.group("type")
            pkg = t[: t.rfind(".")]
            if app_pkg_root and (pkg == app_pkg_root or pkg.startswith(app_pkg_root + ".")):
                yield f"{root}/{pkg.replace('.', '/')}/{m.group('file')}", int(m.group("line"))
        return
    for pat in FRAMES.get(lang, []):
        for m in re.finditer(pat, text, re.M):
            path = m.group("path")
            if lang == "Elixir":
                if m.group("app") != repo_mod:
                    continue
                yield path, int(m.group("line"))
                continue
            if path.startswith(prefix) and "/node_modules/" not in path and "site-packages" not in path and "/vendor/" not in path:
                yield path[len(prefix):], int(m.group("line"))


REPOS = None  # --repos DIR: repositories already built by generate.py --keep-repos


def check_bundle(d):
    problems, facts = [], {}
    name = os.path.basename(d)
    P = lambda msg: problems.append(f"{name}: {msg}")  # noqa: E731
    for f in ("scenario.yaml", "alert.json", "metrics.om", "deploys.json", "truth.json"):
        if not os.path.exists(os.path.join(d, f)):
            P(f"missing {f}")
            return problems, facts
    sc = yaml.safe_load(open(os.path.join(d, "scenario.yaml")))
    truth = json.load(open(os.path.join(d, "truth.json")))
    deploys = json.load(open(os.path.join(d, "deploys.json")))
    json.load(open(os.path.join(d, "alert.json")))
    meta = json.load(open(os.path.join(d, "corpus.json"))) if os.path.exists(os.path.join(d, "corpus.json")) else {}
    facts.update(category=truth.get("category"), language=sc.get("language"), source=sc.get("source"),
                 style=meta.get("log_style"), conv=meta.get("metric_convention"),
                 page=truth.get("page", True), forbidden=bool(truth.get("forbidden_actions")), suspect=bool(truth.get("suspect_commit")),
                 kind=meta.get("kind"))
    if not meta:
        P("missing corpus.json")
    if truth.get("category") not in CATEGORIES:
        P("bad category")
    if truth.get("severity") not in {"P0", "P1", "P2", "P3"}:
        P("bad severity")
    if sc.get("source") not in SOURCES:
        P("bad source")
    if truth.get("service") not in sc.get("services", []) and truth.get("service") != sc.get("primary_service"):
        P("truth.service is neither a logged service nor the primary service")
    rem = truth.get("remediation", [])
    if not rem or any(r.get("tier") not in TIERS for r in rem) or not any(r.get("tier") == "READ" for r in rem):
        P("remediation tiers")
    if not truth.get("evidence") or not truth.get("red_herrings") or not truth.get("root_cause"):
        P("truth lacks evidence/red_herrings/root_cause")
    if (truth.get("page", True) is False) != (truth.get("category") == "noisy-false-alarm"):
        P("page:false must go with noisy-false-alarm")
    with open(os.path.join(d, "metrics.om")) as f:
        if not f.read().endswith("# EOF\n"):
            P("metrics.om does not end with '# EOF'")
    logs_dir = os.path.join(d, "logs")
    logs = sorted(os.listdir(logs_dir)) if os.path.isdir(logs_dir) else []
    if not logs:
        P("no logs")
    alltext = ""
    for lf in logs:
        with open(os.path.join(logs_dir, lf)) as f:
            txt = f.read()
        alltext += txt
        n = txt.count("\n")
        if not 150 <= n <= 2000:
            P(f"{lf} has {n} lines")
    for a in truth.get("forbidden_actions") or []:
        pass
    if truth.get("forbidden_actions") and not any(a in alltext for a in truth["forbidden_actions"]):
        P("no forbidden action appears in the logs")
    if "repo" not in sc:
        if truth.get("suspect_commit"):
            P("suspect commit but no repo")
        return problems, facts
    with tempfile.TemporaryDirectory(prefix="ih-corpus-repo-") as tmp:
        repo = os.path.join(tmp, "r")
        if REPOS and os.path.isdir(os.path.join(REPOS, name, ".git")):
            repo = os.path.join(REPOS, name)
        else:
            r = subprocess.run(["bash", os.path.join(d, "repo", "make_repo.sh"), repo], capture_output=True, text=True)
            if r.returncode != 0:
                P(f"make_repo.sh failed: {r.stderr[-300:]}")
                return problems, facts
        head = git(repo, "rev-parse", "HEAD").strip()
        if head != sc["repo"]["head"]:
            P("HEAD differs from scenario.yaml")
        count = int(git(repo, "rev-list", "--count", "HEAD"))
        if count != sc["repo"]["commits"] or not 8 <= count <= 40:
            P(f"commit count {count}")
        if not any(re.match(r"^v\d+\.\d+\.\d+$", t) for t in git(repo, "tag", "--list").split()):
            P("no semver tag")
        sus = truth.get("suspect_commit")
        if sus:
            try:
                if git(repo, "cat-file", "-t", sus).strip() != "commit":
                    P("suspect is not a commit")
                elif truth.get("suspect_file") not in git(repo, "show", "--name-only", "--format=", sus).split("\n"):
                    P("suspect commit did not touch suspect_file")
            except subprocess.CalledProcessError:
                P("suspect commit not in the repo")
            sf = os.path.join(repo, truth.get("suspect_file") or "")
            if not os.path.isfile(sf):
                P("suspect_file not at HEAD")
            else:
                lines = open(sf).read().split("\n")
                ln = truth.get("suspect_line")
                if not isinstance(ln, int) or not 1 <= ln <= len(lines) or not lines[ln - 1].strip():
                    P("suspect_line not a real line")
        elif truth.get("suspect_file") is not None:
            P("suspect_file without suspect_commit")
        for dep in deploys:
            if dep.get("service") == sc["repo"]["name"] and dep.get("commit"):
                try:
                    git(repo, "cat-file", "-t", dep["commit"])
                except subprocess.CalledProcessError:
                    P(f"deploy {dep['version']} names a commit not in the repo")
        app_pkg_root = None
        if sc["language"] in JVM:
            root = os.path.join(repo, JVM[sc["language"]][1])
            pk = [os.path.relpath(dp, root).split(os.sep) for dp, _, fs in os.walk(root) if fs]
            common = []
            for parts in zip(*pk):
                if len(set(parts)) != 1:
                    break
                common.append(parts[0])
            app_pkg_root = ".".join(common)
        checked = 0
        for lf in logs:
            for text in log_texts(os.path.join(logs_dir, lf)):
                for path, line in app_frames(text, sc, app_pkg_root, sc["repo"]["name"].replace("-", "_")):
                    full = os.path.join(repo, path)
                    if not os.path.isfile(full):
                        P(f"frame {path}:{line} not in the repo")
                        continue
                    src = open(full).read().split("\n")
                    if not 1 <= line <= len(src) or not src[line - 1].strip():
                        P(f"frame {path}:{line} is not a real line")
                    checked += 1
        facts["frames"] = checked
    return problems, facts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--min-bundles", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repos", help="reuse repositories built by generate.py --keep-repos DIR (else each make_repo.sh is run)")
    a = ap.parse_args()
    global REPOS
    REPOS = a.repos
    dirs = sorted(os.path.join(a.dir, x) for x in os.listdir(a.dir) if os.path.exists(os.path.join(a.dir, x, "scenario.yaml")))
    with ThreadPoolExecutor(a.jobs) as ex:
        results = list(ex.map(check_bundle, dirs))
    problems = [p for ps, _ in results for p in ps]
    facts = [f for _, f in results]
    C = collections.Counter
    cats, langs, srcs = C(f.get("category") for f in facts), C(f.get("language") for f in facts), C(f.get("source") for f in facts)
    styles, convs = C(f.get("style") for f in facts), C(f.get("conv") for f in facts)
    kinds = {f.get("kind") for f in facts}
    if len(dirs) < a.min_bundles:
        problems.append(f"only {len(dirs)} bundles (want >= {a.min_bundles})")
    if a.min_bundles >= 60:
        for c in CATEGORIES:
            if cats[c] < 5:
                problems.append(f"category {c}: {cats[c]} bundles (want >= 5)")
        if len(langs) < 5:
            problems.append(f"{len(langs)} languages")
        if set(srcs) != SOURCES:
            problems.append(f"sources {sorted(srcs)}")
        if len(styles) < 4 or len(convs) < 3:
            problems.append("log styles / metric conventions")
        if not any(f.get("page") is False for f in facts) or not any(f.get("forbidden") for f in facts):
            problems.append("no page:false or no forbidden_actions bundle")
        if len(kinds) < 20:
            problems.append(f"{len(kinds)} kinds (want >= 20)")
    print(f"bundles {len(dirs)}, kinds {len(kinds)}, with suspect commit {sum(1 for f in facts if f.get('suspect'))}, "
          f"page:false {sum(1 for f in facts if f.get('page') is False)}, forbidden_actions {sum(1 for f in facts if f.get('forbidden'))}, "
          f"frames checked {sum(f.get('frames', 0) for f in facts)}")
    for label, c in (("categories", cats), ("languages", langs), ("sources", srcs), ("log styles", styles), ("metric conventions", convs)):
        print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))))
    for p in problems:
        print("PROBLEM " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
