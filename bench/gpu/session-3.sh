#!/usr/bin/env bash
# GPU session 3: session 1's GPU bench again (its decode ran out of memory without VAE tiling,
# now on as in the reference) and session 2's random-5b sweep at 3 steps, in one call because the
# lent GPU time left allows one more start:
#   source .gpu/unpack.sh && bash bench/gpu/session-3.sh
set -uo pipefail
out=${OUT:?}
log() { echo "[$(date +%T)] $*" | tee -a "$out/log.txt"; }
log "gpu bench"
timeout 220 node bin/teacache.mjs bench --mode gpu --compile --steps 1 --output "$out/gpu-bench.json" >> "$out/log.txt" 2>&1
log "gpu bench rc=$?"
log "random-5b sweep"
timeout 250 node bin/teacache.mjs sweep configs/gpu-smoke.yaml --steps "${STEPS:-3}" --output /tmp/random-5b-sweep >> "$out/log.txt" 2>&1
rc=$?
log "random-5b sweep rc=$rc"
# Cut short by the time limit: a report of the runs that finished (the sweep writes its own otherwise).
[ "$rc" -ne 0 ] && { node bin/teacache.mjs report /tmp/random-5b-sweep --no-videos >> "$out/log.txt" 2>&1 || true; }
tar czf "$out/random-5b-sweep.tgz" --exclude=frames --exclude='*.mp4' -C /tmp random-5b-sweep
for f in /tmp/random-5b-sweep/compare-*.mp4; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 15000000 ] && cp "$f" "$out/"
done
log "done"
