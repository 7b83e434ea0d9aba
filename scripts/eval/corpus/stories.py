"""Reusable incident stories on top of framework.Bundle, so kinds stay short and data-like.

- release(b, ...): commit a release (suspect + decoys), tag and deploy it.
- http_failures(b, ...): an HTTP service whose requests fail after an onset with a given error writer, plus the caller.
- op_error(b, op, exc, msg): a log-ready stack trace of a skeleton operation failing (frames resolved at HEAD).
"""
from __future__ import annotations

import datetime as dt

from framework import h


def minutes(n):
    return dt.timedelta(minutes=n)


def prior_release(b, svc, days_ago=6):
    """Deploy event for the last tag of the base history."""
    prev = f"v1.{b.next_minor - 1}.0" if b.next_minor > 1 else "v1.0.0"
    b.deploy(svc, prev, len(b.repo.commits) - 1, b.at(-60 * 24 * days_ago))
    return prev


def release(b, svc, changes, deploy_at, decoys=(), kind=None, days=4):
    """changes: [(msg, writes, edits)] in order; the first is usually the suspect. Decoys come after.
    Returns (version, [commit indexes of changes], [decoy indexes], head index)."""
    idx, didx = [], []
    for j, (msg, writes, edits) in enumerate(changes):
        at = deploy_at - dt.timedelta(hours=b.rng.randint(18, 60)) if j == 0 else None
        idx.append(b.commit(msg, writes, edits, at=at))
    for msg, writes, edits in decoys:
        didx.append(b.commit(msg, writes, edits))
    ver = f"v1.{b.next_minor}.{b.idx}"
    head = b.commit(f"release {ver}", {"CHANGELOG.md": f"# Changelog\n\n- {ver}: " + "; ".join(c[0] for c in changes) + "\n"}, tag=ver)
    extra = {"status": "succeeded"}
    if kind:
        extra["kind"] = kind
    b.deploy(svc, ver, head, deploy_at, **extra)
    return ver, idx, didx, head


def op_error(b, op, exc, msg, top=None):
    """Stack trace of `op` failing inside handle (top: an extra innermost frame (path, line, func))."""
    frames = ([top] if top else []) + [b.frame(op), b.handle_frame(op)]
    return b.trace(exc, msg, frames)


def http_failures(b, svc, routes, onset, share, on_fail, rate=0.22, end=None, ms=(15, 120)):
    """svc's access log with failures after onset (share(t) of requests); on_fail(t, rng, route) logs the failure."""
    sl = b.svc(svc)
    end = end or b.end

    def fail(t, rng, route):
        if t < onset or t >= end or rng.random() >= share(t):
            return False
        on_fail(sl, t, rng, route)
        return True
    b.requests(sl, b.start, b.end, rate, routes, fail, ms)
    return sl


def caller_side(b, caller, callee, onset, share, status=502, rate=0.12, route="/api"):
    """An edge/gateway service that sees the callee's failures as 5xx (symptom, not cause)."""
    sl = b.svc(caller)

    def fail(t, rng, r):
        if t < onset or rng.random() >= share(t):
            return False
        sl.warn(t, f"upstream {callee} answered {status}", logger="proxy", upstream=callee, status=status,
                request_id=h(str(t), 12))
        return True
    b.requests(sl, b.start, b.end, rate, [f"{route}/{callee.split('-')[0]}"], fail)
    return sl


def step(t, onset, before, after):
    return after if t >= onset else before
