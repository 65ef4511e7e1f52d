#!/usr/bin/env bash
# GPU session 1 of 2 (a lent H100/H200, see ../shared/gpu/README.md): run from the project root as
#   source .gpu/unpack.sh && bash bench/gpu/session-1.sh
# with carry [".gpu"]. Everything lands in $OUT as it finishes, so a timeout keeps what was done.
#  1. issue 9: a tiny sweep on CUDA with warm-up and 3 repeats (are the baselines within 10%?)
#  2. issue 11.4: quality metrics of a full-size pair on this machine's cores
#  3. issue 11: teacache bench --mode gpu --compile (per-step eager/compiled/skipped, skip fidelity, decode)
set -uo pipefail
out=${OUT:?}
log() { echo "[$(date +%T)] $*" | tee -a "$out/log.txt"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/device.txt" 2>&1
nproc >> "$out/device.txt"
log "tiny sweep on cuda"
node bin/teacache.mjs sweep configs/tiny.yaml --device cuda --thresholds 0.5,1 --seeds 42,43 --repeats 3 \
  --output /tmp/tiny-cuda --quiet >> "$out/log.txt" 2>&1
log "tiny sweep rc=$?"
tar czf "$out/tiny-cuda.tgz" --exclude=frames --exclude='*.mp4' -C /tmp tiny-cuda
log "quality bench"
timeout 120 node bin/teacache.mjs bench --mode quality --output "$out/gpu-quality.json" >> "$out/log.txt" 2>&1
log "quality bench rc=$?"
log "gpu bench"
timeout 330 node bin/teacache.mjs bench --mode gpu --compile --steps 1 --output "$out/gpu-bench.json" >> "$out/log.txt" 2>&1
log "gpu bench rc=$?"
