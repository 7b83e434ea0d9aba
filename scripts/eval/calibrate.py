#!/usr/bin/env python3
"""Fit the diagnosis engine's confidence calibration (docs/decisions/035).

    python3 scripts/eval/calibrate.py ROWS.csv [--out src/IncidentHub.Analysis/Diagnosis/calibration.json]

ROWS.csv (written by `CSV=ROWS.csv dotnet run --project scripts/eval/replay -- DUMPDIR EVAL.json BUNDLEDIR`) has one line per
development-split diagnosis: bundle, truth category, best guess (top hypothesis), top support,
second support, evidence kinds of the top hypothesis, confidence, committed (0/1), top right (0/1). The fit is a logistic
regression of "the top hypothesis is right" on the engine's own features (top support, the second's ratio to it, the number
of independent evidence kinds), L2-regularised towards the uncalibrated formula so a small or one-sided split cannot push
every confidence to 0 or 1. Deterministic: fixed start, fixed step, fixed number of iterations; no randomness.
"""
import csv, json, math, sys

def features(s1, s2, kinds):
    r = s2 / s1 if s1 > 0 else 0.0
    return [1.0, s1, r, kinds / 5.0]

def fit(rows, l2=1.0, steps=20000, lr=0.5):
    # Start (and shrink) towards a model that reproduces the engine's uncalibrated rule around the 0.5 threshold.
    prior = [-6.0, 10.0, -2.5, 0.5]
    w = list(prior)
    n = len(rows)
    for _ in range(steps):
        grad = [0.0] * len(w)
        for x, y in rows:
            z = sum(wi * xi for wi, xi in zip(w, x))
            p = 1 / (1 + math.exp(-z))
            for i, xi in enumerate(x):
                grad[i] += (p - y) * xi / n
        for i in range(len(w)):
            grad[i] += l2 * (w[i] - prior[i]) / n
            w[i] -= lr * grad[i]
    return w

def main():
    src = sys.argv[1]
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
    rows = []
    for line in csv.reader(open(src)):
        _, truth, guess, s1, s2, kinds, _, _, right = line
        if guess == "none":
            continue
        rows.append((features(float(s1), float(s2), int(kinds)), int(right)))
    w = fit(rows)
    result = {"intercept": round(w[0], 4), "topSupport": round(w[1], 4), "secondRatio": round(w[2], 4), "evidenceKinds": round(w[3], 4),
              "fittedOn": f"{len(rows)} development-split diagnoses"}
    # Calibration of the fit on its own rows, by band.
    bands = {}
    for x, y in rows:
        p = 1 / (1 + math.exp(-sum(wi * xi for wi, xi in zip(w, x))))
        b = min(int(p * 10), 9)
        r, t = bands.get(b, (0, 0))
        bands[b] = (r + y, t + 1)
    for b in sorted(bands):
        print(f"  {b / 10:.1f}-{(b + 1) / 10:.1f}: {bands[b][0]}/{bands[b][1]}")
    print(json.dumps(result))
    if out:
        with open(out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")

if __name__ == "__main__":
    main()
