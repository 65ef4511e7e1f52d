#!/usr/bin/env bash
# GPU session 2 of 2: the whole product at the real size, without weights (issue 11):
#   source .gpu/unpack.sh && bash bench/gpu/session-2.sh
# `teacache sweep configs/gpu-smoke.yaml` on random-5b (CogVideoX1.5-5B architecture, random
# weights, bf16, 1360x768x81): baseline + TeaCache 0.1, 0.2, 0.3, 4 steps each (what the session's
# GPU time allows), REPORT.md, chart, comparison video. The run folders come back without their
# frames and videos (hundreds of MB of noise); the comparison video comes back when small enough.
set -uo pipefail
out=${OUT:?}
log() { echo "[$(date +%T)] $*" | tee -a "$out/log.txt"; }
log "random-5b sweep"
node bin/teacache.mjs sweep configs/gpu-smoke.yaml --steps "${STEPS:-4}" --output /tmp/random-5b-sweep >> "$out/log.txt" 2>&1
log "random-5b sweep rc=$?"
tar czf "$out/random-5b-sweep.tgz" --exclude=frames --exclude='*.mp4' -C /tmp random-5b-sweep
for f in /tmp/random-5b-sweep/compare-*.mp4; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 15000000 ] && cp "$f" "$out/"
done
du -sh /tmp/random-5b-sweep/*/* 2>/dev/null | head -20 >> "$out/log.txt"
log "done"
