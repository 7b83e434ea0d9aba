#!/usr/bin/env python3
"""Generates the evaluation corpus: every incident KIND under kinds/dev/ and kinds/test/ rendered in each of its
VARIANTS (different services, language, alert source, log style, metric naming, timing, red herrings).

    python3 scripts/eval/corpus/generate.py OUT_DIR [--split dev|test|all] [--kind NAME] [--jobs N]

Writes OUT_DIR/<NNV-service>/ bundles (NN kind number, V variant; corpus.json names the kind) in the scenario format (scenario.yaml, alert.json, logs/, metrics.om,
repo/make_repo.sh, deploys.json, truth.json). Deterministic: fixed seeds and git dates, identical SHAs on every run.
split.json says which kinds are dev and which are test; engine developers must not read kinds/test/ nor the test
bundles (see README.md). Bundle numbers come from the kind's position in split.json, so they are stable.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import framework  # noqa: E402


def load_split():
    with open(os.path.join(HERE, "split.json")) as f:
        return json.load(f)


def all_kinds():
    """[(number, split, kind name)] in split.json order: dev kinds first, then test kinds, then the dev kinds added later
    (`dev_numbered_after_test`: numbered after the test kinds, so adding a dev kind never renumbers, re-dates or re-styles a
    test bundle), then the test kinds added later (`test_numbered_last`: numbered after everything, so adding them renumbers
    no existing bundle), then the dev kinds added after those (`dev_numbered_last_2`: numbered after everything before
    it, so adding them renumbers, re-dates or re-styles no existing bundle). New lists only ever go at the end."""
    s = load_split()
    out = []
    for key, split in (("dev", "dev"), ("test", "test"), ("dev_numbered_after_test", "dev"),
                       ("test_numbered_last", "test"), ("dev_numbered_last_2", "dev")):
        for name in s.get(key, []):
            out.append((len(out) + 1, split, name))
    return out


def load_kind(split, name):
    path = os.path.join(HERE, "kinds", split, name.replace("-", "_") + ".py")
    spec = importlib.util.spec_from_file_location(f"kind_{split}_{name.replace('-', '_')}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.KIND["name"] == name, (path, mod.KIND["name"])
    return mod


def render(args):
    no, split, name, idx, out = args
    mod = load_kind(split, name)
    p = dict(mod.VARIANTS[idx], _split=split)
    b = framework.Bundle(mod.KIND, idx, no, p)
    meta = mod.build(b, p)
    # neutral name (the kind's name would give the diagnosis away to anything reading the bundle id)
    bundle = f"{no:02d}{idx}-" + re.sub(r"[^a-z0-9-]+", "-", meta["primary"].lower())
    target = os.path.join(out, bundle)
    if os.path.exists(target):
        shutil.rmtree(target)
    b.write(out, bundle, meta["title"], meta["narrative"], meta["primary"])
    return bundle


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    ap.add_argument("--kind", help="only this kind")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep-repos", help="keep each built repository in DIR/<bundle> (check.py --repos DIR reuses them)")
    a = ap.parse_args()
    if a.keep_repos:
        os.makedirs(a.keep_repos, exist_ok=True)
        framework.CorpusRepo.keep_dir = os.path.abspath(a.keep_repos)
    os.makedirs(a.out, exist_ok=True)
    work = []
    for no, split, name in all_kinds():
        if a.split != "all" and split != a.split:
            continue
        if a.kind and name != a.kind:
            continue
        mod = load_kind(split, name)
        work += [(no, split, name, i, os.path.abspath(a.out)) for i in range(len(mod.VARIANTS))]
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as ex:
            names = list(ex.map(render, work))
    else:
        names = [render(w) for w in work]
    print(f"{len(names)} bundles in {a.out}")


if __name__ == "__main__":
    main()
