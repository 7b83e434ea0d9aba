#!/usr/bin/env bash
# Refresh the README's screenshots in docs/screenshots/ on purpose.
#
#   scripts/screenshots.sh
#
# Tests never write tracked files: the browser tests and the post-mortem test save their pictures in
# test-output/screenshots/ (git-ignored). This script runs those tests through scripts/test.sh and,
# only when all of them pass, copies every picture docs/screenshots/ already has from that run.
# Review the result with `git diff --stat docs/screenshots` and commit it yourself.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT=$(ih_root)
SHOTS="$ROOT/test-output/screenshots"
DOCS="$ROOT/docs/screenshots"

# Every test class that takes a screenshot: the whole browser project and the post-mortem PDF test.
FILTER="FullyQualifiedName~IncidentHub.E2E.Tests|FullyQualifiedName~PostmortemEmailTests"

rm -rf "$SHOTS"
if ! "$ROOT/scripts/test.sh" "$FILTER"; then
  ih_die "the screenshot tests failed; docs/screenshots/ is unchanged"
fi

copied=0
missing=()
for doc in "$DOCS"/*.png; do
  name=$(basename "$doc")
  if [[ -f "$SHOTS/$name" ]]; then
    cp "$SHOTS/$name" "$doc"
    copied=$((copied + 1))
  else
    missing+=("$name")
  fi
done

# A new picture (a test's new screenshot) is listed, not added: the README decides what it shows.
for shot in "$SHOTS"/*.png; do
  [[ -e "$shot" ]] || continue
  [[ -f "$DOCS/$(basename "$shot")" ]] || ih_log "new screenshot not in docs/screenshots/ (copy it by hand if the README should show it): $shot"
done

((${#missing[@]} == 0)) || ih_log "no fresh screenshot for: ${missing[*]} (kept as it was)"
ih_log "copied $copied screenshot(s) to docs/screenshots/; see git diff --stat docs/screenshots"
